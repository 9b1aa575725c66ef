#pragma once
// The live canvas: shows the current image, fitted to the view until the user zooms (wheel) or
// pans (drag); double-click fits again. Nearest-neighbour when magnified, so pixels stay pixels.
#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;

namespace brivl::ui {

class ImageCanvas : public QGraphicsView {
  Q_OBJECT
 public:
  explicit ImageCanvas(QWidget* parent = nullptr);
  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  void fitToView();
  double zoom() const;

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;

 private:
  void updateSmoothing();
  QGraphicsPixmapItem* item_;
  QImage image_;
  bool autoFit_ = true;
};

}  // namespace brivl::ui
