#pragma once
// "+ Term": a small helper for the weighted prompt syntax. Its popup takes a text (or an image
// file) and a weight and appends the term to the prompt, written by core's format_prompt, so
// escaping, spacing and the weight always parse back to what was chosen.
#include <QToolButton>

class QDoubleSpinBox;
class QLineEdit;

namespace brivl::ui {

class PromptTermButton : public QToolButton {
  Q_OBJECT
 public:
  // `prompt`: the field the terms are appended to.
  explicit PromptTermButton(QLineEdit* prompt, QWidget* parent = nullptr);

  // Appends one term (image: a path, used as "@path") to the prompt field. False (and `error`)
  // when the current prompt does not parse or the result would not be a valid prompt.
  bool appendTerm(const QString& text, double weight, bool image, QString* error = nullptr);

 Q_SIGNALS:
  void problem(const QString& title, const QString& message);

 private:
  void addFromPopup(bool image);
  QLineEdit* prompt_;
  QLineEdit* termText_;
  QDoubleSpinBox* weight_;
};

}  // namespace brivl::ui
