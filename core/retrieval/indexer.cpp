#include "retrieval/indexer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "retrieval/file_scan.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

struct Pending {
  CatalogFile file;
  RgbImage image;
};

std::string absolute_path(const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); }

class IndexRun {
 public:
  IndexRun(Catalog& c, Embedder& e, const IndexOptions& o) : catalog_(c), embedder_(e), options_(o) {}

  void process(const ScannedFile& f, IndexReport& report) {
    if (!options_.rehash) {
      const auto known = catalog_.file(f.path);
      if (known && known->size == f.size && known->mtime_ns == f.mtime_ns) return void(++report.unchanged);
      if (catalog_.skipped(f.path, f.size, f.mtime_ns)) return void(++report.skipped);  // known broken, unchanged
    }
    CatalogFile record{f.path, f.size, f.mtime_ns, ""};
    std::string bytes;
    try {
      bytes = read_file(f.path);
      record.hash = content_hash_of(bytes);
      if (catalog_.has_embedding_for_hash(record.hash)) {
        catalog_.put_file(record);
        return void(++report.reused);
      }
      pending_.push_back({record, decode_image_bytes(bytes, f.path)});
    } catch (const Error& e) {
      catalog_.put_skipped(f.path, f.size, f.mtime_ns, e.what());
      report.new_skips.push_back({f.path, e.what()});
      ++report.skipped;
      return;
    }
    if (static_cast<int>(pending_.size()) >= options_.embed_batch) flush(report);
  }

  void flush(IndexReport& report) {
    if (pending_.empty()) return;
    std::vector<RgbImage> images;
    for (auto& p : pending_) images.push_back(std::move(p.image));
    const auto vectors = embedder_.embed_decoded(images);
    for (size_t i = 0; i < pending_.size(); ++i) {
      catalog_.put_embedding(pending_[i].file.hash,
                             std::vector<float>(vectors.row(static_cast<int64_t>(i)), vectors.row(static_cast<int64_t>(i)) + vectors.cols));
      catalog_.put_file(pending_[i].file);
    }
    report.embedded += static_cast<int64_t>(pending_.size());
    pending_.clear();
  }

 private:
  Catalog& catalog_;
  Embedder& embedder_;
  const IndexOptions& options_;
  std::vector<Pending> pending_;
};

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
  auto scan = scan_images(options.roots);
  IndexReport report;
  report.found = static_cast<int64_t>(scan.files.size());
  report.scan_problems = scan.problems;
  IndexRun run(catalog, embedder, options);
  catalog.begin();
  int64_t done = 0;
  for (const auto& f : scan.files) {
    if (hooks.should_cancel && hooks.should_cancel()) {
      run.flush(report);
      catalog.commit();
      throw Cancelled("indexing cancelled (work so far is saved)");
    }
    run.process(f, report);
    if (++done % options.commit_every == 0) {
      run.flush(report);
      catalog.commit();
      catalog.begin();
    }
    if (hooks.on_progress) hooks.on_progress(done, report.found);
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
