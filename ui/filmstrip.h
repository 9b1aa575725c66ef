#pragma once
// The intermediate frames of an imagination as a horizontal strip of thumbnails; selecting one
// (click or arrow keys: scrubbing) shows that frame on the canvas.
#include <QImage>
#include <QListWidget>

namespace brivl::ui {

class Filmstrip : public QListWidget {
  Q_OBJECT
 public:
  explicit Filmstrip(QWidget* parent = nullptr);
  void addFrame(int step, const QImage& image);
  void clearFrames();
  QImage frame(int row) const;
  int frameStep(int row) const;

 Q_SIGNALS:
  void frameSelected(int step, const QImage& image);
};

}  // namespace brivl::ui
