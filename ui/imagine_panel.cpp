#include "ui/imagine_panel.h"

#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QScrollArea>
#include <QListWidget>
#include <QTabWidget>
#include <QKeyEvent>
#include <QStandardPaths>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>
#include <exception>

#include "export/animation.h"
#include "ui/explain_runner.h"
#include "ui/near_strip.h"
#include "export/contact_sheet.h"
#include "export/image_export.h"
#include "export/png_export.h"
#include "imagine/imagine_settings.h"
#include "ui/filmstrip.h"
#include "ui/history_gallery.h"
#include "ui/path_field.h"
#include "ui/prompt_term_button.h"
#include "ui/studio_paths.h"
#include "ui/image_canvas.h"
#include "ui/image_convert.h"
#include "ui/form_widgets.h"
#include "ui/line_chart.h"
#include "ui/model_host.h"
#include "ui/workers/imagine_worker.h"
#include "util/error.h"

namespace brivl::ui {
namespace {
constexpr int kProgressionFrameMs = 100;  // GIF/MP4 frame duration, as the CLI's --frame-ms default
}  // namespace

ImaginePanel::ImaginePanel(ModelHost* host, QWidget* parent)
    : QWidget(parent),
      host_(host),
      worker_(new ImagineWorker(this)),
      canvas_(new ImageCanvas(this)),
      chart_(new LineChart(tr("Similarity to the prompt"), tr("step"), this)),
      filmstrip_(new Filmstrip(this)),
      progress_(new QProgressBar(this)),
      status_(new QLabel(this)),
      history_(new HistoryGallery(QDir(appDataDir()).filePath(QStringLiteral("history")), this)) {
  chart_->setObjectName(QStringLiteral("similarityChart"));
  similaritySeries_ = chart_->addSeries(tr("similarity"), LineChart::Axis::Left, QColor(0x1f, 0x77, 0xb4));
  robustSeries_ = chart_->addSeries(tr("held-out views"), LineChart::Axis::Left, QColor(0xff, 0x7f, 0x0e));
  lossSeries_ = chart_->addSeries(tr("loss"), LineChart::Axis::Right, QColor(0xb8, 0xb8, 0xb8), 1.0);
  chart_->setAxisTitle(LineChart::Axis::Left, tr("cosine"));
  chart_->setAxisTitle(LineChart::Axis::Right, tr("loss"));
  status_->setObjectName(QStringLiteral("imagineStatus"));
  progress_->setTextVisible(false);
  progress_->setMaximumHeight(8);

  auto* centre = new QSplitter(Qt::Vertical, this);
  near_ = new NearStrip(this);
  connect(near_, &NearStrip::searchRequested, this, &ImaginePanel::nearSearchRequested);
  centre->addWidget(canvas_);
  centre->addWidget(near_);
  centre->addWidget(chart_);
  centre->setStretchFactor(0, 3);
  centre->setStretchFactor(1, 0);
  centre->setStretchFactor(2, 1);
  centre->setSizes({330, near_->maximumHeight(), 250});
  side_ = new QTabWidget(this);
  side_->setObjectName(QStringLiteral("imagineSideTabs"));
  side_->addTab(buildSettings(), tr("Settings"));
  side_->addTab(buildQueue(), tr("Queue"));
  side_->addTab(history_, tr("History"));
  side_->setMinimumWidth(290);
  side_->setMaximumWidth(360);
  auto* body = new QSplitter(Qt::Horizontal, this);
  body->addWidget(centre);
  body->addWidget(side_);
  body->setStretchFactor(0, 1);
  body->setStretchFactor(1, 0);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildPromptRow());
  layout->addWidget(body, 1);
  layout->addWidget(filmstrip_);
  layout->addWidget(progress_);
  layout->addWidget(status_);

  connect(worker_, &ImagineWorker::progress, this, &ImaginePanel::onProgress);
  connect(worker_, &ImagineWorker::preview, this, &ImaginePanel::onPreview);
  connect(worker_, &ImagineWorker::finished, this, &ImaginePanel::onFinished);
  connect(worker_, &ImagineWorker::stopped, this, [this](int step) {
    setRunning(false);
    status_->setText(tr("Stopped at step %1.").arg(step));
    Q_EMIT runStopped(step);
    startNext();
  });
  connect(worker_, &ImagineWorker::failed, this, [this](const QString& message) {
    setRunning(false);
    status_->setText(tr("Failed."));
    Q_EMIT problem(tr("Imagination failed"), message);
    startNext();
  });
  connect(history_, &HistoryGallery::reopenRequested, this, &ImaginePanel::reopen);
  connect(history_, &HistoryGallery::replayRequested, this, &ImaginePanel::replay);
  connect(history_, &HistoryGallery::problem, this, &ImaginePanel::problem);
  // Once the window is up (its problem() reaches the error panel), listed on a pool thread.
  QTimer::singleShot(0, history_, &HistoryGallery::reload);
  connect(filmstrip_, &Filmstrip::frameSelected, canvas_, [this](int, const QImage& image) { canvas_->setImage(image); });
  connect(host_, &ModelHost::stateChanged, this, [this] { setRunning(running_); });
  connect(host_, &ModelHost::modelReady, this, [this] {
    if (preset_->currentText() == QStringLiteral("custom")) return;
    // Until the user picks one, the preset is the model's recommendation (its imagine.json; the
    // default model recommends layout), else draft; either way it is applied again for the device.
    const QString& recommended = host_->model().recommendedPreset;
    if (presetPicked_) applyPreset(preset_->currentText());
    else applyPreset(recommended.isEmpty() ? QStringLiteral("draft") : recommended);
  });
  setAcceptDrops(true);
  applyPreset(QStringLiteral("draft"));
  setRunning(false);
  status_->setText(tr("Weighted terms: 雪地里的红色狐狸:1 | 室内:-0.5 (negative weights push away)."));
}

ImaginePanel::~ImaginePanel() = default;  // the worker (a child) cancels and waits

QWidget* ImaginePanel::buildPromptRow() {
  auto* row = new QWidget(this);
  prompt_ = new QLineEdit(row);
  prompt_->setObjectName(QStringLiteral("promptEdit"));
  // Something the default model can show: a shapes prompt (with the layout preset), or weighted terms.
  prompt_->setPlaceholderText(tr("Prompt, e.g. 右下角的大紫色圆形 (preset layout) or 红心:1 | 蓝色:-0.5"));
  prompt_->setClearButtonEnabled(true);
  prompt_->setText(QSettings().value(QStringLiteral("imagine/prompt")).toString());
  start_ = new QPushButton(tr("▶ Start"), row);
  start_->setObjectName(QStringLiteral("startButton"));
  start_->setDefault(true);
  stop_ = new QPushButton(tr("■ Stop"), row);
  stop_->setObjectName(QStringLiteral("stopButton"));
  pause_ = new QPushButton(tr("‖ Pause"), row);
  pause_->setObjectName(QStringLiteral("pauseButton"));
  pause_->setCheckable(true);
  queueButton_ = new QPushButton(tr("+ Queue"), row);
  queueButton_->setObjectName(QStringLiteral("queueButton"));
  queueButton_->setToolTip(tr("Run these settings after the current run (Ctrl+Enter)"));
  queueButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  termButton_ = new PromptTermButton(prompt_, row);
  connect(termButton_, &PromptTermButton::problem, this, &ImaginePanel::problem);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(tr("Prompt:"), row));
  layout->addWidget(prompt_, 1);
  layout->addWidget(termButton_);
  layout->addWidget(start_);
  layout->addWidget(queueButton_);
  layout->addWidget(pause_);
  layout->addWidget(stop_);
  connect(prompt_, &QLineEdit::returnPressed, this, &ImaginePanel::start);
  connect(start_, &QPushButton::clicked, this, &ImaginePanel::start);
  connect(queueButton_, &QPushButton::clicked, this, &ImaginePanel::enqueue);
  connect(stop_, &QPushButton::clicked, this, &ImaginePanel::stop);
  connect(pause_, &QPushButton::toggled, this, &ImaginePanel::setPaused);
  return row;
}

QWidget* ImaginePanel::buildSettings() {
  auto* box = new QWidget(this);  // the side tab is titled "Settings" already
  preset_ = new QComboBox(box);
  preset_->setObjectName(QStringLiteral("presetCombo"));
  for (const std::string& name : brivl::preset_names()) preset_->addItem(QString::fromStdString(name));
  preset_->addItem(QStringLiteral("custom"));
  preset_->setToolTip(tr("draft, normal, best: the Fourier image at three levels of detail. layout: one flat shape, "
                         "placed and coloured by screening 256 starts, for prompts that name a colour and a place "
                         "(e.g. 右下角的大蓝色圆形)"));
  steps_ = spinBox(box, "stepsSpin", 1, 100000, 100);
  size_ = spinBox(box, "sizeSpin", 16, 4096, 192);
  size_->setSuffix(QStringLiteral(" px"));
  size_->setSingleStep(32);
  seed_ = spinBox(box, "seedSpin", 0, 2147483647, 42);
  cutouts_ = spinBox(box, "cutoutsSpin", 1, 256, 2);
  previewEvery_ = spinBox(box, "previewEverySpin", 1, 100000, 5);
  morph_ = new QLineEdit(box);
  morph_->setObjectName(QStringLiteral("morphEdit"));
  morph_->setClearButtonEnabled(true);
  morph_->setPlaceholderText(tr("none"));
  morph_->setToolTip(tr("Morph: a second prompt. After the search, the target moves from the prompt to this one "
                        "step by step, and the filmstrip shows the image turning into it"));
  param_ = new QComboBox(box);
  param_->setObjectName(QStringLiteral("paramCombo"));
  // "basis" needs the model's image_basis.safetensors (`brivl basis`); without one the engine's
  // error says how to make it. Listed so that a restored basis imagination keeps its image space.
  param_->addItems({QStringLiteral("fourier"), QStringLiteral("pixel"), QStringLiteral("blobs"), QStringLiteral("basis")});
  param_->setToolTip(tr("What is optimised: fourier (a smooth spectrum), pixel (a grid), blobs (a few soft shapes), "
                        "basis (a blend of the principal components of the model's training images; needs the "
                        "model's image_basis.safetensors, made by brivl basis)"));
  lr_ = numberBox(box, "lrSpin", 0.0001, 10, 4, 0.005, [](brivl::ImagineSettings& s) -> double& { return s.lr; });
  auto* dice = new QToolButton(box);
  dice->setText(tr("Random"));
  dice->setToolTip(tr("A new random seed"));
  auto* seedRow = new QHBoxLayout;
  seedRow->addWidget(seed_, 1);
  seedRow->addWidget(dice);
  explainer_ = new ExplainRunner(this);
  where_ = new QPushButton(tr("Where? (map of the prompt)"), box);
  where_->setObjectName(QStringLiteral("imagineWhereToggle"));
  where_->setCheckable(true);
  where_->setToolTip(tr("Lays over the finished image where the model sees the prompt: each of its 6×6 regions "
                        "taken away in turn, hotter where the score depends on it more (brivl explain)"));
  connect(where_, &QPushButton::toggled, this, &ImaginePanel::updateWhere);
  connect(explainer_, &ExplainRunner::ready, this, [this](const QImage& overlay, double similarity) {
    if (!where_->isChecked() || running_) return;
    canvas_->setImage(overlay);
    status_->setText(tr("Where the model sees the prompt (similarity %1): hotter regions count more.").arg(similarity, 0, 'f', 4));
  });
  connect(explainer_, &ExplainRunner::failed, this, [this](const QString& message) {
    where_->setChecked(false);
    Q_EMIT problem(tr("Where? failed"), message);
  });
  export_ = new QPushButton(tr("Export PNG…"), box);
  export_->setObjectName(QStringLiteral("exportButton"));
  export_->setToolTip(tr("PNG with the settings embedded (brivl imagine --replay FILE reproduces it)"));
  exportProgression_ = new QPushButton(tr("Export progression…"), box);
  exportProgression_->setObjectName(QStringLiteral("exportProgressionButton"));
  exportProgression_->setToolTip(tr("The filmstrip's frames as a GIF or MP4 animation, or as a contact sheet (PNG)"));

  auto* form = new QFormLayout(box);
  form->addRow(tr("Preset"), preset_);
  form->addRow(tr("Morph into"), morph_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Size"), size_);
  form->addRow(tr("Seed"), seedRow);
  form->addRow(tr("Cutouts"), cutouts_);
  form->addRow(tr("Image"), param_);
  form->addRow(tr("Learning rate"), lr_);
  form->addRow(tr("Preview every"), previewEvery_);
  auto* advancedToggle = new QToolButton(box);
  advancedToggle->setObjectName(QStringLiteral("advancedToggle"));
  advancedToggle->setText(tr("Advanced"));
  advancedToggle->setCheckable(true);
  advancedToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  advancedToggle->setAutoRaise(true);
  advanced_ = buildAdvanced(box);
  form->addRow(advancedToggle);
  form->addRow(advanced_);
  connect(advancedToggle, &QToolButton::toggled, this, [this, advancedToggle](bool open) {
    advanced_->setVisible(open);
    advancedToggle->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    QSettings().setValue(QStringLiteral("imagine/advancedOpen"), open);
  });
  const bool advancedOpen = QSettings().value(QStringLiteral("imagine/advancedOpen"), false).toBool();
  advancedToggle->setChecked(advancedOpen);
  advanced_->setVisible(advancedOpen);
  advancedToggle->setArrowType(advancedOpen ? Qt::DownArrow : Qt::RightArrow);
  restoredNote_ = new QLabel(box);
  restoredNote_->setObjectName(QStringLiteral("restoredNote"));
  restoredNote_->setWordWrap(true);
  restoredNote_->setVisible(false);
  restoredNote_->setTextFormat(Qt::RichText);
  connect(restoredNote_, &QLabel::linkActivated, this, [this] {
    baseSettings_.reset();
    restoredNote_->setVisible(false);
  });
  form->addRow(restoredNote_);
  form->addRow(where_);
  form->addRow(export_);
  form->addRow(exportProgression_);

  connect(preset_, &QComboBox::textActivated, this, [this](const QString& name) {
    presetPicked_ = true;
    applyPreset(name);
  });
  for (QSpinBox* s : {steps_, size_, cutouts_}) connect(s, &QSpinBox::valueChanged, this, &ImaginePanel::markCustom);
  connect(param_, &QComboBox::currentTextChanged, this, &ImaginePanel::markCustom);
  connect(optimizer_, &QComboBox::currentTextChanged, this, &ImaginePanel::markCustom);
  connect(dice, &QToolButton::clicked, this, [this] { seed_->setValue(QRandomGenerator::global()->bounded(1000000)); });
  connect(export_, &QPushButton::clicked, this, &ImaginePanel::exportWithDialog);
  connect(exportProgression_, &QPushButton::clicked, this, &ImaginePanel::exportProgressionWithDialog);
  // The advanced section makes the form taller than a small window: it scrolls.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(box);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // the form narrows to the tab instead
  return scroll;
}

QDoubleSpinBox* ImaginePanel::numberBox(QWidget* parent, const char* name, double min, double max, int decimals, double step,
                                        double& (*setting)(brivl::ImagineSettings&)) {
  auto* box = new QDoubleSpinBox(parent);
  box->setObjectName(QLatin1String(name));
  box->setDecimals(decimals);
  box->setRange(min, max);
  box->setSingleStep(step);
  brivl::ImagineSettings defaults;
  box->setValue(setting(defaults));
  numbers_.push_back({box, setting, box->value()});
  return box;
}

// The engine's other settings (brivl imagine's --tv, --range, --bn-prior, --perspective, the views, --init).
QWidget* ImaginePanel::buildAdvanced(QWidget* parent) {
  using S = brivl::ImagineSettings;
  auto* area = new QWidget(parent);
  auto* tv = numberBox(area, "tvSpin", 0, 100, 3, 0.01, [](S& s) -> double& { return s.tv_weight; });
  tv->setToolTip(tr("Total-variation weight: higher gives smoother, less noisy images"));
  auto* range = numberBox(area, "rangeSpin", 0, 1000, 2, 0.5, [](S& s) -> double& { return s.range_weight; });
  range->setToolTip(tr("Keeps pixels away from pure black/white, where they stop changing"));
  auto* bnPrior = numberBox(area, "bnPriorSpin", 0, 100, 3, 0.01, [](S& s) -> double& { return s.bn_prior; });
  bnPrior->setToolTip(tr("Feature-statistics prior: keeps the image tower's activations near what its BatchNorm "
                         "layers saw in training (0 = off)"));
  auto* perspective = numberBox(area, "perspectiveSpin", 0, 0.4, 2, 0.05, [](S& s) -> double& { return s.augment.perspective; });
  perspective->setToolTip(tr("Random keystone tilt of each view (0 = off): images that hold up from other angles"));
  auto* minScale = numberBox(area, "minScaleSpin", 0.05, 1, 2, 0.05, [](S& s) -> double& { return s.augment.min_scale; });
  minScale->setToolTip(tr("Smallest cutout, as a fraction of the image side"));
  auto* jitter = numberBox(area, "jitterSpin", 0, 1, 3, 0.01, [](S& s) -> double& { return s.augment.jitter; });
  auto* rotate = numberBox(area, "rotateSpin", 0, 180, 1, 1, [](S& s) -> double& { return s.augment.rotate_degrees; });
  rotate->setSuffix(QStringLiteral(" °"));
  auto* colour = numberBox(area, "colourJitterSpin", 0, 1, 3, 0.01, [](S& s) -> double& { return s.augment.color_jitter; });
  auto* noise = numberBox(area, "noiseSpin", 0, 1, 3, 0.005, [](S& s) -> double& { return s.augment.noise; });
  const brivl::ImagineSettings defaults;
  optimizer_ = new QComboBox(area);
  optimizer_->setObjectName(QStringLiteral("optimizerCombo"));
  optimizer_->addItems({QStringLiteral("adam"), QStringLiteral("gd")});
  optimizer_->setCurrentText(QString::fromStdString(defaults.optimizer));
  optimizer_->setToolTip(tr("How a step follows the gradient: adam moves every pixel about the learning rate; gd "
                            "follows the gradient itself and keeps the picture it points at (for models trained "
                            "with aligned gradients)"));
  blobs_ = spinBox(area, "blobsSpin", 1, 1024, defaults.blobs);
  blobs_->setToolTip(tr("Number of soft ellipses when the image is \"blobs\""));
  starts_ = spinBox(area, "startsSpin", 1, 256, defaults.starts);
  starts_->setToolTip(tr("Layout search: this many random starts run a few steps each; the one the model "
                         "scores best on held-out views goes on"));
  startSteps_ = spinBox(area, "startStepsSpin", 1, 100000, defaults.start_steps);
  startSteps_->setToolTip(tr("Steps each start of the layout search runs before they are compared"));
  connect(steps_, &QSpinBox::valueChanged, this, &ImaginePanel::fitSearchToSteps);
  screen_ = spinBox(area, "screenSpin", 0, 4096, defaults.screen);
  screen_->setToolTip(tr("Screening: score this many random starts by one look each and give the best to the "
                         "layout search (0 = off; pays with blobs)"));
  auto* strength = numberBox(area, "initStrengthSpin", 0, 1, 2, 0.05, [](S& s) -> double& { return s.init_strength; });
  strength->setToolTip(tr("1 = start exactly at the start image, 0 = ignore it"));
  PathFieldOptions initOptions;
  initOptions.placeholder = tr("none: start from noise");
  initOptions.dialogTitle = tr("Start image");
  initOptions.filter = tr("Images (*.png *.jpg *.jpeg *.webp *.bmp)");
  const PathField init = makePathField(area, "initImageEdit", initOptions);
  initImage_ = init.edit;
  initImage_->setClearButtonEnabled(true);
  auto* form = new QFormLayout(area);
  form->setContentsMargins(0, 0, 0, 0);
  form->addRow(tr("Optimiser"), optimizer_);
  form->addRow(tr("Smoothness (TV)"), tv);
  form->addRow(tr("Range penalty"), range);
  form->addRow(tr("BatchNorm prior"), bnPrior);
  form->addRow(tr("Perspective"), perspective);
  form->addRow(tr("Smallest cutout"), minScale);
  form->addRow(tr("Jitter"), jitter);
  form->addRow(tr("Rotation"), rotate);
  form->addRow(tr("Colour jitter"), colour);
  form->addRow(tr("Pixel noise"), noise);
  form->addRow(tr("Ellipses (blobs)"), blobs_);
  form->addRow(tr("Layout starts"), starts_);
  form->addRow(tr("Steps per start"), startSteps_);
  form->addRow(tr("Screened starts"), screen_);
  form->addRow(tr("Start image"), init.row);
  form->addRow(tr("Start strength"), strength);
  return area;
}

void ImaginePanel::setPrompt(const QString& prompt) { prompt_->setText(prompt); }

void ImaginePanel::applyPreset(const QString& name) {
  if (name == QStringLiteral("custom")) return;
  brivl::ImagineSettings s;
  brivl::apply_preset(s, name.toStdString(), host_->isReady() && host_->model().gpu);
  applyingPreset_ = true;
  steps_->setValue(s.steps);
  size_->setValue(s.width);
  cutouts_->setValue(s.augment.cutouts);
  previewEvery_->setValue(std::max(1, s.steps / 30));
  param_->setCurrentText(QString::fromStdString(s.param));
  optimizer_->setCurrentText(QString::fromStdString(s.optimizer));
  blobs_->setValue(s.blobs);
  screen_->setValue(s.screen);
  starts_->setValue(s.starts);
  startSteps_->setValue(s.start_steps);
  for (const NumberField& f : numbers_) {  // the recipe's numbers: the learning rate and the view scales
    const QString name = f.box->objectName();
    if (name == QLatin1String("lrSpin") || name == QLatin1String("minScaleSpin")) f.box->setValue(f.setting(s));
  }
  applyingPreset_ = false;
  preset_->setCurrentText(name);
}

void ImaginePanel::markCustom() {
  if (!applyingPreset_) preset_->setCurrentText(QStringLiteral("custom"));
}

void ImaginePanel::fitSearchToSteps() {
  brivl::ImagineSettings s;
  s.steps = steps_->value();
  s.starts = starts_->value();
  s.start_steps = startSteps_->value();
  if (!brivl::fit_search_to_steps(s)) return;
  starts_->setValue(s.starts);
  startSteps_->setValue(s.start_steps);
}

brivl::ImagineSettings ImaginePanel::settingsFromForm() const {
  brivl::ImagineSettings s = baseSettings_.value_or(brivl::ImagineSettings{});
  s.prompt = prompt_->text().trimmed().toStdString();
  s.to = morph_->text().trimmed().toStdString();
  s.steps = steps_->value();
  // The form has one size field: a restored non-square image keeps its shape until it is changed.
  if (!baseSettings_ || size_->value() != baseSettings_->width) s.width = s.height = size_->value();
  // The seed field tops out at 2^31 - 1: a larger restored seed stays as long as the field shows it.
  const bool keepSeed = baseSettings_ && static_cast<uint64_t>(seed_->value()) == std::min<uint64_t>(baseSettings_->seed, 2147483647);
  if (!keepSeed) s.seed = static_cast<uint64_t>(seed_->value());
  s.augment.cutouts = cutouts_->value();
  s.param = param_->currentText().toStdString();
  s.optimizer = optimizer_->currentText().toStdString();
  s.blobs = blobs_->value();
  s.starts = starts_->value();
  s.start_steps = startSteps_->value();
  s.screen = screen_->value();
  for (const NumberField& f : numbers_) {
    if (!baseSettings_ || f.box->value() != f.shown) f.setting(s) = f.box->value();
  }
  s.init_image = initImage_->text().trimmed().toStdString();
  return s;
}

std::optional<ImaginePanel::Job> ImaginePanel::jobFromForm() {
  Job job{settingsFromForm(), previewEvery_->value()};
  try {
    job.settings.validate();
  } catch (const std::exception& e) {
    Q_EMIT problem(tr("Cannot start"), QString::fromUtf8(e.what()));
    return std::nullopt;
  }
  QSettings().setValue(QStringLiteral("imagine/prompt"), prompt_->text());
  return job;
}

void ImaginePanel::start() {
  if (running_) {
    enqueue();
    return;
  }
  if (!host_->isReady()) {
    Q_EMIT problem(tr("No model loaded"), tr("Load a model first (the bar at the top)."));
    return;
  }
  if (const auto job = jobFromForm()) run(*job);
}

void ImaginePanel::enqueue() {
  const auto job = jobFromForm();
  if (!job) return;
  queue_.push_back(*job);
  refreshQueue();
  if (!running_) {
    startNext();
  } else {
    status_->setText(tr("Queued “%1” (%n job(s) waiting).", nullptr, queueLength()).arg(QString::fromStdString(job->settings.prompt)));
  }
}

void ImaginePanel::clearQueue() {
  queue_.clear();
  refreshQueue();
}

void ImaginePanel::startNext() {
  if (running_ || queue_.empty() || !host_->isReady()) return;
  const Job job = queue_.front();
  queue_.erase(queue_.begin());
  refreshQueue();
  run(job);
}

void ImaginePanel::run(const Job& job) {
  chart_->clear();
  chart_->setXMax(job.settings.steps);
  filmstrip_->clearFrames();
  curve_.clear();
  lastRobust_ = std::nan("");
  runSteps_ = job.settings.steps;
  progress_->setRange(0, job.settings.steps);
  progress_->setValue(0);
  status_->setText(tr("Starting “%1”…").arg(QString::fromStdString(job.settings.prompt)));
  setRunning(true);
  runClock_.start();
  worker_->start(host_->model().imaginer, job.settings, job.previewEvery);
}

QWidget* ImaginePanel::buildQueue() {
  auto* page = new QWidget(this);
  queueList_ = new QListWidget(page);
  queueList_->setObjectName(QStringLiteral("queueList"));
  queueList_->setWordWrap(true);
  auto* remove = new QPushButton(tr("Remove"), page);
  auto* clear = new QPushButton(tr("Clear"), page);
  auto* hint = new QLabel(tr("Jobs run one after another, each with the settings it was queued with. "
                             "“+ Queue” (Ctrl+Enter) adds the form as it is now."), page);
  hint->setWordWrap(true);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(remove);
  buttons->addWidget(clear);
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(queueList_, 1);
  layout->addLayout(buttons);
  layout->addWidget(hint);
  connect(remove, &QPushButton::clicked, this, [this] {
    const int row = queueList_->currentRow();
    if (row < 0 || row >= queueLength()) return;
    queue_.erase(queue_.begin() + row);
    refreshQueue();
  });
  connect(clear, &QPushButton::clicked, this, &ImaginePanel::clearQueue);
  return page;
}

void ImaginePanel::refreshQueue() {
  queueList_->clear();
  for (const Job& job : queue_) {
    const auto& s = job.settings;
    queueList_->addItem(tr("%1\n%2 steps · %3 px · seed %4").arg(QString::fromStdString(s.prompt)).arg(s.steps).arg(s.width).arg(s.seed));
  }
  side_->setTabText(side_->indexOf(queueList_->parentWidget()),
                    queue_.empty() ? tr("Queue") : tr("Queue (%1)").arg(queueLength()));
}

void ImaginePanel::stop() {
  if (running_) worker_->stop();
}

void ImaginePanel::setPaused(bool paused) {
  if (!running_) paused = false;
  worker_->setPaused(paused);
  const QSignalBlocker block(pause_);
  pause_->setChecked(paused);
  pause_->setText(paused ? tr("▶ Resume") : tr("‖ Pause"));
  if (paused) status_->setText(status_->text() + tr(" · paused"));
}

bool ImaginePanel::isPaused() const { return worker_->isPaused(); }

void ImaginePanel::setRunning(bool running) {
  running_ = running;
  if (!running && worker_->isPaused()) setPaused(false);
  start_->setEnabled(!running && host_->isReady());
  queueButton_->setEnabled(host_->isReady());
  stop_->setEnabled(running);
  pause_->setEnabled(running);
  export_->setEnabled(!running && !lastImage_.isNull());
  where_->setEnabled(!running && !lastImage_.isNull());
  exportProgression_->setEnabled(!running && filmstrip_->count() > 1);
}

void ImaginePanel::onProgress(const brivl::ImagineProgress& p) {
  if (p.step == 0 && p.screen > 0) {  // screening starts: nothing optimised yet, nothing to chart
    status_->setText(tr("screening starts: %1/%2 · similarity %3").arg(p.screened).arg(p.screen).arg(p.similarity, 0, 'f', 4));
    return;
  }
  curve_.emplace_back(p.step, p.similarity);
  if (std::isfinite(p.robust_similarity)) lastRobust_ = p.robust_similarity;
  chart_->append(similaritySeries_, p.step, p.similarity);
  chart_->append(robustSeries_, p.step, p.robust_similarity);
  chart_->append(lossSeries_, p.step, p.loss);
  progress_->setValue(p.step);
  QString text = tr("step %1/%2 · similarity %3").arg(p.step).arg(p.steps).arg(p.similarity, 0, 'f', 4);
  if (std::isfinite(p.robust_similarity)) text += tr(" · held-out %1").arg(p.robust_similarity, 0, 'f', 4);
  if (p.morph > 0) text += tr(" · morph %1 %").arg(100 * p.morph, 0, 'f', 0);
  text += tr(" · %1 it/s · ETA %2 s").arg(p.steps_per_second, 0, 'f', 1).arg(p.eta_seconds, 0, 'f', 0);
  status_->setText(text);
}

void ImaginePanel::onPreview(int step, const QImage& image) {
  const bool following = filmstrip_->currentRow() == filmstrip_->count() - 1;
  filmstrip_->addFrame(step, image);
  if (following) canvas_->setImage(image);
  Q_EMIT previewArrived(step, image);
  Q_EMIT nearWanted(image);
}

const QImage& ImaginePanel::shownImage() const { return canvas_->image(); }

void ImaginePanel::updateWhere() {
  explainer_->cancel();
  if (running_ || lastImage_.isNull()) return;
  if (!where_->isChecked()) {
    canvas_->setImage(lastImage_);
    return;
  }
  QString prompt;
  try {  // the prompt of the image shown, not whatever the field holds now
    prompt = QString::fromStdString(brivl::ImagineSettings::from_json(lastSettingsJson_.toStdString(), "last image").prompt);
  } catch (const std::exception&) {
    prompt = prompt_->text();
  }
  if (!host_->isReady()) return;
  explainer_->request(host_->model().imaginer->embedder(), lastImage_, prompt);
}

void ImaginePanel::showNear(const QVector<SearchResult>& results) { near_->setResults(results); }

void ImaginePanel::onFinished(const QImage& image, const QString& settingsJson) {
  lastImage_ = image;
  lastSettingsJson_ = settingsJson;
  filmstrip_->addFrame(progress_->maximum(), image);
  canvas_->setImage(image);
  Q_EMIT nearWanted(image);
  QTimer::singleShot(0, this, &ImaginePanel::updateWhere);  // after the run's state is settled
  setRunning(false);
  status_->setText(status_->text() + tr(" · done"));
  brivl::ImagineOutcome outcome;
  outcome.similarity = curve_.empty() ? std::nan("") : curve_.back().second;
  outcome.robust_similarity = lastRobust_;
  outcome.seconds = static_cast<double>(runClock_.elapsed()) / 1000.0;
  outcome.curve = curve_;
  // The run counts as finished once it is in the history (written off this thread); the next
  // queued job does not wait for the disk.
  history_->add(image, settingsJson, outcome, [this, image](const QString& error) {
    if (!error.isEmpty()) Q_EMIT problem(tr("Saving to the history failed"), error);
    Q_EMIT runFinished(image);
  });
  startNext();
}

bool ImaginePanel::exportTo(const QString& path, QString* error) {
  try {
    BRIVL_CHECK(!lastImage_.isNull(), "nothing to export yet: run an imagination first");
    brivl::write_image_with_settings(path.toStdString(), toRgbImage(lastImage_), lastSettingsJson_.toStdString());
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
}

QString ImaginePanel::askExportPath(const QString& title, const QString& extension, const QString& filters) {
  const QString folder = QSettings().value(QStringLiteral("imagine/exportDir"),
                                           QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)).toString();
  const QString suggestion = QDir(folder).filePath(QStringLiteral("imagine-%1.%2").arg(settingsFromForm().seed).arg(extension));
  const QString path = QFileDialog::getSaveFileName(this, title, suggestion, filters);
  if (!path.isEmpty()) QSettings().setValue(QStringLiteral("imagine/exportDir"), QFileInfo(path).absolutePath());
  return path;
}

void ImaginePanel::exportWithDialog() {
  const QString path = askExportPath(tr("Export image"), QStringLiteral("png"), tr("Images (*.png *.jpg *.jpeg *.webp)"));
  if (path.isEmpty()) return;
  QString error;
  if (exportTo(path, &error)) {
    status_->setText(tr("Exported %1 (replay: brivl imagine --replay \"%1\" -o again.png)").arg(path));
  } else {
    Q_EMIT problem(tr("Export failed"), error);
  }
}

bool ImaginePanel::exportProgressionTo(const QString& path, QString* error) {
  try {
    BRIVL_CHECK(filmstrip_->count() > 1, "no progression to export yet: run an imagination first");
    std::vector<brivl::RgbImage> frames;
    for (int row = 0; row < filmstrip_->count(); ++row) frames.push_back(toRgbImage(filmstrip_->frame(row)));
    if (QFileInfo(path).suffix().compare(QStringLiteral("png"), Qt::CaseInsensitive) == 0) {
      brivl::write_png(path.toStdString(), brivl::make_contact_sheet(frames));
    } else {
      brivl::write_animation(path.toStdString(), frames, kProgressionFrameMs);
    }
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
}

void ImaginePanel::exportProgressionWithDialog() {
  QString filters = tr("GIF animation (*.gif)");
  if (brivl::video_export_available()) filters += QStringLiteral(";;") + tr("MP4 video (*.mp4)");
  filters += QStringLiteral(";;") + tr("Contact sheet (*.png)");
  const QString path = askExportPath(tr("Export progression"), QStringLiteral("gif"), filters);
  if (path.isEmpty()) return;
  QString error;
  if (exportProgressionTo(path, &error)) {
    status_->setText(tr("Exported %1 (%2 frames)").arg(path).arg(filmstrip_->count()));
  } else {
    Q_EMIT problem(tr("Export failed"), error);
  }
}

bool ImaginePanel::restoreSettingsFrom(const QString& path, QString* error) {
  try {
    const auto stored = brivl::read_image_settings(path.toStdString());
    BRIVL_CHECK(stored.has_value(), path.toStdString(), ": no BriVL settings in this image (not exported by BriVL Studio or brivl imagine); a settings .json file is accepted too");
    restoreSettings(brivl::ImagineSettings::from_json(*stored, path.toStdString()), QFileInfo(path).fileName());
    status_->setText(tr("Settings restored from %1: press Start to run them again.").arg(QFileInfo(path).fileName()));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
}

void ImaginePanel::restoreSettings(const brivl::ImagineSettings& s, const QString& origin) {
  applyingPreset_ = true;  // the form is set as a whole: no "custom" flicker per field
  prompt_->setText(QString::fromStdString(s.prompt));
  morph_->setText(QString::fromStdString(s.to));
  steps_->setValue(s.steps);
  size_->setValue(s.width);
  seed_->setValue(static_cast<int>(std::min<uint64_t>(s.seed, 2147483647)));
  cutouts_->setValue(s.augment.cutouts);
  param_->setCurrentText(QString::fromStdString(s.param));
  optimizer_->setCurrentText(QString::fromStdString(s.optimizer));
  blobs_->setValue(s.blobs);
  starts_->setValue(s.starts);
  startSteps_->setValue(s.start_steps);
  screen_->setValue(s.screen);
  brivl::ImagineSettings values = s;
  for (NumberField& f : numbers_) {
    f.box->setValue(f.setting(values));
    f.shown = f.box->value();
  }
  initImage_->setText(QString::fromStdString(s.init_image));
  applyingPreset_ = false;
  preset_->setCurrentText(QStringLiteral("custom"));
  baseSettings_ = s;
  restoredNote_->setText(tr("Restored from %1, also what has no field here (text length, largest cutout). "
                            "<a href=\"reset\">Forget it</a>").arg(origin.toHtmlEscaped()));
  restoredNote_->setVisible(true);
}

void ImaginePanel::reopen(int row) {
  if (row < 0 || row >= history_->entryCount()) return;
  if (running_) {
    status_->setText(tr("Finish or stop the current run to reopen an earlier one."));
    return;
  }
  const brivl::HistoryEntry& e = history_->entry(row);
  const QImage image(QString::fromStdString(e.image_path));
  if (image.isNull()) {
    Q_EMIT problem(tr("Cannot reopen"), tr("%1 cannot be read").arg(QString::fromStdString(e.image_path)));
    return;
  }
  restoreSettings(e.settings, QString::fromStdString(e.id));
  lastImage_ = image.convertToFormat(QImage::Format_RGB888);
  lastSettingsJson_ = QString::fromStdString(e.settings_json);
  chart_->clear();
  chart_->setXMax(e.settings.steps);
  for (const auto& [step, similarity] : e.outcome.curve) {
    if (std::isfinite(similarity)) chart_->append(similaritySeries_, step, similarity);
  }
  filmstrip_->clearFrames();
  filmstrip_->addFrame(e.settings.steps, lastImage_);
  canvas_->setImage(lastImage_);
  updateWhere();
  progress_->setRange(0, e.settings.steps);
  progress_->setValue(e.settings.steps);
  QString text = tr("Reopened “%1” (%2)").arg(QString::fromStdString(e.settings.prompt), QString::fromStdString(e.created));
  if (std::isfinite(e.outcome.similarity)) text += tr(" · similarity %1").arg(e.outcome.similarity, 0, 'f', 4);
  status_->setText(text);
  setRunning(false);
}

void ImaginePanel::replay(int row) {
  if (row < 0 || row >= history_->entryCount()) return;
  const brivl::HistoryEntry e = history_->entry(row);
  restoreSettings(e.settings, QString::fromStdString(e.id));
  start();  // queued when a run is going
}

void ImaginePanel::dragEnterEvent(QDragEnterEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (!urls.isEmpty() && urls.first().isLocalFile()) event->acceptProposedAction();
}

void ImaginePanel::dropEvent(QDropEvent* event) {
  const QString path = event->mimeData()->urls().first().toLocalFile();
  QString error;
  if (restoreSettingsFrom(path, &error)) {
    event->acceptProposedAction();
  } else {
    Q_EMIT problem(tr("Cannot restore settings"), error);
  }
}

}  // namespace brivl::ui
