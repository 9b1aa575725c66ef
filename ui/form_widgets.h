#pragma once
// Small factories for the settings forms of the panels (named widgets, so tests can find them).
#include <QSpinBox>
#include <QString>

namespace brivl::ui {

inline QSpinBox* spinBox(QWidget* parent, const char* name, int min, int max, int value) {
  auto* s = new QSpinBox(parent);
  s->setObjectName(QLatin1String(name));
  s->setRange(min, max);
  s->setValue(value);
  return s;
}

}  // namespace brivl::ui
