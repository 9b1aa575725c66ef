#include "ui/model_files_dialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/path_field.h"

namespace brivl::ui {

ModelFilesDialog::ModelFilesDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Load the official model files"));
  auto* intro = new QLabel(tr("The three files of a released BriVL model, unchanged: the config (brivl-nmi cfg/eval.yml), "
                              "the checkpoint and the vocabulary (hfl/chinese-roberta-wwm-ext vocab.txt)."),
                           this);
  intro->setWordWrap(true);
  auto* form = new QFormLayout;
  config_ = row("configFileEdit", tr("Config"), tr("YAML (*.yml *.yaml);;All files (*)"), form);
  checkpoint_ = row("checkpointFileEdit", tr("Checkpoint"), tr("Checkpoints (*.pth *.pt *.safetensors);;All files (*)"), form);
  vocab_ = row("vocabFileEdit", tr("Vocabulary"), tr("Text files (*.txt);;All files (*)"), form);
  problem_ = new QLabel(this);
  problem_->setObjectName(QStringLiteral("modelFilesProblem"));
  problem_->setStyleSheet(QStringLiteral("color: #b02020;"));
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Load"));
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addLayout(form);
  layout->addWidget(problem_);
  layout->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  resize(640, sizeHint().height());
  validate();
}

QLineEdit* ModelFilesDialog::row(const char* name, const QString& label, const QString& filter, QFormLayout* form) {
  PathFieldOptions options;
  options.dialogTitle = label;
  options.filter = filter;
  // Open next to whichever file was chosen already: the three often sit together.
  options.startDir = [this] {
    for (const QLineEdit* other : {config_, checkpoint_, vocab_}) {
      if (other && !other->text().isEmpty()) return QFileInfo(other->text()).absolutePath();
    }
    return QString();
  };
  const PathField field = makePathField(this, name, options);
  form->addRow(label, field.row);
  connect(field.edit, &QLineEdit::textChanged, this, &ModelFilesDialog::validate);
  return field.edit;
}

void ModelFilesDialog::setFiles(const QString& config, const QString& checkpoint, const QString& vocab) {
  config_->setText(config);
  checkpoint_->setText(checkpoint);
  vocab_->setText(vocab);
}

QString ModelFilesDialog::config() const { return QFileInfo(config_->text().trimmed()).absoluteFilePath(); }
QString ModelFilesDialog::checkpoint() const { return QFileInfo(checkpoint_->text().trimmed()).absoluteFilePath(); }
QString ModelFilesDialog::vocab() const { return QFileInfo(vocab_->text().trimmed()).absoluteFilePath(); }

void ModelFilesDialog::validate() {
  QString problem;
  const std::pair<QLineEdit*, QString> rows[] = {{config_, tr("config")}, {checkpoint_, tr("checkpoint")}, {vocab_, tr("vocabulary")}};
  for (const auto& [edit, what] : rows) {
    const QString path = edit->text().trimmed();
    if (path.isEmpty()) {
      problem = tr("Choose the %1 file.").arg(what);
    } else if (!QFileInfo(path).isFile()) {
      problem = tr("The %1 file %2 does not exist.").arg(what, path);
    }
    if (!problem.isEmpty()) break;
  }
  problem_->setText(problem);
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

}  // namespace brivl::ui
