#include "ui/train_panel.h"

#include <QCheckBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QSplitter>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "train/distributed/availability.h"
#include "ui/form_widgets.h"
#include "ui/line_chart.h"
#include "ui/run_monitor.h"
#include "ui/studio_paths.h"
#include "ui/path_field.h"
#include "ui/run_list.h"
#include "ui/workers/dataset_worker.h"
#include "ui/workers/train_process.h"

namespace brivl::ui {
namespace {

QString clockText(double seconds) {
  if (seconds < 0) return QStringLiteral("--:--");
  const auto s = static_cast<qint64>(seconds + 0.5);
  return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'))
                   : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

TrainPanel::TrainPanel(QWidget* parent)
    : QWidget(parent), dataset_(new DatasetWorker(this)), process_(new TrainProcess(this)), monitor_(new RunMonitor(this)) {
  auto* left = new QWidget(this);
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(buildDatasetBox());
  leftLayout->addWidget(buildRunBox());
  auto* runsBox = new QGroupBox(tr("Runs"), left);
  runs_ = new RunList(runsBox);
  auto* runsLayout = new QVBoxLayout(runsBox);
  runsLayout->addWidget(runs_);
  leftLayout->addWidget(runsBox, 1);
  left->setMinimumWidth(340);
  left->setMaximumWidth(440);
  auto* body = new QSplitter(Qt::Horizontal, this);
  body->addWidget(left);
  body->addWidget(buildMonitor());
  body->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(body);

  connect(dataset_, &DatasetWorker::progress, this, [this](int done, int total) {
    shapesProgress_->setRange(0, total);
    shapesProgress_->setValue(done);
  });
  connect(dataset_, &DatasetWorker::finished, this, [this](const QString& captions) {
    buildShapes_->setEnabled(true);
    shapesProgress_->setValue(shapesProgress_->maximum());
    data_->setText(captions);
    Q_EMIT datasetReady(captions);
  });
  connect(dataset_, &DatasetWorker::failed, this, [this](const QString& message) {
    buildShapes_->setEnabled(true);
    shapesProgress_->setRange(0, 1);
    shapesProgress_->setValue(0);
    Q_EMIT problem(tr("Building the dataset failed"), message);
  });
  connect(process_, &TrainProcess::exited, this, [this](int code, const QString& summary) {
    monitor_->poll();  // the last status, metrics and log lines
    if (code != 0 && code != 130) {
      log_->appendPlainText(tr("— output of %1:").arg(process_->commandLine()));
      for (const QString& line : process_->outputTail()) log_->appendPlainText(line);
      Q_EMIT problem(tr("Training failed"), summary);
    }
    log_->appendPlainText(tr("— %1").arg(summary));
    updateButtons();
    Q_EMIT processExited(code);
  });
  connect(monitor_, &RunMonitor::reset, this, [this] {
    chart_->clear();
    speedChart_->clear();
    for (auto& raw : rawLoss_) raw.clear();
  });
  connect(monitor_, &RunMonitor::trainPoint, this, &TrainPanel::addTrainPoint);
  connect(monitor_, &RunMonitor::evalPoint, this, [this](qint64 step, double t2i, double i2t) {
    chart_->append(t2iSeries_, step, t2i);
    chart_->append(i2tSeries_, step, i2t);
  });
  connect(monitor_, &RunMonitor::statusChanged, this, &TrainPanel::onStatus);
  connect(monitor_, &RunMonitor::logLine, log_, &QPlainTextEdit::appendPlainText);
  connect(runs_, &RunList::runChosen, this, &TrainPanel::attach);
  setSmoothing(QSettings().value(QStringLiteral("train/smoothLoss"), false).toBool());
  setLogScale(QSettings().value(QStringLiteral("train/logLoss"), false).toBool());
  updateButtons();
}

TrainPanel::~TrainPanel() = default;  // children: the process is stopped gracefully, the dataset thread joined

QLineEdit* TrainPanel::pathRow(QWidget* parent, const char* name, const QString& placeholder, bool folder, QLayout** row) {
  PathFieldOptions options;
  options.placeholder = placeholder;
  options.folder = folder;
  options.dialogTitle = folder ? tr("Choose a folder") : tr("Choose a file");
  const PathField field = makePathField(parent, name, options);
  *row = field.row;
  return field.edit;
}

QWidget* TrainPanel::buildDatasetBox() {
  auto* box = new QGroupBox(tr("Dataset"), this);
  QLayout* dataRow = nullptr;
  QLayout* shapesRow = nullptr;
  data_ = pathRow(box, "dataEdit", tr("captions.csv / .tsv / .jsonl (image,text)"), false, &dataRow);
  data_->setText(QSettings().value(QStringLiteral("train/data")).toString());
  shapesDir_ = pathRow(box, "shapesDirEdit", QString(), true, &shapesRow);
  shapesDir_->setText(appDataDir() + QStringLiteral("/datasets/shapes"));
  shapesCount_ = spinBox(box, "shapesCountSpin", 8, 10000000, 1200);
  shapesSize_ = spinBox(box, "shapesSizeSpin", 16, 4096, 96);
  shapesSize_->setSuffix(QStringLiteral(" px"));
  buildShapes_ = new QPushButton(tr("Build shapes dataset"), box);
  buildShapes_->setObjectName(QStringLiteral("buildShapesButton"));
  buildShapes_->setToolTip(tr("Coloured shapes with Chinese captions (左上角的大红色圆形): a model learns them in minutes"));
  shapesProgress_ = new QProgressBar(box);
  shapesProgress_->setMaximumHeight(10);
  shapesProgress_->setTextVisible(false);
  auto* sizes = new QHBoxLayout;
  sizes->addWidget(shapesCount_);
  sizes->addWidget(new QLabel(tr("images of"), box));
  sizes->addWidget(shapesSize_);
  auto* form = new QFormLayout(box);
  form->addRow(tr("Data file"), dataRow);
  form->addRow(new QLabel(tr("<i>or build a synthetic one:</i>"), box));
  form->addRow(tr("Folder"), shapesRow);
  form->addRow(tr("Images"), sizes);
  form->addRow(buildShapes_);
  form->addRow(shapesProgress_);
  connect(buildShapes_, &QPushButton::clicked, this, &TrainPanel::buildShapes);
  return box;
}

QWidget* TrainPanel::buildRunBox() {
  auto* box = new QGroupBox(tr("Run"), this);
  QSettings settings;
  epochs_ = spinBox(box, "epochsSpin", 1, 100000, settings.value(QStringLiteral("train/epochs"), 10).toInt());
  batch_ = spinBox(box, "batchSpin", 1, 4096, settings.value(QStringLiteral("train/batch"), 32).toInt());
  lr_ = new QDoubleSpinBox(box);
  lr_->setObjectName(QStringLiteral("trainLrSpin"));
  lr_->setDecimals(5);
  lr_->setRange(0.00001, 1);
  lr_->setSingleStep(0.0005);
  lr_->setValue(settings.value(QStringLiteral("train/lr"), 0.001).toDouble());
  maxMinutes_ = new QDoubleSpinBox(box);
  maxMinutes_->setObjectName(QStringLiteral("maxMinutesSpin"));
  maxMinutes_->setRange(0, 100000);
  maxMinutes_->setDecimals(1);
  maxMinutes_->setSpecialValueText(tr("no limit"));
  maxMinutes_->setSuffix(tr(" min"));
  maxMinutes_->setValue(settings.value(QStringLiteral("train/maxMinutes"), 15).toDouble());
  // Data-parallel on this machine: each process takes its share of every batch (docs/TRAINING.md).
  processes_ = spinBox(box, "processesSpin", 1, std::max(1, QThread::idealThreadCount()),
                       settings.value(QStringLiteral("train/processes"), 1).toInt());
  if (distributed_training_available()) {
    processes_->setToolTip(tr("Processes on this machine (brivl train --nproc-per-node): each computes its share of "
                              "every batch with cores / processes threads; the batch must be a multiple of it"));
  } else {
    processes_->setValue(1);
    processes_->setEnabled(false);
    processes_->setToolTip(tr("This build trains in one process (LibTorch's c10d with Gloo was not found when it was built)"));
  }
  QLayout *outRow = nullptr, *configRow = nullptr, *vocabRow = nullptr;
  out_ = pathRow(box, "outEdit", tr("new run folder"), true, &outRow);
  out_->setText(newRunDir());
  config_ = pathRow(box, "configEdit", tr("default: the default model's config.yml"), false, &configRow);
  vocab_ = pathRow(box, "vocabEdit", tr("default: vocab.txt next to the config"), false, &vocabRow);
  auto* form = new QFormLayout;
  form->addRow(tr("Epochs"), epochs_);
  form->addRow(tr("Batch"), batch_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Time limit"), maxMinutes_);
  form->addRow(tr("Processes"), processes_);
  form->addRow(tr("Run folder"), outRow);
  form->addRow(tr("Model config"), configRow);
  form->addRow(tr("Vocabulary"), vocabRow);

  launch_ = new QPushButton(tr("▶ Launch"), box);
  launch_->setObjectName(QStringLiteral("launchButton"));
  stop_ = new QPushButton(tr("■ Stop"), box);
  stop_->setObjectName(QStringLiteral("stopTrainButton"));
  stop_->setToolTip(tr("Saves a checkpoint and stops; Resume continues"));
  resume_ = new QPushButton(tr("Resume"), box);
  resume_->setObjectName(QStringLiteral("resumeButton"));
  open_ = new QPushButton(tr("Open run…"), box);
  open_->setObjectName(QStringLiteral("openRunButton"));
  open_->setToolTip(tr("Follow a run folder, also one started with brivl train"));
  use_ = new QPushButton(tr("Use this model"), box);
  use_->setObjectName(QStringLiteral("useModelButton"));
  use_->setToolTip(tr("Load the run's best checkpoint as the studio's model"));
  auto* buttons = new QGridLayout;
  buttons->addWidget(launch_, 0, 0);
  buttons->addWidget(stop_, 0, 1);
  buttons->addWidget(resume_, 0, 2);
  buttons->addWidget(open_, 1, 0);
  buttons->addWidget(use_, 1, 1, 1, 2);
  auto* layout = new QVBoxLayout(box);
  layout->addLayout(form);
  layout->addLayout(buttons);

  connect(launch_, &QPushButton::clicked, this, &TrainPanel::launch);
  connect(stop_, &QPushButton::clicked, this, &TrainPanel::stop);
  connect(resume_, &QPushButton::clicked, this, &TrainPanel::resume);
  connect(open_, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a training run folder"), appDataDir() + QStringLiteral("/runs"));
    if (!dir.isEmpty()) attach(dir);
  });
  connect(use_, &QPushButton::clicked, this, [this] { Q_EMIT useModel(runDir_); });
  return box;
}

QWidget* TrainPanel::buildMonitor() {
  auto* area = new QWidget(this);
  status_ = new QLabel(tr("No run yet: build or choose a dataset, then Launch."), area);
  status_->setObjectName(QStringLiteral("trainStatus"));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  progress_ = new QProgressBar(area);
  progress_->setMaximumHeight(10);
  progress_->setTextVisible(false);
  chart_ = new LineChart(tr("Training"), tr("step"), area);
  chart_->setObjectName(QStringLiteral("trainChart"));
  lossSeries_ = chart_->addSeries(tr("loss"), LineChart::Axis::Left, QColor(0x1f, 0x77, 0xb4));
  t2iSeries_ = chart_->addSeries(tr("R@1 text→image"), LineChart::Axis::Right, QColor(0x2c, 0xa0, 0x2c));
  i2tSeries_ = chart_->addSeries(tr("R@1 image→text"), LineChart::Axis::Right, QColor(0xd6, 0x27, 0x28));
  chart_->setAxisTitle(LineChart::Axis::Left, tr("loss"));
  chart_->setAxisTitle(LineChart::Axis::Right, tr("recall@1 (validation)"));
  chart_->setFixedRange(LineChart::Axis::Right, 0, 1);
  lossI2tSeries_ = chart_->addSeries(tr("loss image→text"), LineChart::Axis::Left, QColor(0x9e, 0xc3, 0xe6), 1.0);
  lossT2iSeries_ = chart_->addSeries(tr("loss text→image"), LineChart::Axis::Left, QColor(0xa8, 0xa8, 0xa8), 1.0);
  speedChart_ = new LineChart(tr("Schedule and speed"), tr("step"), area);
  speedChart_->setObjectName(QStringLiteral("speedChart"));
  lrSeries_ = speedChart_->addSeries(tr("learning rate"), LineChart::Axis::Left, QColor(0x94, 0x67, 0xbd));
  speedSeries_ = speedChart_->addSeries(tr("samples/s"), LineChart::Axis::Right, QColor(0x8c, 0x56, 0x4b), 1.0);
  speedChart_->setAxisTitle(LineChart::Axis::Left, tr("learning rate"));
  speedChart_->setAxisTitle(LineChart::Axis::Right, tr("samples/s"));
  smooth_ = new QCheckBox(tr("Smooth the loss"), area);
  smooth_->setObjectName(QStringLiteral("smoothCheck"));
  smooth_->setToolTip(tr("Exponential moving average (0.9) of the loss curves; the raw points are kept"));
  connect(smooth_, &QCheckBox::toggled, this, &TrainPanel::setSmoothing);
  logScale_ = new QCheckBox(tr("Log scale"), area);
  logScale_->setObjectName(QStringLiteral("logScaleCheck"));
  logScale_->setToolTip(tr("A logarithmic loss axis: late, small improvements stay visible"));
  connect(logScale_, &QCheckBox::toggled, this, &TrainPanel::setLogScale);
  auto* chartOptions = new QWidget(area);
  auto* optionsLayout = new QHBoxLayout(chartOptions);
  optionsLayout->setContentsMargins(0, 0, 4, 0);
  optionsLayout->addWidget(smooth_);
  optionsLayout->addWidget(logScale_);
  auto* charts = new QTabWidget(area);
  charts->setObjectName(QStringLiteral("trainCharts"));
  charts->addTab(chart_, tr("Loss and recall"));
  charts->addTab(speedChart_, tr("Learning rate and speed"));
  charts->setCornerWidget(chartOptions, Qt::TopRightCorner);
  log_ = new QPlainTextEdit(area);
  log_->setObjectName(QStringLiteral("trainLog"));
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(1000);
  log_->setPlaceholderText(tr("The run's log (train.log) appears here."));
  auto* split = new QSplitter(Qt::Vertical, area);
  split->addWidget(charts);
  split->addWidget(log_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(area);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(status_);
  layout->addWidget(progress_);
  layout->addWidget(split, 1);
  return area;
}

TrainRequest TrainPanel::requestFromForm() const {
  TrainRequest r;
  r.data = data_->text().trimmed();
  r.out = out_->text().trimmed();
  r.config = config_->text().trimmed();
  r.vocab = vocab_->text().trimmed();
  r.epochs = epochs_->value();
  r.batch = batch_->value();
  r.lr = lr_->value();
  r.maxMinutes = maxMinutes_->value();
  r.processes = processes_->value();
  return r;
}

void TrainPanel::buildShapes() {
  if (dataset_->isRunning()) return;
  ShapesRequest request;
  request.dir = shapesDir_->text().trimmed();
  request.count = shapesCount_->value();
  request.imageSize = shapesSize_->value();
  request.overwrite = QFileInfo::exists(QDir(request.dir).filePath(QStringLiteral("captions.csv")));
  buildShapes_->setEnabled(false);
  shapesProgress_->setRange(0, request.count);
  shapesProgress_->setValue(0);
  dataset_->buildShapes(request);
}

void TrainPanel::launch() {
  const TrainRequest request = requestFromForm();
  if (request.data.isEmpty() || !QFileInfo(request.data).isFile()) {
    Q_EMIT problem(tr("No dataset"), tr("Choose a data file (CSV/TSV/JSONL with image,text) or build the shapes dataset."));
    return;
  }
  if (request.batch % request.processes != 0) {
    Q_EMIT problem(tr("Batch and processes do not fit"),
                   tr("A batch of %1 cannot be shared evenly by %2 processes: choose a batch that is a multiple of it.")
                       .arg(request.batch)
                       .arg(request.processes));
    return;
  }
  QSettings settings;
  settings.setValue(QStringLiteral("train/data"), request.data);
  settings.setValue(QStringLiteral("train/epochs"), request.epochs);
  settings.setValue(QStringLiteral("train/batch"), request.batch);
  settings.setValue(QStringLiteral("train/lr"), request.lr);
  settings.setValue(QStringLiteral("train/maxMinutes"), request.maxMinutes);
  settings.setValue(QStringLiteral("train/processes"), request.processes);
  QDir().mkpath(QFileInfo(request.out).absolutePath());
  log_->clear();
  QString error;
  if (!process_->launch(request, &error)) {
    Q_EMIT problem(tr("Cannot launch training"), error);
    return;
  }
  runDir_ = request.out;
  log_->appendPlainText(QStringLiteral("$ ") + process_->commandLine());
  out_->setText(newRunDir());  // the next launch gets a fresh folder
  monitor_->follow(runDir_);
  if (QFileInfo(runDir_).absolutePath() == QDir(runs_->folder()).absolutePath()) runs_->refresh();
  status_->setText(tr("Starting %1 …").arg(runDir_));
  updateButtons();
}

void TrainPanel::stop() {
  process_->stop();
  status_->setText(status_->text() + tr(" · stopping (saving a checkpoint)…"));
}

void TrainPanel::resume() {
  if (runDir_.isEmpty()) return;
  QString error;
  if (!process_->resume(runDir_, processes_->value(), &error)) {
    Q_EMIT problem(tr("Cannot resume"), error);
    return;
  }
  log_->clear();
  log_->appendPlainText(QStringLiteral("$ ") + process_->commandLine());
  monitor_->follow(runDir_);
  updateButtons();
}

void TrainPanel::attach(const QString& runDir) {
  if (process_->isRunning()) {
    Q_EMIT problem(tr("A run is going"), tr("Stop the current run before following another one."));
    return;
  }
  if (!QFileInfo::exists(QDir(runDir).filePath(QStringLiteral("status.json")))) {
    Q_EMIT problem(tr("Not a run folder"), tr("%1 has no status.json (made by brivl train)").arg(runDir));
    return;
  }
  runDir_ = runDir;
  log_->clear();
  monitor_->follow(runDir_);
  updateButtons();
}

bool TrainPanel::isTraining() const { return process_->isRunning(); }

void TrainPanel::onStatus(const RunStatus& s) {
  progress_->setRange(0, static_cast<int>(std::max<qint64>(1, s.totalSteps)));
  progress_->setValue(static_cast<int>(s.step));
  chart_->setXMax(static_cast<double>(s.totalSteps));
  speedChart_->setXMax(static_cast<double>(s.totalSteps));
  QString text = tr("<b>%1</b> · step %2/%3 · epoch %4/%5").arg(runStateText(s.state)).arg(s.step).arg(s.totalSteps).arg(s.epoch).arg(s.epochs);
  if (s.worldSize > 1) text += tr(" · %1 processes").arg(s.worldSize);
  if (s.state == QStringLiteral("running")) text += tr(" · ETA %1").arg(clockText(s.etaSeconds));
  else text += tr(" · %1 elapsed").arg(clockText(s.elapsedSeconds));
  if (s.bestT2iR1 >= 0) text += tr(" · best R@1 %1 / %2").arg(s.bestT2iR1, 0, 'f', 3).arg(s.bestI2tR1, 0, 'f', 3);
  if (!s.error.isEmpty()) text += QStringLiteral("<br><span style='color:#b00020'>%1</span>").arg(s.error.toHtmlEscaped());
  status_->setText(text + QStringLiteral("<br><small>%1</small>").arg(runDir_.toHtmlEscaped()));
  updateButtons();
}

void TrainPanel::updateButtons() {
  const bool running = process_->isRunning();
  const RunStatus& s = monitor_->status();
  launch_->setEnabled(!running);
  stop_->setEnabled(running);
  resume_->setEnabled(!running && !runDir_.isEmpty() && s.state != QStringLiteral("finished") && !s.state.isEmpty());
  open_->setEnabled(!running);
  use_->setEnabled(!runDir_.isEmpty() && s.hasCheckpoint());
}

namespace {
constexpr double kSmoothing = 0.9;  // weight of the running average per new point
}  // namespace

void TrainPanel::addTrainPoint(qint64 step, double loss, double lossI2t, double lossT2i, double lr,
                               double samplesPerSecond) {
  const double values[3] = {loss, lossI2t, lossT2i};
  const int series[3] = {lossSeries_, lossI2tSeries_, lossT2iSeries_};
  for (int k = 0; k < 3; ++k) {
    if (!std::isfinite(values[k])) continue;
    rawLoss_[k].append(QPointF(static_cast<double>(step), values[k]));
    ema_[k] = rawLoss_[k].size() == 1 ? values[k] : kSmoothing * ema_[k] + (1 - kSmoothing) * values[k];
    chart_->append(series[k], static_cast<double>(step), smooth_->isChecked() ? ema_[k] : values[k]);
  }
  speedChart_->append(lrSeries_, static_cast<double>(step), lr);
  speedChart_->append(speedSeries_, static_cast<double>(step), samplesPerSecond);
}

void TrainPanel::setSmoothing(bool on) {
  if (smooth_->isChecked() != on) smooth_->setChecked(on);  // toggled() calls back with the same value
  QSettings().setValue(QStringLiteral("train/smoothLoss"), on);
  replotLosses();
}

void TrainPanel::setLogScale(bool on) {
  if (logScale_->isChecked() != on) logScale_->setChecked(on);
  QSettings().setValue(QStringLiteral("train/logLoss"), on);
  chart_->setLogScale(LineChart::Axis::Left, on);
}

void TrainPanel::replotLosses() {
  const int series[3] = {lossSeries_, lossI2tSeries_, lossT2iSeries_};
  for (int k = 0; k < 3; ++k) {
    QVector<QPointF> points;
    double average = 0;
    for (int i = 0; i < rawLoss_[k].size(); ++i) {
      const QPointF& p = rawLoss_[k][i];
      average = i == 0 ? p.y() : kSmoothing * average + (1 - kSmoothing) * p.y();
      points.append(QPointF(p.x(), smooth_->isChecked() ? average : p.y()));
    }
    chart_->setPoints(series[k], points);
    ema_[k] = average;
  }
}

}  // namespace brivl::ui
