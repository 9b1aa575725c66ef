#include "ui/image_canvas.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QPainter>
#include <QWheelEvent>
#include <cmath>

namespace brivl::ui {

ImageCanvas::ImageCanvas(QWidget* parent) : QGraphicsView(parent), item_(new QGraphicsPixmapItem) {
  setObjectName(QStringLiteral("imageCanvas"));
  auto* scene = new QGraphicsScene(this);
  scene->addItem(item_);
  setScene(scene);
  setBackgroundBrush(QColor(0x2b, 0x2b, 0x2b));
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setMinimumSize(240, 240);
  setToolTip(tr("Wheel: zoom · drag: pan · double-click: fit"));
}

void ImageCanvas::setImage(const QImage& image) {
  const bool sizeChanged = image.size() != image_.size();
  image_ = image;
  item_->setPixmap(QPixmap::fromImage(image));
  scene()->setSceneRect(item_->boundingRect());
  if (autoFit_ || sizeChanged) fitToView();
  viewport()->update();
}

void ImageCanvas::fitToView() {
  autoFit_ = true;
  if (image_.isNull()) return;
  fitInView(item_, Qt::KeepAspectRatio);
  updateSmoothing();
}

double ImageCanvas::zoom() const { return transform().m11(); }

void ImageCanvas::wheelEvent(QWheelEvent* event) {
  if (image_.isNull()) return;
  const double factor = std::pow(1.0015, event->angleDelta().y());
  const double next = zoom() * factor;
  if (next < 0.05 || next > 64) return;
  autoFit_ = false;
  scale(factor, factor);
  updateSmoothing();
}

void ImageCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
  fitToView();
  QGraphicsView::mouseDoubleClickEvent(event);
}

void ImageCanvas::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (autoFit_) fitToView();
}

void ImageCanvas::drawForeground(QPainter* painter, const QRectF& rect) {
  if (!image_.isNull()) return;
  painter->save();
  painter->resetTransform();
  painter->setPen(QColor(0xa0, 0xa0, 0xa0));
  painter->drawText(viewport()->rect(), Qt::AlignCenter, tr("Type a prompt and press Start"));
  painter->restore();
  Q_UNUSED(rect);
}

void ImageCanvas::updateSmoothing() {
  item_->setTransformationMode(zoom() >= 2.0 ? Qt::FastTransformation : Qt::SmoothTransformation);
}

}  // namespace brivl::ui
