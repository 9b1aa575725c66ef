#include "ui/result_model.h"

#include <QColor>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGuiApplication>
#include <QIcon>
#include <QPainter>
#include <QtConcurrent/QtConcurrentRun>

namespace brivl::ui {
namespace {

// Runs on the pool. Unreadable files give a null image (shown as "unreadable").
QImage loadThumbnail(const brivl::ThumbnailCache* cache, const QString& path, int side) {
  try {
    const auto rgb = cache->get(path.toStdString());
    QImage image(rgb.pixels.data(), rgb.width, rgb.height, rgb.width * 3, QImage::Format_RGB888);
    image = image.copy();  // own the pixels: rgb goes away
    if (image.width() > side || image.height() > side) {
      image = image.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    return image;
  } catch (const std::exception&) {
    return {};
  }
}

QIcon untinted(const QPixmap& pixmap) {
  QIcon icon;
  icon.addPixmap(pixmap, QIcon::Normal);
  icon.addPixmap(pixmap, QIcon::Selected);
  return icon;
}

QIcon makePlaceholder(int side, const QString& text) {
  QPixmap p(side, side);
  p.fill(QColor(0xe8, 0xe8, 0xe8));
  QPainter painter(&p);
  painter.setPen(QColor(0x90, 0x90, 0x90));
  painter.drawText(p.rect(), Qt::AlignCenter, text);
  return untinted(p);
}

}  // namespace

ResultModel::ResultModel(QObject* parent)
    : QAbstractListModel(parent), placeholder_(makePlaceholder(kThumbnailSize, tr("loading…"))) {
  pool_.setMaxThreadCount(2);
  // Old thumbnails age out in the background; a cache folder that cannot be read just stays.
  (void)QtConcurrent::run(&pool_, [this] {
    try {
      cache_.trim(kThumbnailCacheBytes);
    } catch (const std::exception&) {
    }
  });
}

ResultModel::~ResultModel() { pool_.waitForDone(); }

void ResultModel::setResults(const QVector<SearchResult>& results) {
  beginResetModel();
  results_ = results;
  endResetModel();
}

int ResultModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(results_.size()); }

QVariant ResultModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= results_.size()) return {};
  const SearchResult& r = results_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
      return QStringLiteral("%1\n%2").arg(r.score, 0, 'f', 4).arg(QFileInfo(r.path).fileName());
    case Qt::ToolTipRole:
      return QStringLiteral("%1\nscore %2%3").arg(r.path).arg(r.score, 0, 'f', 4)
          .arg(r.aboveCutoff ? QString() : tr(" (below the relevance cutoff)"));
    case Qt::DecorationRole: {
      const auto it = thumbnails_.constFind(r.path);
      if (it != thumbnails_.constEnd()) return *it;
      requestThumbnail(r.path);
      return placeholder_;
    }
    case Qt::ForegroundRole:
      return r.aboveCutoff ? QVariant() : QVariant(QColor(0x99, 0x99, 0x99));
    case PathRole:
      return r.path;
    case ScoreRole:
      return r.score;
    case AboveCutoffRole:
      return r.aboveCutoff;
    default:
      return {};
  }
}

void ResultModel::requestThumbnail(const QString& path) const {
  if (loading_.contains(path)) return;
  loading_.insert(path);
  auto* self = const_cast<ResultModel*>(this);
  auto* watcher = new QFutureWatcher<QImage>(self);
  connect(watcher, &QFutureWatcherBase::finished, self, [self, watcher, path] {
    watcher->deleteLater();
    self->thumbnailReady(path, watcher->result());
  });
  // In device pixels (the cache keeps one file per size): sharp on a high-DPI screen.
  const int side = qRound(kThumbnailSize * qApp->devicePixelRatio());
  watcher->setFuture(QtConcurrent::run(&pool_, loadThumbnail, &cache_, path, side));
}

void ResultModel::thumbnailReady(const QString& path, const QImage& image) {
  loading_.remove(path);
  QPixmap pixmap = QPixmap::fromImage(image);
  pixmap.setDevicePixelRatio(qApp->devicePixelRatio());
  thumbnails_.insert(path, image.isNull() ? makePlaceholder(kThumbnailSize, tr("unreadable")) : untinted(pixmap));
  for (int row = 0; row < results_.size(); ++row) {
    if (results_[row].path == path) Q_EMIT dataChanged(index(row), index(row), {Qt::DecorationRole});
  }
}

}  // namespace brivl::ui
