#include "ui/workers/retrieval_worker.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <exception>

#include "retrieval/caption_ranker.h"
#include "retrieval/catalog.h"
#include "retrieval/vector_index.h"
#include "retrieval/indexer.h"
#include "ui/image_convert.h"
#include "ui/studio_paths.h"

namespace brivl::ui {
namespace {

QString text(const std::string& s) { return QString::fromStdString(s); }

QStringList skippedLines(const brivl::Catalog& catalog) {
  QStringList lines;
  for (const auto& s : catalog.skipped_files()) lines << text(s.path) + QStringLiteral(": ") + text(s.reason);
  return lines;
}

}  // namespace

RetrievalWorker::RetrievalWorker() {
  qRegisterMetaType<brivl::ui::IndexSummary>();
  qRegisterMetaType<brivl::ui::SearchOutcome>();
  qRegisterMetaType<QVector<brivl::ui::CaptionScore>>();
  qRegisterMetaType<QVector<brivl::ui::SearchResult>>();
}

RetrievalWorker::~RetrievalWorker() = default;

void RetrievalWorker::setModel(const brivl::ModelFiles& files, std::shared_ptr<brivl::Embedder> embedder,
                               const QString& fingerprint) {
  const bool sameWeights = files.checkpoint == files_.checkpoint && files.config == files_.config && fingerprint == fingerprint_;
  // A reload on another device or precision is a new embedder; caption embeddings follow it.
  if (embedder != embedder_) captions_.reset();
  embedder_ = std::move(embedder);
  if (sameWeights) return;
  files_ = files;
  fingerprint_ = fingerprint;
  index_.reset();
  db_.clear();
  refreshSummary();
}

// One index per model (the catalog refuses vectors of another model): named by the checkpoint's
// fingerprint, in the studio's data folder.
QString RetrievalWorker::databasePath() {
  if (!db_.isEmpty()) return db_;
  const QByteArray id = QCryptographicHash::hash(fingerprint_.toUtf8(), QCryptographicHash::Sha1).toHex().left(12);
  QDir(appDataDir()).mkpath(QStringLiteral("indexes"));
  db_ = appDataDir() + QStringLiteral("/indexes/index-") + QString::fromLatin1(id) + QStringLiteral(".db");
  return db_;
}

void RetrievalWorker::refreshSummary() {
  if (files_.checkpoint.empty()) return;
  try {
    const QString db = databasePath();
    if (!QFileInfo::exists(db)) {
      Q_EMIT databaseChanged(db, 0);
      return;
    }
    auto catalog = brivl::Catalog::open(db.toStdString(), false);
    Q_EMIT databaseChanged(db, catalog.file_count());
    IndexSummary s;
    s.files = catalog.file_count();
    s.skippedFiles = skippedLines(catalog);
    s.skipped = s.skippedFiles.size();
    Q_EMIT indexed(s);
  } catch (const std::exception& e) {
    Q_EMIT failed(tr("Opening the index failed"), QString::fromUtf8(e.what()));
  }
}

void RetrievalWorker::index(const QStringList& roots) {
  cancel = false;
  try {
    BRIVL_CHECK(embedder_ != nullptr, "no model loaded");
    auto catalog = brivl::Catalog::open(databasePath().toStdString(), true);
    brivl::bind_model(catalog, files_, fingerprint_.toStdString(), embedder_->summary().embedding_dim);
    brivl::IndexOptions options;
    for (const QString& r : roots) options.roots.push_back(r.toStdString());
    brivl::IndexHooks hooks;
    QElapsedTimer sinceReport;
    sinceReport.start();
    hooks.on_progress = [this, &sinceReport](int64_t done, int64_t total) {
      if (done != total && sinceReport.elapsed() < 100) return;  // at most ~10 updates a second
      sinceReport.restart();
      Q_EMIT indexProgress(done, total);
    };
    hooks.should_cancel = [this] { return cancel.load(); };
    Q_EMIT status(tr("Indexing…"));
    const auto r = brivl::update_index(catalog, *embedder_, options, hooks);
    index_.reset();
    IndexSummary s;
    s.found = r.found, s.embedded = r.embedded, s.reused = r.reused, s.unchanged = r.unchanged;
    s.pruned = r.pruned, s.seconds = r.seconds, s.files = catalog.file_count();
    s.skippedFiles = skippedLines(catalog);
    for (const auto& [path, why] : r.scan_problems) s.skippedFiles << text(path) + QStringLiteral(": ") + text(why);
    s.skipped = s.skippedFiles.size();
    Q_EMIT databaseChanged(db_, s.files);
    Q_EMIT indexed(s);
  } catch (const std::exception& e) {
    index_.reset();
    Q_EMIT failed(tr("Indexing failed"), QString::fromUtf8(e.what()));
  }
}

void RetrievalWorker::forget(const QString& folder) {
  try {
    if (files_.checkpoint.empty() || !QFileInfo::exists(databasePath())) return;
    auto catalog = brivl::Catalog::open(databasePath().toStdString(), false);
    catalog.prune({folder.toStdString()}, {});
    index_.reset();
  } catch (const std::exception& e) {
    Q_EMIT failed(tr("Removing the folder failed"), QString::fromUtf8(e.what()));
    return;
  }
  refreshSummary();
}

void RetrievalWorker::search(const QString& query, int top) {
  try {
    BRIVL_CHECK(embedder_ != nullptr, "no model loaded");
    BRIVL_CHECK(openIndex(), "the index is empty: add a folder first");
    const auto vector = embedder_->embed_prompt(query.toStdString());
    const auto result = index_->search_with_cutoff(vector, top);
    SearchOutcome out;
    out.query = query;
    out.cutoff = result.cutoff.score;
    out.cutoffRule = text(result.cutoff.rule);
    out.indexSize = index_->size();
    for (const auto& hit : result.hits) {
      out.results.push_back({text(hit.path), hit.score, hit.score >= result.cutoff.score});
    }
    Q_EMIT searched(out);
  } catch (const std::exception& e) {
    Q_EMIT failed(tr("Search failed"), QString::fromUtf8(e.what()));
  }
}

bool RetrievalWorker::openIndex() {
  if (index_) return true;
  const QString db = databasePath();
  if (!QFileInfo::exists(db)) return false;
  // Streamed from the catalog into the engine the collection's size calls for (exact, or FAISS
  // from faiss_min_size images when built with it); then resident between queries.
  auto catalog = brivl::Catalog::open(db.toStdString(), false);
  auto paths = catalog.indexed_paths();
  if (paths.empty()) return false;
  brivl::VectorIndexOptions options;
  options.faiss_cache_file = db.toStdString() + ".faiss";
  index_ = brivl::make_vector_index(std::move(paths), catalog.vector_dim(), brivl::rows_of(catalog), options);
  return true;
}

void RetrievalWorker::near(const QImage& image, int top, int serial) {
  if (serial != latestNear.load()) return;  // a newer preview is queued behind this one
  try {
    QVector<SearchResult> out;
    if (embedder_ != nullptr && !files_.checkpoint.empty() && openIndex()) {
      const auto embedded = embedder_->embed_decoded({toRgbImage(image)});
      const std::vector<float> vector(embedded.row(0), embedded.row(0) + embedded.cols);
      for (const auto& hit : index_->search(vector, top, -1.0f)) out.push_back({text(hit.path), hit.score, true});
    }
    Q_EMIT nearFound(serial, out);
  } catch (const std::exception& e) {
    Q_EMIT failed(tr("Finding the nearest indexed images failed"), QString::fromUtf8(e.what()));
  }
}

void RetrievalWorker::loadCaptions(const QString& path) {
  cancel = false;
  try {
    BRIVL_CHECK(embedder_ != nullptr, "no model loaded");
    auto list = brivl::read_caption_list(path.toStdString());
    brivl::EmbedHooks hooks;
    hooks.should_cancel = [this] { return cancel.load(); };  // closing the studio does not wait for a long list
    captions_ = std::make_unique<brivl::CaptionRanker>(*embedder_, std::move(list), path.toStdString(), hooks);
    captionsPath_ = path;
    Q_EMIT captionsLoaded(path, static_cast<int>(captions_->size()));
  } catch (const brivl::Cancelled&) {
    captions_.reset(), captionsPath_.clear();
    Q_EMIT captionsFailed(tr("Embedding the captions was stopped."));
  } catch (const std::exception& e) {
    captions_.reset(), captionsPath_.clear();  // no ranking with a list the user no longer sees
    Q_EMIT captionsFailed(QString::fromUtf8(e.what()));
  }
}

void RetrievalWorker::describe(const QString& imagePath, int top, int serial) {
  if (serial != latestDescribe.load()) return;  // a newer request is queued behind this one
  try {
    if (captionsPath_.isEmpty() || embedder_ == nullptr) return;
    if (!captions_) {  // the model changed since the list was embedded
      Q_EMIT status(tr("Embedding the captions for the new model…"));
      captions_ = std::make_unique<brivl::CaptionRanker>(*embedder_, brivl::read_caption_list(captionsPath_.toStdString()),
                                                         captionsPath_.toStdString());
      Q_EMIT captionsLoaded(captionsPath_, static_cast<int>(captions_->size()));
    }
    QVector<CaptionScore> out;
    for (const auto& r : captions_->rank_image(*embedder_, imagePath.toStdString(), top)) {
      out.push_back({text(r.text), r.score});
    }
    Q_EMIT described(imagePath, out);
  } catch (const std::exception& e) {
    Q_EMIT captionsFailed(QString::fromUtf8(e.what()));
  }
}

}  // namespace brivl::ui
