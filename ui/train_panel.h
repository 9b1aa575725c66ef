#pragma once
// The Train tab: dataset (pick a file or build the shapes dataset), the run's settings, Launch /
// Stop / Resume of a `brivl train` child process, live loss and recall charts from the run
// folder (smoothing, log scale), its status and log, the runs of a folder to follow (also
// CLI-started ones), and "Use this model" (a run folder is a model bundle).
#include <QPointF>
#include <QVector>
#include <QWidget>

class QDoubleSpinBox;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace brivl::ui {

class DatasetWorker;
class LineChart;
class RunList;
class RunMonitor;
class TrainProcess;
struct RunStatus;
struct TrainRequest;

class TrainPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TrainPanel(QWidget* parent = nullptr);
  ~TrainPanel() override;

  void buildShapes();
  void launch();
  void stop();
  void resume();
  void attach(const QString& runDir);  // follow an existing run (e.g. one started from the CLI)
  QString runDir() const { return runDir_; }
  LineChart* chart() const { return chart_; }        // loss (both directions) and recall@1
  LineChart* speedChart() const { return speedChart_; }  // learning rate and samples/s
  // Exponential moving average of the loss curves (raw points are kept; toggling re-plots).
  void setSmoothing(bool on);
  // A logarithmic loss axis (remembered across restarts).
  void setLogScale(bool on);
  RunList* runList() const { return runs_; }
  RunMonitor* monitor() const { return monitor_; }
  bool isTraining() const;

 Q_SIGNALS:
  void datasetReady(const QString& captionsFile);
  void processExited(int exitCode);
  void useModel(const QString& runDir);
  void problem(const QString& title, const QString& message);

 private:
  QWidget* buildDatasetBox();
  QWidget* buildRunBox();
  QWidget* buildMonitor();
  TrainRequest requestFromForm() const;
  QLineEdit* pathRow(QWidget* parent, const char* name, const QString& placeholder, bool folder, QLayout** row);
  void onStatus(const RunStatus& status);
  void updateButtons();

  DatasetWorker* dataset_;
  TrainProcess* process_;
  RunMonitor* monitor_;
  QString runDir_;
  QLineEdit* data_;
  QLineEdit* shapesDir_;
  QSpinBox* shapesCount_;
  QSpinBox* shapesSize_;
  QPushButton* buildShapes_;
  QProgressBar* shapesProgress_;
  QSpinBox* epochs_;
  QSpinBox* batch_;
  QDoubleSpinBox* lr_;
  QDoubleSpinBox* maxMinutes_;
  QSpinBox* processes_;
  QLineEdit* out_;
  QLineEdit* config_;
  QLineEdit* vocab_;
  QPushButton* launch_;
  QPushButton* stop_;
  QPushButton* resume_;
  QPushButton* open_;
  QPushButton* use_;
  QLabel* status_;
  QProgressBar* progress_;
  void addTrainPoint(qint64 step, double loss, double lossI2t, double lossT2i, double lr, double samplesPerSecond);
  void replotLosses();

  LineChart* chart_;
  LineChart* speedChart_;
  QCheckBox* smooth_;
  QCheckBox* logScale_;
  RunList* runs_;
  QPlainTextEdit* log_;
  int lossSeries_ = 0, lossI2tSeries_ = 0, lossT2iSeries_ = 0, t2iSeries_ = 0, i2tSeries_ = 0;
  int lrSeries_ = 0, speedSeries_ = 0;
  // The loss curves as they came (total, image→text, text→image), for re-plotting when the
  // smoothing is switched; and the running averages of the live, smoothed plot.
  QVector<QPointF> rawLoss_[3];
  double ema_[3] = {0, 0, 0};
};

}  // namespace brivl::ui
