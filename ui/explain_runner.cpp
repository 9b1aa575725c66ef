#include "ui/explain_runner.h"

#include <QFutureWatcher>
#include <QtConcurrent>
#include <exception>

#include "embed/region_relevance.h"
#include "ui/image_convert.h"

namespace brivl::ui {
namespace {

struct Explained {
  QImage overlay;
  double similarity = 0;
  QString error;
};

Explained explain(const std::shared_ptr<brivl::Embedder>& embedder, const QImage& image, const std::string& prompt) {
  Explained out;
  try {
    const brivl::RgbImage rgb = toRgbImage(image);
    const auto relevance = brivl::explain_regions(*embedder, rgb, prompt);
    out.overlay = toQImage(brivl::relevance_overlay(rgb, brivl::relevance_heat(relevance, rgb.width, rgb.height)));
    out.similarity = relevance.similarity;
  } catch (const std::exception& e) {
    out.error = QString::fromUtf8(e.what());
  }
  return out;
}

}  // namespace

ExplainRunner::ExplainRunner(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

ExplainRunner::~ExplainRunner() { pool_.waitForDone(); }

void ExplainRunner::request(std::shared_ptr<brivl::Embedder> embedder, const QImage& image, const QString& prompt) {
  const int serial = ++serial_;
  if (embedder == nullptr || image.isNull() || prompt.trimmed().isEmpty()) {
    Q_EMIT failed(tr("Nothing to explain: it needs a loaded model, an image and a prompt."));
    return;
  }
  auto* watcher = new QFutureWatcher<Explained>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, serial] {
    watcher->deleteLater();
    if (serial != serial_) return;  // a newer request (or cancel) came meanwhile
    const Explained out = watcher->result();
    if (out.error.isEmpty()) Q_EMIT ready(out.overlay, out.similarity);
    else Q_EMIT failed(out.error);
  });
  watcher->setFuture(QtConcurrent::run(&pool_, explain, std::move(embedder), image.copy(), prompt.trimmed().toStdString()));
}

void ExplainRunner::cancel() { ++serial_; }

}  // namespace brivl::ui
