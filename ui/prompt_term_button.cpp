#include "ui/prompt_term_button.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QWidgetAction>
#include <exception>

#include "text/prompt.h"
#include "util/error.h"

namespace brivl::ui {

PromptTermButton::PromptTermButton(QLineEdit* prompt, QWidget* parent) : QToolButton(parent), prompt_(prompt) {
  setObjectName(QStringLiteral("termButton"));
  setText(tr("+ Term"));
  setToolTip(tr("Add a weighted term: a positive weight pulls towards it, a negative one pushes away"));
  setPopupMode(QToolButton::InstantPopup);

  auto* menu = new QMenu(this);
  auto* panel = new QWidget(menu);
  termText_ = new QLineEdit(panel);
  termText_->setObjectName(QStringLiteral("termText"));
  termText_->setPlaceholderText(tr("e.g. 雪地 or 模糊"));
  weight_ = new QDoubleSpinBox(panel);
  weight_->setObjectName(QStringLiteral("termWeight"));
  weight_->setRange(-5, 5);
  weight_->setSingleStep(0.1);
  weight_->setDecimals(2);
  weight_->setValue(0.5);
  auto* add = new QPushButton(tr("Add"), panel);
  add->setDefault(true);
  auto* image = new QPushButton(tr("Image…"), panel);
  image->setToolTip(tr("A reference image as a term (@path): the imagination moves towards (or away from) what it shows"));
  auto* hint = new QLabel(tr("Weights: 1 = like the main prompt, −0.5 = avoid"), panel);
  hint->setWordWrap(true);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(image);
  buttons->addStretch(1);
  buttons->addWidget(add);
  auto* form = new QFormLayout(panel);
  form->addRow(tr("Text"), termText_);
  form->addRow(tr("Weight"), weight_);
  form->addRow(hint);
  form->addRow(buttons);
  auto* action = new QWidgetAction(menu);
  action->setDefaultWidget(panel);
  menu->addAction(action);
  setMenu(menu);
  connect(menu, &QMenu::aboutToShow, termText_, [this] { termText_->setFocus(); });
  connect(add, &QPushButton::clicked, this, [this] { addFromPopup(false); });
  connect(termText_, &QLineEdit::returnPressed, this, [this] { addFromPopup(false); });
  connect(image, &QPushButton::clicked, this, [this] { addFromPopup(true); });
}

void PromptTermButton::addFromPopup(bool image) {
  QString text = termText_->text();
  if (image) {
    const QString start = QSettings().value(QStringLiteral("imagine/termImageDir")).toString();
    text = QFileDialog::getOpenFileName(this, tr("Reference image"), start, tr("Images (*.png *.jpg *.jpeg *.webp *.bmp)"));
    if (text.isEmpty()) return;
    QSettings().setValue(QStringLiteral("imagine/termImageDir"), QFileInfo(text).absolutePath());
  }
  QString error;
  if (appendTerm(text, weight_->value(), image, &error)) {
    termText_->clear();
    menu()->hide();
  } else {
    Q_EMIT problem(tr("Cannot add the term"), error);
  }
}

bool PromptTermButton::appendTerm(const QString& text, double weight, bool image, QString* error) {
  try {
    std::vector<brivl::PromptTerm> terms;
    if (!prompt_->text().trimmed().isEmpty()) terms = brivl::parse_prompt(prompt_->text().toStdString());
    brivl::PromptTerm term;
    term.text = text.trimmed().toStdString();
    term.weight = weight;
    term.is_image = image;
    BRIVL_CHECK(!term.text.empty(), "the term is empty: type a text (or pick an image)");
    terms.push_back(term);
    prompt_->setText(QString::fromStdString(brivl::format_prompt(terms)));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
}

}  // namespace brivl::ui
