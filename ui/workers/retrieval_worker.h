#pragma once
// Indexing and search for the Retrieve tab, on one worker thread (moveToThread): it owns the
// retrieval Embedder (loaded on first use), opens the catalog of the current model and keeps the
// in-memory VectorIndex between queries. Requests are queued calls, so they run one at a time;
// results come back as queued signals. Errors are reported, never thrown across the thread.
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
  void setModel(const brivl::ModelFiles& files, const brivl::EmbedderOptions& options);
  void index(const QStringList& roots);
  void search(const QString& query, int top);
  void forget(const QString& folder);  // drops the folder's files from the index
  void refreshSummary();

  std::atomic<bool> cancel{false};

 Q_SIGNALS:
  void status(const QString& text);
  void databaseChanged(const QString& path, qint64 files);
  void indexProgress(qint64 done, qint64 total);
  void indexed(const brivl::ui::IndexSummary& summary);
  void searched(const brivl::ui::SearchOutcome& outcome);
  void failed(const QString& what, const QString& message);

 private:
  void ensureEmbedder();
  QString databasePath();

  brivl::ModelFiles files_;
  brivl::EmbedderOptions options_;
  std::unique_ptr<brivl::Embedder> embedder_;
  std::unique_ptr<brivl::VectorIndex> index_;
  QString fingerprint_;
  QString db_;
};

}  // namespace brivl::ui

Q_DECLARE_METATYPE(brivl::ui::IndexSummary)
Q_DECLARE_METATYPE(brivl::ui::SearchOutcome)
