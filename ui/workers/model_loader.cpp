#include "ui/workers/model_loader.h"

#include <QElapsedTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

namespace brivl::ui {

ModelLoader::ModelLoader(QObject* parent) : QObject(parent) {}

ModelHandle ModelLoader::loadBlocking(const ModelRequest& request) {
  ModelHandle h;
  h.request = request;
  QElapsedTimer timer;
  timer.start();
  try {
    h.files = brivl::ModelFiles::resolve(request.dir.toStdString());
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
