#include "ui/filmstrip.h"

#include <QPixmap>

namespace brivl::ui {
namespace {
constexpr int kStepRole = Qt::UserRole;
constexpr int kImageRole = Qt::UserRole + 1;
constexpr int kThumb = 72;
}  // namespace

Filmstrip::Filmstrip(QWidget* parent) : QListWidget(parent) {
  setObjectName(QStringLiteral("filmstrip"));
  setViewMode(QListView::IconMode);
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setMovement(QListView::Static);
  setResizeMode(QListView::Adjust);
  setIconSize(QSize(kThumb, kThumb));
  setGridSize(QSize(kThumb + 16, kThumb + 26));
  setUniformItemSizes(true);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFixedHeight(kThumb + 48);
  setToolTip(tr("Intermediate frames: click or use the arrow keys to scrub"));
  connect(this, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row >= 0) Q_EMIT frameSelected(frameStep(row), frame(row));
  });
}

void Filmstrip::addFrame(int step, const QImage& image) {
  const bool following = currentRow() < 0 || currentRow() == count() - 1;
  const qreal dpr = devicePixelRatioF();  // device pixels: sharp on a high-DPI screen
  QPixmap thumb = QPixmap::fromImage(image.scaled(QSize(kThumb, kThumb) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  thumb.setDevicePixelRatio(dpr);
  QIcon icon(thumb);
  icon.addPixmap(thumb, QIcon::Selected);  // the selected frame keeps its colours
  auto* item = new QListWidgetItem(icon, tr("step %1").arg(step));
  item->setData(kStepRole, step);
  item->setData(kImageRole, image);
  addItem(item);
  if (following) {
    const QSignalBlocker block(this);  // following the newest frame is not a user's selection
    setCurrentRow(count() - 1);
    scrollToItem(item);
  }
}

void Filmstrip::clearFrames() {
  const QSignalBlocker block(this);
  clear();
}

QImage Filmstrip::frame(int row) const {
  const auto* it = item(row);
  return it ? it->data(kImageRole).value<QImage>() : QImage();
}

int Filmstrip::frameStep(int row) const {
  const auto* it = item(row);
  return it ? it->data(kStepRole).toInt() : -1;
}

}  // namespace brivl::ui
