#pragma once
// The training runs in a folder (the studio's own runs folder by default, or any folder with runs
// started from the CLI): one line per run with its state, progress and best recall, newest first.
// Activating a run follows it in the Train tab. Refreshed every few seconds while shown.
#include <QWidget>

class QLabel;
class QListWidget;
class QTimer;

namespace brivl::ui {

class RunList : public QWidget {
  Q_OBJECT
 public:
  explicit RunList(QWidget* parent = nullptr);

  void setFolder(const QString& folder);  // remembered across restarts
  QString folder() const { return folder_; }
  void refresh();
  int runCount() const;
  QString runDir(int row) const;
  QString runText(int row) const;

 Q_SIGNALS:
  void runChosen(const QString& runDir);

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  QString folder_;
  QLabel* folderLabel_;
  QListWidget* list_;
  QTimer* timer_;
};

}  // namespace brivl::ui
