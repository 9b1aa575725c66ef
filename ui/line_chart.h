#pragma once
// A small line chart (QtCharts) with a left and an optional right value axis, growing as points
// arrive: the imagination's similarity curves, the training's loss and recall curves.
#include <QChartView>
#include <QPointF>
#include <QVector>

class QAbstractAxis;
class QLineSeries;
class QValueAxis;

namespace brivl::ui {

class LineChart : public QChartView {
  Q_OBJECT
 public:
  enum class Axis { Left, Right };

  LineChart(const QString& title, const QString& xTitle, QWidget* parent = nullptr);
  // Returns the series index.
  int addSeries(const QString& name, Axis axis, const QColor& colour, double width = 2.0);
  void setAxisTitle(Axis axis, const QString& title);
  // Keeps the axis at [min, max] instead of following the data.
  void setFixedRange(Axis axis, double min, double max);
  // The x axis spans at least [0, max] (e.g. the planned number of steps).
  void setXMax(double max);
  // A logarithmic value axis, e.g. for a loss that falls by orders of magnitude. Its base follows
  // the data (10 over several decades, smaller within one) so there are always a few labelled
  // ticks. Only for positive data: Qt Charts draws no series with a point at or below zero there.
  void setLogScale(Axis axis, bool on);
  bool isLogScale(Axis axis) const { return axis == Axis::Left ? left_.log : right_.log; }
  QAbstractAxis* valueAxis(Axis axis) const { return axis == Axis::Left ? left_.axis : right_.axis; }
  void append(int series, double x, double y);  // non-finite y is ignored
  // Replaces the points of one series (e.g. re-plotted smoothed); its axis range is recomputed.
  void setPoints(int series, const QVector<QPointF>& points);
  void clear();
  int pointCount(int series) const;
  double value(int series, int index) const;  // y of a plotted point (NaN when there is none)
  int totalPoints() const;

 private:
  struct AxisState {
    QAbstractAxis* axis = nullptr;  // QValueAxis, or QLogValueAxis when `log`
    bool fixed = false, empty = true, log = false;
    double min = 0, max = 1;
    double minPositive = 0;  // the smallest y > 0 (0: none yet), the lower end of a log axis
    void include(double y);
    void setRange(double lo, double hi);
  };
  AxisState& state(Axis axis) { return axis == Axis::Left ? left_ : right_; }
  void rescale();

  QValueAxis* x_;
  AxisState left_, right_;
  QVector<QLineSeries*> series_;
  QVector<Axis> seriesAxis_;
  double xMax_ = 1;
};

}  // namespace brivl::ui
