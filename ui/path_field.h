#pragma once
// A path field: a line edit with a "…" button that opens a file (or folder) dialog. Used by the
// forms that take paths (training data and run folder, the imagination's start image, the
// official model files), so they behave alike.
#include <QString>
#include <functional>

class QHBoxLayout;
class QLineEdit;
class QWidget;

namespace brivl::ui {

struct PathFieldOptions {
  QString placeholder;
  QString dialogTitle;
  QString filter;       // file dialogs only, e.g. "Images (*.png *.jpg)"
  bool folder = false;  // a folder dialog instead of a file dialog
  // Where the dialog opens when the field is empty (default: the home folder).
  std::function<QString()> startDir;
};

struct PathField {
  QLineEdit* edit;
  QHBoxLayout* row;  // the edit and its button, for a form row
};

// `name`: the edit's objectName (tests find it by that).
PathField makePathField(QWidget* parent, const char* name, const PathFieldOptions& options);

}  // namespace brivl::ui
