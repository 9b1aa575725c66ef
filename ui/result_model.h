#pragma once
// Search results for the Retrieve grid: path, score, above/below the relevance cutoff, and a
// thumbnail loaded on first display by a small thread pool (never on the UI thread) from core's
// on-disk ThumbnailCache, so a folder browsed once shows at once the next time.
#include <QAbstractListModel>
#include <QHash>
#include <QIcon>
#include <QSet>
#include <QThreadPool>
#include <QVector>

#include "retrieval/thumbnail_cache.h"
#include "ui/workers/retrieval_worker.h"

namespace brivl::ui {

class ResultModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role { PathRole = Qt::UserRole, ScoreRole, AboveCutoffRole };
  static constexpr int kThumbnailSize = 150;
  static constexpr int64_t kThumbnailCacheBytes = int64_t{512} << 20;  // trimmed to this at start

  explicit ResultModel(QObject* parent = nullptr);
  ~ResultModel() override;

  void setResults(const QVector<SearchResult>& results);
  const SearchResult& result(int row) const { return results_[row]; }
  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  int thumbnailsLoaded() const { return static_cast<int>(thumbnails_.size()); }

 private:
  void requestThumbnail(const QString& path) const;
  void thumbnailReady(const QString& path, const QImage& image);

  QVector<SearchResult> results_;
  mutable QHash<QString, QIcon> thumbnails_;
  mutable QSet<QString> loading_;
  brivl::ThumbnailCache cache_;  // thread-safe: the pool's tasks share it
  mutable QThreadPool pool_;
  QIcon placeholder_;
};

}  // namespace brivl::ui
