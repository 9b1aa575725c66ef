#pragma once
// Incremental indexing of image folders into a Catalog: unchanged files are skipped, changed ones
// re-embedded, renamed/moved ones reuse their vector by content hash, deleted ones pruned, broken
// ones recorded with the reason. Work is committed in batches: a killed run loses at most one
// batch and the next run resumes.
#include <functional>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "retrieval/catalog.h"

namespace brivl {

struct IndexOptions {
  std::vector<std::string> roots;  // folders or files
  bool prune = true;               // forget files under the roots that are gone
  bool rehash = false;             // re-read every file even if size and mtime are unchanged
  int commit_every = 64;           // files per transaction
  int embed_batch = 8;             // decoded images held before they are embedded
  // Threads that read, hash and decode files ahead of the model (results are taken in scan order,
  // so the catalog is the same for any count). 0 = one per core, at most 8.
  int decode_threads = 0;
};

struct IndexReport {
  int64_t found = 0, unchanged = 0, embedded = 0, reused = 0, skipped = 0, pruned = 0;
  std::vector<SkippedFile> new_skips;  // broken files found in this run (path, reason)
  std::vector<std::pair<std::string, std::string>> scan_problems;
  double seconds = 0;
};

struct IndexHooks {
  // Over the files that need reading (new, changed, --rehash): unchanged ones cost nothing and
  // would make a rate or an ETA meaningless. Called once with (0, total) before the first.
  std::function<void(int64_t done, int64_t total)> on_progress;
  std::function<bool()> should_cancel;  // stops after committing the work done so far
};

// Records the model in the catalog on first use; refuses a catalog built with another model.
void bind_model(Catalog& catalog, const ModelFiles& files, const std::string& fingerprint, int64_t dim);
// The model bundle a catalog was built with (for commands given only --db).
ModelFiles catalog_model_files(const Catalog& catalog);

IndexReport update_index(Catalog& catalog, Embedder& embedder, const IndexOptions& options, const IndexHooks& hooks = {});

}  // namespace brivl
