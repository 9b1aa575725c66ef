#pragma once
// Indexing and search for the Retrieve tab, on one worker thread (moveToThread): it uses the
// studio's loaded model (the Embedder the Imagine tab's engine runs on; both only run the frozen
// model, so they may work at the same time), opens the catalog of the current model and keeps the
// in-memory VectorIndex between queries. Requests are queued calls, so they run one at a time;
// results come back as queued signals. Errors are reported, never thrown across the thread.
#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <atomic>
#include <memory>

#include "embed/embedder.h"
#include "model/model_files.h"

namespace brivl {
class CaptionRanker;
class VectorIndex;
}

namespace brivl::ui {

struct SearchResult {
  QString path;
  float score = 0;
  bool aboveCutoff = true;
};

struct IndexSummary {
  qint64 found = 0, embedded = 0, reused = 0, unchanged = 0, skipped = 0, pruned = 0, files = 0;
  double seconds = 0;
  QStringList skippedFiles;  // "path: reason", every skipped file of the index
};

struct CaptionScore {
  QString text;
  float score = 0;
};

struct SearchOutcome {
  QString query;
  QVector<SearchResult> results;  // best first; those below the cutoff are marked
  float cutoff = -1;
  QString cutoffRule;
  qint64 indexSize = 0;
};

class RetrievalWorker : public QObject {
  Q_OBJECT
 public:
  RetrievalWorker();
  ~RetrievalWorker() override;

  // All of these run on the worker's thread (call them through QMetaObject::invokeMethod).
  // `fingerprint`: the checkpoint's (ModelHandle::fingerprint); the index is kept only when it is
  // the same weights (same files and content).
  void setModel(const brivl::ModelFiles& files, std::shared_ptr<brivl::Embedder> embedder, const QString& fingerprint);
  void index(const QStringList& roots);
  void search(const QString& query, int top);
  void forget(const QString& folder);  // drops the folder's files from the index
  void refreshSummary();
  // Image -> text: embeds a caption list once (captionsLoaded), then ranks it for images
  // (described). The list is re-embedded when the model changes.
  void loadCaptions(const QString& path);
  // Only the newest request is served (`serial` == latestDescribe): scrolling through results
  // queues many, and each costs an image embedding.
  void describe(const QString& imagePath, int top, int serial);
  // "Near": the `top` indexed images nearest to an image that has no file (an imagination's
  // preview); one image embedding and one search. Only the newest request (latestNear) is served:
  // previews arrive faster than a large index answers. Nothing indexed: an empty answer.
  void near(const QImage& image, int top, int serial);

  std::atomic<bool> cancel{false};
  std::atomic<int> latestDescribe{0};
  std::atomic<int> latestNear{0};

 Q_SIGNALS:
  void status(const QString& text);
  void databaseChanged(const QString& path, qint64 files);
  void indexProgress(qint64 done, qint64 total);
  void indexed(const brivl::ui::IndexSummary& summary);
  void searched(const brivl::ui::SearchOutcome& outcome);
  void captionsLoaded(const QString& path, int count);
  void captionsFailed(const QString& message);  // the list is dropped; indexing is not affected
  void described(const QString& imagePath, const QVector<brivl::ui::CaptionScore>& captions);
  void nearFound(int serial, const QVector<brivl::ui::SearchResult>& results);
  void failed(const QString& what, const QString& message);

 private:
  QString databasePath();
  // Opens the index from the catalog once (kept between queries); false when nothing is indexed.
  bool openIndex();

  brivl::ModelFiles files_;
  std::shared_ptr<brivl::Embedder> embedder_;
  std::unique_ptr<brivl::VectorIndex> index_;
  std::unique_ptr<brivl::CaptionRanker> captions_;
  QString captionsPath_;
  QString fingerprint_;
  QString db_;
};

}  // namespace brivl::ui

Q_DECLARE_METATYPE(brivl::ui::IndexSummary)
Q_DECLARE_METATYPE(brivl::ui::SearchOutcome)
Q_DECLARE_METATYPE(QVector<brivl::ui::SearchResult>)
Q_DECLARE_METATYPE(QVector<brivl::ui::CaptionScore>)
