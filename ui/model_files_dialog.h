#pragma once
// "Official files…": the three files of a released BriVL model wherever they are (the release
// ships the checkpoint on its own; the config comes from brivl-nmi, the vocab from
// hfl/chinese-roberta-wwm-ext), as an alternative to a bundle folder.
#include <QDialog>

class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace brivl::ui {

class ModelFilesDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ModelFilesDialog(QWidget* parent = nullptr);
  void setFiles(const QString& config, const QString& checkpoint, const QString& vocab);
  QString config() const;
  QString checkpoint() const;
  QString vocab() const;

 private:
  QLineEdit* row(const char* name, const QString& label, const QString& filter, QFormLayout* form);
  void validate();  // OK only when all three files exist; says which one does not
  QLineEdit* config_ = nullptr;
  QLineEdit* checkpoint_ = nullptr;
  QLineEdit* vocab_ = nullptr;
  QLabel* problem_;
  QDialogButtonBox* buttons_;
};

}  // namespace brivl::ui
