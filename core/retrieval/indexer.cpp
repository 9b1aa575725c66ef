#include "retrieval/indexer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <unordered_set>

#include "retrieval/file_scan.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/ordered_prefetch.h"

namespace brivl {
namespace {

std::string absolute_path(const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); }

// What a decode worker made of one file: the record with its content hash, and the decoded image
// unless the hash already has a vector (renamed, moved or copied file) or the file is broken.
struct Prepared {
  CatalogFile record;
  bool reuse = false;
  RgbImage image;
  std::string error;  // non-empty: broken (unreadable, not an image, too large, ...)
};

Prepared prepare(const ScannedFile& f, const std::unordered_set<std::string>& known_hashes) {
  Prepared out;
  out.record = CatalogFile{f.path, f.size, f.mtime_ns, ""};
  try {
    const auto bytes = read_file(f.path);
    out.record.hash = content_hash_of(bytes);
    out.reuse = known_hashes.count(out.record.hash) > 0;
    if (!out.reuse) out.image = decode_image_bytes(bytes, f.path);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

// Consumes prepared files in scan order on the calling thread (the only one touching SQLite and
// the model): records reuses and skips, embeds new images in batches.
class IndexRun {
 public:
  IndexRun(Catalog& c, Embedder& e, const IndexOptions& o) : catalog_(c), embedder_(e), options_(o) {}

  void take(Prepared p, IndexReport& report) {
    if (!p.error.empty()) {
      catalog_.put_skipped(p.record.path, p.record.size, p.record.mtime_ns, p.error);
      report.new_skips.push_back({p.record.path, p.error});
      ++report.skipped;
      return;
    }
    if (p.reuse || catalog_.has_embedding_for_hash(p.record.hash)) {
      catalog_.put_file(p.record);
      return void(++report.reused);
    }
    if (pending_hashes_.count(p.record.hash)) {  // a second copy of a photo in the pending batch
      waiting_.push_back(p.record);              // linked once the batch's vectors are stored
      return void(++report.reused);
    }
    pending_hashes_.insert(p.record.hash);
    pending_.push_back(std::move(p));
    if (static_cast<int>(pending_.size()) >= options_.embed_batch) flush(report);
  }

  void flush(IndexReport& report) {
    if (!pending_.empty()) {
      std::vector<RgbImage> images;
      for (auto& p : pending_) images.push_back(std::move(p.image));
      const auto vectors = embedder_.embed_decoded(images);
      for (size_t i = 0; i < pending_.size(); ++i) {
        const float* row = vectors.row(static_cast<int64_t>(i));
        catalog_.put_embedding(pending_[i].record.hash, std::vector<float>(row, row + vectors.cols));
        catalog_.put_file(pending_[i].record);
      }
      report.embedded += static_cast<int64_t>(pending_.size());
      pending_.clear();
    }
    for (const auto& record : waiting_) catalog_.put_file(record);
    waiting_.clear();
    pending_hashes_.clear();
  }

 private:
  Catalog& catalog_;
  Embedder& embedder_;
  const IndexOptions& options_;
  std::vector<Prepared> pending_;
  std::vector<CatalogFile> waiting_;
  std::unordered_set<std::string> pending_hashes_;
};

int decode_threads(const IndexOptions& options) {
  if (options.decode_threads > 0) return options.decode_threads;
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
}

}  // namespace

void bind_model(Catalog& catalog, const ModelFiles& files, const std::string& fingerprint, int64_t dim) {
  const auto known = catalog.meta("model.fingerprint");
  if (!known) {
    catalog.set_meta("model.fingerprint", fingerprint);
    catalog.set_meta("model.config", absolute_path(files.config));
    catalog.set_meta("model.checkpoint", absolute_path(files.checkpoint));
    catalog.set_meta("model.vocab", absolute_path(files.vocab));
    catalog.set_meta("model.dim", std::to_string(dim));
    return;
  }
  BRIVL_CHECK(*known == fingerprint, catalog.path(), ": this index was built with another model (",
              catalog.meta("model.checkpoint").value_or("?"), ", ", *known, "); vectors of different models "
              "cannot be mixed: index into a new --db, or delete this one to re-index");
}

ModelFiles catalog_model_files(const Catalog& catalog) {
  const auto config = catalog.meta("model.config"), checkpoint = catalog.meta("model.checkpoint"),
             vocab = catalog.meta("model.vocab");
  BRIVL_CHECK(config && checkpoint && vocab, catalog.path(), ": the index records no model (give --model DIR)");
  return ModelFiles::resolve("", *config, *checkpoint, *vocab);
}

IndexReport update_index(Catalog& catalog, Embedder& embedder, const IndexOptions& options, const IndexHooks& hooks) {
  const auto start = std::chrono::steady_clock::now();
  BRIVL_CHECK(!options.roots.empty(), "index: no folders given");
  BRIVL_CHECK(options.embed_batch >= 1 && options.commit_every >= 1 && options.decode_threads >= 0,
              "index: embed_batch and commit_every must be >= 1, decode_threads >= 0");
  auto scan = scan_images(options.roots);
  IndexReport report;
  report.found = static_cast<int64_t>(scan.files.size());
  report.scan_problems = scan.problems;

  // Unchanged files and files known to be broken are settled from the catalog alone; the rest go
  // to the decode workers.
  std::vector<const ScannedFile*> work;
  for (const auto& f : scan.files) {
    if (!options.rehash) {
      const auto known = catalog.file(f.path);
      if (known && known->size == f.size && known->mtime_ns == f.mtime_ns) {
        ++report.unchanged;
        continue;
      }
      if (catalog.skipped(f.path, f.size, f.mtime_ns)) {
        ++report.skipped;
        continue;
      }
    }
    work.push_back(&f);
  }
  const auto total = static_cast<int64_t>(work.size());
  int64_t done = 0;
  if (hooks.on_progress) hooks.on_progress(done, total);

  const auto hashes = catalog.embedding_hashes();
  const std::unordered_set<std::string> known_hashes(hashes.begin(), hashes.end());
  const int workers = decode_threads(options);
  OrderedPrefetch<Prepared> prefetch(total, workers, 2 * workers + options.embed_batch,
                                     [&](int64_t i) { return prepare(*work[static_cast<size_t>(i)], known_hashes); });
  IndexRun run(catalog, embedder, options);
  catalog.begin();
  int64_t since_commit = 0;
  while (!prefetch.done()) {
    if (hooks.should_cancel && hooks.should_cancel()) {
      run.flush(report);
      catalog.commit();
      throw Cancelled("indexing cancelled (work so far is saved)");
    }
    run.take(prefetch.next(), report);
    if (++since_commit == options.commit_every) {
      since_commit = 0;
      run.flush(report);
      catalog.commit();
      catalog.begin();
    }
    if (hooks.on_progress) hooks.on_progress(++done, total);
  }
  run.flush(report);
  catalog.commit();
  if (options.prune) {
    std::vector<std::string> roots, keep;
    for (const auto& r : options.roots) roots.push_back(absolute_path(r));
    for (const auto& f : scan.files) keep.push_back(f.path);
    report.pruned = catalog.prune(roots, keep);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace brivl
