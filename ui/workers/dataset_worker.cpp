#include "ui/workers/dataset_worker.h"

#include <QDir>
#include <QElapsedTimer>
#include <QThread>
#include <exception>

#include "train/shapes_dataset.h"

namespace brivl::ui {

DatasetWorker::DatasetWorker(QObject* parent) : QObject(parent) {
  // Emitted on the worker thread, delivered here (queued) before the panel hears of it.
  connect(this, &DatasetWorker::finished, this, [this] { running_ = false; });
  connect(this, &DatasetWorker::failed, this, [this] { running_ = false; });
}

DatasetWorker::~DatasetWorker() { reap(); }

void DatasetWorker::reap() {
  if (!thread_) return;
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
}

void DatasetWorker::buildShapes(const ShapesRequest& request) {
  if (running_) return;
  reap();
  running_ = true;
  thread_ = QThread::create([this, request] {
    brivl::ShapesOptions options;
    options.count = request.count;
    options.image_size = request.imageSize;
    options.seed = request.seed;
    QElapsedTimer sinceReport;
    sinceReport.start();
    try {
      brivl::write_shapes_dataset(request.dir.toStdString(), options, request.overwrite, [&](int done, int total) {
        if (done != total && sinceReport.elapsed() < 100) return;
        sinceReport.restart();
        Q_EMIT progress(done, total);
      });
      Q_EMIT finished(QDir(request.dir).filePath(QStringLiteral("captions.csv")));
    } catch (const std::exception& e) {
      Q_EMIT failed(QString::fromUtf8(e.what()));
    }
  });
  thread_->setObjectName(QStringLiteral("dataset"));
  thread_->start();
}

}  // namespace brivl::ui
