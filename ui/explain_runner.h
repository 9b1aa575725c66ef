#pragma once
// "Where": the studio's side of `brivl explain` (core/embed/region_relevance): the relevance map of
// a prompt over an image, computed on a pool thread with the loaded model and handed back as the
// image with the map laid over it. Only the newest request is answered: a newer selection or
// prompt makes older ones stale, so their results are dropped.
#include <QImage>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <memory>

namespace brivl {
class Embedder;
}

namespace brivl::ui {

class ExplainRunner : public QObject {
  Q_OBJECT
 public:
  explicit ExplainRunner(QObject* parent = nullptr);
  ~ExplainRunner() override;  // waits for a running explanation (it holds the model)

  // The embedder may serve other threads meanwhile (it only runs the frozen model).
  void request(std::shared_ptr<brivl::Embedder> embedder, const QImage& image, const QString& prompt);
  void cancel();  // the answer of the pending request, if any, is dropped

 Q_SIGNALS:
  void ready(const QImage& overlay, double similarity);
  void failed(const QString& message);

 private:
  int serial_ = 0;
  QThreadPool pool_;
};

}  // namespace brivl::ui
