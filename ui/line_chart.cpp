#include "ui/line_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace brivl::ui {
namespace {

// 1, 2 or 5 times a power of ten, at least `raw`.
double niceStep(double raw) {
  const double base = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * base >= raw) return m * base;
  }
  return 10 * base;
}

QValueAxis* newLinearAxis() {
  auto* axis = new QValueAxis;
  axis->setLabelFormat(QStringLiteral("%.2f"));
  return axis;
}

QLogValueAxis* newLogAxis() {
  auto* axis = new QLogValueAxis;
  axis->setBase(10);
  axis->setLabelFormat(QStringLiteral("%.3g"));
  axis->setMinorTickCount(-1);  // 2..9 between the decades
  return axis;
}

}  // namespace

void LineChart::AxisState::include(double y) {
  if (empty) {
    min = max = y;
    empty = false;
  }
  min = std::min(min, y);
  max = std::max(max, y);
  if (y > 0 && (minPositive == 0 || y < minPositive)) minPositive = y;
}

void LineChart::AxisState::setRange(double lo, double hi) {
  if (auto* linear = qobject_cast<QValueAxis*>(axis)) linear->setRange(lo, hi);
  if (auto* logarithmic = qobject_cast<QLogValueAxis*>(axis)) logarithmic->setRange(lo, hi);
}

LineChart::LineChart(const QString& title, const QString& xTitle, QWidget* parent)
    : QChartView(parent), x_(new QValueAxis) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->setBackgroundRoundness(0);
  x_->setTitleText(xTitle);
  x_->setLabelFormat(QStringLiteral("%d"));
  x_->setRange(0, 1);
  x_->setTickType(QValueAxis::TicksDynamic);
  x_->setTickAnchor(0);
  x_->setTickInterval(1);
  chart->addAxis(x_, Qt::AlignBottom);
  left_.axis = newLinearAxis();
  chart->addAxis(left_.axis, Qt::AlignLeft);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  setMinimumHeight(220);
}

int LineChart::addSeries(const QString& name, Axis axis, const QColor& colour, double width) {
  auto* s = new QLineSeries;
  s->setName(name);
  QPen pen(colour);
  pen.setWidthF(width);
  s->setPen(pen);
  chart()->addSeries(s);
  s->attachAxis(x_);
  if (axis == Axis::Right && !right_.axis) {
    right_.axis = newLinearAxis();
    chart()->addAxis(right_.axis, Qt::AlignRight);
  }
  s->attachAxis(state(axis).axis);
  series_.push_back(s);
  seriesAxis_.push_back(axis);
  return static_cast<int>(series_.size()) - 1;
}

void LineChart::setAxisTitle(Axis axis, const QString& title) {
  if (state(axis).axis) state(axis).axis->setTitleText(title);
}

void LineChart::setFixedRange(Axis axis, double min, double max) {
  AxisState& a = state(axis);
  a.fixed = true;
  a.min = min;
  a.max = max;
  if (a.axis) a.setRange(min, max);
}

void LineChart::setLogScale(Axis axis, bool on) {
  AxisState& a = state(axis);
  if (!a.axis || a.log == on) return;
  QAbstractAxis* next = on ? static_cast<QAbstractAxis*>(newLogAxis()) : newLinearAxis();
  next->setTitleText(a.axis->titleText());
  chart()->addAxis(next, axis == Axis::Left ? Qt::AlignLeft : Qt::AlignRight);
  for (int k = 0; k < series_.size(); ++k) {
    if (seriesAxis_[k] != axis) continue;
    series_[k]->detachAxis(a.axis);
    series_[k]->attachAxis(next);
  }
  chart()->removeAxis(a.axis);
  delete a.axis;
  a.axis = next;
  a.log = on;
  if (a.fixed) a.setRange(a.min, a.max);
  rescale();
}

void LineChart::append(int series, double x, double y) {
  if (series < 0 || series >= series_.size() || !std::isfinite(y) || !std::isfinite(x)) return;
  series_[series]->append(x, y);
  AxisState& a = state(seriesAxis_[series]);
  if (!a.fixed) a.include(y);
  xMax_ = std::max(xMax_, x);
  rescale();
}

void LineChart::setPoints(int series, const QVector<QPointF>& points) {
  if (series < 0 || series >= series_.size()) return;
  series_[series]->replace(points);
  AxisState& a = state(seriesAxis_[series]);
  if (!a.fixed) {  // the range of every series on this axis, as append() would have grown it
    a.empty = true, a.min = 0, a.max = 1, a.minPositive = 0;
    for (int k = 0; k < series_.size(); ++k) {
      if (seriesAxis_[k] != seriesAxis_[series]) continue;
      for (const QPointF& p : series_[k]->points()) a.include(p.y());
    }
  }
  for (const QPointF& p : points) xMax_ = std::max(xMax_, p.x());
  rescale();
}

void LineChart::clear() {
  for (auto* s : series_) s->clear();
  for (AxisState* a : {&left_, &right_}) {
    if (!a->fixed) a->empty = true, a->min = 0, a->max = 1, a->minPositive = 0;
  }
  xMax_ = 1;
  rescale();
}

void LineChart::setXMax(double max) {
  xMax_ = std::max(xMax_, max);
  rescale();
}

int LineChart::pointCount(int series) const {
  return series >= 0 && series < series_.size() ? static_cast<int>(series_[series]->count()) : 0;
}

double LineChart::value(int series, int index) const {
  if (series < 0 || series >= series_.size() || index < 0 || index >= series_[series]->count()) return std::nan("");
  return series_[series]->at(index).y();
}

int LineChart::totalPoints() const {
  int n = 0;
  for (auto* s : series_) n += static_cast<int>(s->count());
  return n;
}

void LineChart::rescale() {
  x_->setRange(0, xMax_);
  x_->setTickInterval(niceStep(xMax_ / 8));  // round step labels (0, 50, 100, …)
  for (AxisState* a : {&left_, &right_}) {
    if (!a->axis || a->fixed) continue;
    if (a->log) {  // a little room on a log scale is a factor, not a difference
      const double lo = (a->minPositive > 0 ? a->minPositive : 0.1) / 1.2;
      const double hi = std::max(a->max, lo) * 1.2;
      // Labels sit at powers of the base only: base 10 over several decades, else a base that
      // puts about four ticks into the range (a loss from 4.0 to 1.9 would get none at base 10).
      const double decades = std::log10(hi / lo);
      auto* axis = static_cast<QLogValueAxis*>(a->axis);
      axis->setBase(decades >= 2 ? 10.0 : std::max(1.05, std::pow(hi / lo, 0.25)));
      a->setRange(lo, hi);
      continue;
    }
    const double pad = std::max(1e-3, (a->max - a->min) * 0.08);
    a->setRange(a->min - pad, a->max + pad);
  }
}

}  // namespace brivl::ui
