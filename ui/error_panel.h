#pragma once
// A dismissable red panel under the model bar: what failed and the message from core, in full
// and selectable, so the user sees the error where they are looking.
#include <QFrame>

class QLabel;

namespace brivl::ui {

class ErrorPanel : public QFrame {
  Q_OBJECT
 public:
  explicit ErrorPanel(QWidget* parent = nullptr);
  void showError(const QString& title, const QString& message);
  QString title() const;
  QString message() const;

 private:
  QLabel* title_;
  QLabel* message_;
};

}  // namespace brivl::ui
