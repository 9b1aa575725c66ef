#pragma once
// The bar above the tabs: which model (recent models, a folder picker, or the three official
// files), device and precision, a status light and the memory the studio uses. Loads go through the ModelHost (asynchronous).
#include <QWidget>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace brivl::ui {

class ModelHost;

class ModelBar : public QWidget {
  Q_OBJECT
 public:
  explicit ModelBar(ModelHost* host, QWidget* parent = nullptr);

  // First load: `dir` when given, else the last model used, else the embedded default model.
  void loadInitial(const QString& dir);
  // Loads a folder, or three files (ModelRequest::source()), with the bar's device and precision.
  void loadModel(const QString& source);
  void loadFiles(const QString& config, const QString& checkpoint, const QString& vocab);
  QStringList recentModels() const;

 Q_SIGNALS:
  void problem(const QString& title, const QString& message);

 private:
  void browse();
  void browseFiles();
  void reloadCurrent();
  void rememberModel(const QString& source);
  void fillRecent();
  void showState();
  void updateMemory();

  ModelHost* host_;
  QComboBox* models_;
  QPushButton* browse_;
  QComboBox* device_;
  QComboBox* dtype_;
  QLabel* light_;
  QLabel* status_;
  QLabel* memory_;
  QProgressBar* loadProgress_;
  QTimer* memoryTimer_;
};

}  // namespace brivl::ui
