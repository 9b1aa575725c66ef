#include "ui/model_bar.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QTimer>
#include <unistd.h>

#include "ui/model_files_dialog.h"
#include "ui/model_host.h"
#include "ui/studio_paths.h"

namespace brivl::ui {
namespace {

constexpr int kMaxRecent = 8;
const QString kRecentKey = QStringLiteral("model/recent");
const QString kLastKey = QStringLiteral("model/last");

// Resident memory of this process from /proc (Linux); -1 when unknown.
qint64 residentBytes() {
  QFile statm(QStringLiteral("/proc/self/statm"));
  if (!statm.open(QIODevice::ReadOnly)) return -1;
  const QList<QByteArray> fields = statm.readAll().split(' ');
  if (fields.size() < 2) return -1;
  return fields[1].toLongLong() * static_cast<qint64>(::sysconf(_SC_PAGESIZE));
}

QString lightStyle(const char* colour) {
  return QStringLiteral("QLabel { color: %1; font-size: 16px; }").arg(QLatin1String(colour));
}

}  // namespace

ModelBar::ModelBar(ModelHost* host, QWidget* parent)
    : QWidget(parent),
      host_(host),
      models_(new QComboBox(this)),
      browse_(new QPushButton(tr("Open…"), this)),
      device_(new QComboBox(this)),
      dtype_(new QComboBox(this)),
      light_(new QLabel(QStringLiteral("●"), this)),
      status_(new QLabel(this)),
      memory_(new QLabel(this)),
      loadProgress_(new QProgressBar(this)),
      memoryTimer_(new QTimer(this)) {
  models_->setObjectName(QStringLiteral("modelCombo"));
  models_->setMinimumContentsLength(28);
  models_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  models_->setToolTip(tr("Model bundle: config.yml, a .pth or .safetensors checkpoint and vocab.txt (a training run folder works too)"));
  browse_->setObjectName(QStringLiteral("modelBrowse"));
  device_->setObjectName(QStringLiteral("deviceCombo"));
  device_->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")});
  device_->setToolTip(tr("auto picks the GPU when there is one"));
  dtype_->setObjectName(QStringLiteral("dtypeCombo"));
  dtype_->addItems({QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16"), QStringLiteral("int8")});
  dtype_->setToolTip(tr("Precision: bf16 for GPUs and CPUs with AVX512-BF16, fp16 for GPUs; int8 runs the text tower in dynamic int8 on the CPU (faster prompts and searches, images unchanged)"));
  light_->setObjectName(QStringLiteral("statusLight"));
  status_->setObjectName(QStringLiteral("modelStatus"));
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  memory_->setObjectName(QStringLiteral("memoryLabel"));
  loadProgress_->setObjectName(QStringLiteral("modelLoadProgress"));
  loadProgress_->setRange(0, 1000);
  loadProgress_->setMaximumWidth(140);
  loadProgress_->setMaximumHeight(14);
  loadProgress_->setTextVisible(false);
  loadProgress_->setToolTip(tr("Reading the checkpoint"));
  loadProgress_->setVisible(false);

  QSettings settings;
  device_->setCurrentText(settings.value(QStringLiteral("model/device"), QStringLiteral("auto")).toString());
  dtype_->setCurrentText(settings.value(QStringLiteral("model/dtype"), QStringLiteral("fp32")).toString());

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 6, 8, 6);
  layout->addWidget(new QLabel(tr("Model:"), this));
  layout->addWidget(models_, 1);
  layout->addWidget(browse_);
  layout->addSpacing(12);
  layout->addWidget(new QLabel(tr("Device:"), this));
  layout->addWidget(device_);
  layout->addWidget(dtype_);
  layout->addSpacing(12);
  layout->addWidget(light_);
  layout->addWidget(loadProgress_);
  layout->addWidget(status_, 1);
  layout->addWidget(memory_);

  connect(models_, qOverload<int>(&QComboBox::activated), this, [this](int index) {
    loadModel(models_->itemData(index).toString());
  });
  auto* openMenu = new QMenu(browse_);
  openMenu->addAction(tr("Model folder…"), this, &ModelBar::browse);
  openMenu->addAction(tr("Official files (config, checkpoint, vocab)…"), this, &ModelBar::browseFiles);
  browse_->setMenu(openMenu);
  connect(device_, &QComboBox::textActivated, this, [this] { reloadCurrent(); });
  connect(dtype_, &QComboBox::textActivated, this, [this] { reloadCurrent(); });
  connect(host_, &ModelHost::stateChanged, this, &ModelBar::showState);
  connect(host_, &ModelHost::loadProgress, loadProgress_, &QProgressBar::setValue);
  connect(host_, &ModelHost::modelReady, this, [this] { rememberModel(host_->model().request.source()); });
  connect(memoryTimer_, &QTimer::timeout, this, &ModelBar::updateMemory);
  memoryTimer_->start(2000);
  fillRecent();
  showState();
  updateMemory();
}

void ModelBar::loadInitial(const QString& dir) {
  if (!dir.isEmpty()) return loadModel(dir);
  const QString last = QSettings().value(kLastKey).toString();
  const ModelRequest lastRequest = ModelRequest::fromSource(last);
  const bool lastThere = lastRequest.hasFiles() ? QFileInfo(lastRequest.checkpoint).isFile() : QFileInfo(last).isDir();
  if (!last.isEmpty() && lastThere) return loadModel(last);
  QString error;
  const QString fallback = defaultModelDir(&error);
  if (fallback.isEmpty()) {
    Q_EMIT problem(tr("No model"), error + tr("\nChoose a model folder with Open…"));
    return;
  }
  loadModel(fallback);
}

void ModelBar::loadModel(const QString& source) {
  if (source.isEmpty()) return;
  QSettings settings;
  settings.setValue(QStringLiteral("model/device"), device_->currentText());
  settings.setValue(QStringLiteral("model/dtype"), dtype_->currentText());
  ModelRequest request = ModelRequest::fromSource(source);
  if (!request.hasFiles()) request.dir = QDir::cleanPath(QFileInfo(request.dir).absoluteFilePath());
  request.device = device_->currentText();
  request.dtype = dtype_->currentText();
  host_->load(request);
}

void ModelBar::loadFiles(const QString& config, const QString& checkpoint, const QString& vocab) {
  ModelRequest files;
  files.config = QFileInfo(config).absoluteFilePath();
  files.checkpoint = QFileInfo(checkpoint).absoluteFilePath();
  files.vocab = QFileInfo(vocab).absoluteFilePath();
  loadModel(files.source());
}

QStringList ModelBar::recentModels() const { return QSettings().value(kRecentKey).toStringList(); }

void ModelBar::browse() {
  const QString start = host_->isReady() && !host_->model().request.hasFiles() ? host_->model().request.dir : QDir::homePath();
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a model bundle or run folder"), start);
  if (!dir.isEmpty()) loadModel(dir);
}

void ModelBar::browseFiles() {
  ModelFilesDialog dialog(this);
  if (host_->isReady()) {
    const auto& f = host_->model().files;
    dialog.setFiles(QString::fromStdString(f.config), QString::fromStdString(f.checkpoint), QString::fromStdString(f.vocab));
  }
  if (dialog.exec() == QDialog::Accepted) loadFiles(dialog.config(), dialog.checkpoint(), dialog.vocab());
}

void ModelBar::reloadCurrent() {
  const QString current = host_->state() == ModelHost::State::Failed ? host_->pending().source() : host_->model().request.source();
  loadModel(current.isEmpty() ? host_->pending().source() : current);
}

void ModelBar::rememberModel(const QString& source) {
  QSettings settings;
  QStringList recent = settings.value(kRecentKey).toStringList();
  recent.removeAll(source);
  recent.prepend(source);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue(kRecentKey, recent);
  settings.setValue(kLastKey, source);
  fillRecent();
}

void ModelBar::fillRecent() {
  const QSignalBlocker block(models_);
  models_->clear();
  QStringList recent = recentModels();
  const QString current = host_->isReady() ? host_->model().request.source() : host_->pending().source();
  if (!current.isEmpty() && !recent.contains(current)) recent.prepend(current);
  for (const QString& source : recent) {
    const ModelRequest r = ModelRequest::fromSource(source);
    const QFileInfo info(r.location());
    models_->addItem(info.fileName() + QStringLiteral("  —  ") + info.absolutePath(), source);
    models_->setItemData(models_->count() - 1, r.hasFiles() ? QString(source).replace(QLatin1Char('\n'), QStringLiteral("<br>")) : source,
                         Qt::ToolTipRole);
  }
  models_->setCurrentIndex(models_->findData(current));
}

void ModelBar::showState() {
  const QString loading = QFileInfo(host_->pending().location()).fileName();
  switch (host_->state()) {
    case ModelHost::State::Empty:
      light_->setStyleSheet(lightStyle("#9e9e9e"));
      status_->setText(tr("no model"));
      break;
    case ModelHost::State::Loading:
      loadProgress_->setValue(0);
      light_->setStyleSheet(lightStyle("#f0a020"));
      status_->setText(tr("loading %1 …").arg(loading));
      break;
    case ModelHost::State::Ready: {
      const ModelHandle& m = host_->model();
      light_->setStyleSheet(lightStyle("#2e9d44"));
      status_->setText(tr("ready · %1 · %2 · loaded in %3 s")
                           .arg(m.gpu ? tr("GPU") : tr("CPU"), m.request.dtype)
                           .arg(m.seconds, 0, 'f', 1));
      break;
    }
    case ModelHost::State::Failed:
      light_->setStyleSheet(lightStyle("#d03030"));
      status_->setText(tr("failed to load %1").arg(loading));
      break;
  }
  light_->setToolTip(status_->text());
  loadProgress_->setVisible(host_->state() == ModelHost::State::Loading);
  fillRecent();
}

void ModelBar::updateMemory() {
  const qint64 bytes = residentBytes();
  memory_->setText(bytes < 0 ? QString() : tr("Memory: %1").arg(QLocale().formattedDataSize(bytes)));
}

}  // namespace brivl::ui
