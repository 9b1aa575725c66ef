#include "ui/error_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace brivl::ui {

ErrorPanel::ErrorPanel(QWidget* parent) : QFrame(parent), title_(new QLabel(this)), message_(new QLabel(this)) {
  setObjectName(QStringLiteral("errorPanel"));
  setStyleSheet(QStringLiteral("#errorPanel { background: #fdecea; border: 1px solid #e0a0a0; border-radius: 4px; }"
                               "#errorPanel QLabel { color: #7a1c1c; }"));
  title_->setStyleSheet(QStringLiteral("font-weight: bold;"));
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* close = new QToolButton(this);
  close->setText(QStringLiteral("✕"));
  close->setAutoRaise(true);
  close->setToolTip(tr("Dismiss"));
  auto* text = new QVBoxLayout;
  text->addWidget(title_);
  text->addWidget(message_);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(10, 6, 6, 6);
  layout->addLayout(text, 1);
  layout->addWidget(close, 0, Qt::AlignTop);
  connect(close, &QToolButton::clicked, this, &QWidget::hide);
  hide();
}

void ErrorPanel::showError(const QString& title, const QString& message) {
  title_->setText(title);
  message_->setText(message);
  show();
}

QString ErrorPanel::title() const { return title_->text(); }
QString ErrorPanel::message() const { return message_->text(); }

}  // namespace brivl::ui
