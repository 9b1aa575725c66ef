#include "ui/workers/model_loader.h"

#include <QElapsedTimer>
#include <QStringList>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

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

ModelHandle ModelLoader::loadBlocking(const ModelRequest& request) {
  ModelHandle h;
  h.request = request;
  QElapsedTimer timer;
  timer.start();
  try {
    h.files = brivl::ModelFiles::resolve(request.dir.toStdString(), request.config.toStdString(),
                                         request.checkpoint.toStdString(), request.vocab.toStdString());
    h.options.device = request.device.toStdString();
    h.options.dtype = request.dtype.toStdString();
    h.options.threads = request.threads;
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
  watcher->setFuture(QtConcurrent::run(&ModelLoader::loadBlocking, request));
}

}  // namespace brivl::ui
