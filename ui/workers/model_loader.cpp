#include "ui/workers/model_loader.h"

#include <QElapsedTimer>
#include <QStringList>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

#include "imagine/imagine_recommendation.h"

namespace brivl::ui {

QString ModelRequest::source() const {
  return hasFiles() ? QStringList{config, checkpoint, vocab}.join(QLatin1Char('\n')) : dir;
}

ModelRequest ModelRequest::fromSource(const QString& source) {
  ModelRequest r;
  const QStringList parts = source.split(QLatin1Char('\n'));
  if (parts.size() == 3) {
    r.config = parts[0], r.checkpoint = parts[1], r.vocab = parts[2];
  } else {
    r.dir = source;
  }
  return r;
}

ModelLoader::ModelLoader(QObject* parent) : QObject(parent) {}

ModelHandle ModelLoader::loadBlocking(const ModelRequest& request, const std::function<void(qint64, qint64)>& progress) {
  ModelHandle h;
  h.request = request;
  QElapsedTimer timer;
  timer.start();
  try {
    h.files = brivl::ModelFiles::resolve(request.dir.toStdString(), request.config.toStdString(),
                                         request.checkpoint.toStdString(), request.vocab.toStdString());
    // A malformed recipe fails the load like a malformed config: the message names the file.
    if (const auto recommended = brivl::read_imagine_recommendation(h.files.imagine))
      h.recommendedPreset = QString::fromStdString(recommended->preset);
    h.options.device = request.device.toStdString();
    h.options.dtype = request.dtype.toStdString();
    h.options.threads = request.threads;
    if (progress) h.options.on_load_progress = [&progress](int64_t done, int64_t total) { progress(done, total); };
    h.imaginer = std::make_shared<brivl::Imaginer>(brivl::Imaginer::load(h.files, h.options));
    h.gpu = h.imaginer->on_gpu();
    h.fingerprint = QString::fromStdString(h.imaginer->model_fingerprint());
  } catch (const std::exception& e) {
    h.imaginer.reset();
    h.error = QString::fromUtf8(e.what());
  }
  h.seconds = static_cast<double>(timer.elapsed()) / 1000.0;
  return h;
}

void ModelLoader::load(const ModelRequest& request) {
  auto* watcher = new QFutureWatcher<ModelHandle>(this);
  current_ = watcher;
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
    watcher->deleteLater();
    if (watcher != current_) return;  // superseded by a newer load
    current_ = nullptr;
    const ModelHandle h = watcher->result();
    if (h.error.isEmpty()) {
      Q_EMIT loaded(h);
    } else {
      Q_EMIT failed(h.request, h.error);
    }
  });
  connect(watcher, &QFutureWatcherBase::progressValueChanged, this, [this, watcher](int permille) {
    if (watcher == current_) Q_EMIT progress(permille);
  });
  // The promise carries the progress to the watcher on the UI thread (thread-safe, and nothing is
  // delivered once the watcher is gone).
  watcher->setFuture(QtConcurrent::run([request](QPromise<ModelHandle>& promise) {
    promise.setProgressRange(0, 1000);
    promise.addResult(loadBlocking(request, [&promise](qint64 done, qint64 total) {
      if (total > 0) promise.setProgressValue(static_cast<int>(done * 1000 / total));
    }));
  }));
}

}  // namespace brivl::ui
