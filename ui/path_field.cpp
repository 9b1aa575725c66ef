#include "ui/path_field.h"

#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QToolButton>

namespace brivl::ui {

PathField makePathField(QWidget* parent, const char* name, const PathFieldOptions& options) {
  auto* edit = new QLineEdit(parent);
  edit->setObjectName(QLatin1String(name));
  edit->setPlaceholderText(options.placeholder);
  auto* browse = new QToolButton(parent);
  browse->setText(QStringLiteral("…"));
  auto* row = new QHBoxLayout;
  row->addWidget(edit, 1);
  row->addWidget(browse);
  QObject::connect(browse, &QToolButton::clicked, edit, [parent, edit, options] {
    QString start = edit->text();
    if (start.isEmpty() && options.startDir) start = options.startDir();
    if (start.isEmpty()) start = QDir::homePath();
    const QString path = options.folder ? QFileDialog::getExistingDirectory(parent, options.dialogTitle, start)
                                        : QFileDialog::getOpenFileName(parent, options.dialogTitle, start, options.filter);
    if (!path.isEmpty()) edit->setText(path);
  });
  return {edit, row};
}

}  // namespace brivl::ui
