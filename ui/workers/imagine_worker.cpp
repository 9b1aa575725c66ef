#include "ui/workers/imagine_worker.h"

#include <QThread>
#include <exception>

#include "ui/image_convert.h"

namespace brivl::ui {

ImagineWorker::ImagineWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<brivl::ImagineProgress>();
}

ImagineWorker::~ImagineWorker() {
  stop();
  wait();
}

bool ImagineWorker::isRunning() const { return thread_ && thread_->isRunning(); }

void ImagineWorker::start(std::shared_ptr<brivl::Imaginer> imaginer, const brivl::ImagineSettings& settings,
                          int previewEvery) {
  wait();  // the previous run has reported already (the panel starts one run at a time)
  cancel_ = false;
  paused_ = false;
  lastStep_ = 0;
  thread_ = QThread::create([this, imaginer, settings, previewEvery] { run(imaginer, settings, previewEvery); });
  thread_->setObjectName(QStringLiteral("imagine"));
  thread_->start();
}

void ImagineWorker::stop() { cancel_ = true; }

void ImagineWorker::wait() {
  if (!thread_) return;
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
}

// On the worker thread: signals emitted here are queued to receivers on the UI thread.
void ImagineWorker::run(std::shared_ptr<brivl::Imaginer> imaginer, brivl::ImagineSettings settings, int previewEvery) {
  brivl::ImagineHooks hooks;
  hooks.preview_every = previewEvery;
  // Checked before every step: a paused run waits here (on the worker thread, the UI stays live).
  hooks.should_cancel = [this] {
    while (paused_.load() && !cancel_.load()) QThread::msleep(20);
    return cancel_.load();
  };
  hooks.on_progress = [this](const brivl::ImagineProgress& p) {
    lastStep_ = p.step;
    Q_EMIT progress(p);
  };
  hooks.on_preview = [this, &settings](int step, const brivl::RgbImage& image) {
    if (step == settings.steps) return;  // the final image comes with finished()
    Q_EMIT preview(step, toQImage(image));
  };
  try {
    const brivl::RgbImage image = imaginer->run(settings, hooks);
    Q_EMIT finished(toQImage(image), QString::fromStdString(settings.to_json()));
  } catch (const brivl::Cancelled&) {
    Q_EMIT stopped(lastStep_.load());
  } catch (const std::exception& e) {
    Q_EMIT failed(QString::fromUtf8(e.what()));
  }
}

}  // namespace brivl::ui
