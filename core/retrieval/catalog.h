#pragma once
// The SQLite catalog of one image index: which files were seen (path, size, mtime, content hash),
// one embedding per distinct content hash, files that could not be embedded, and meta data such as
// the model identity. Embeddings are keyed by content hash so that a renamed or moved file reuses
// its vector instead of being run through the model again.
//
// The database uses WAL journaling, so a search can read while an indexer writes, and an indexer
// that is killed loses at most its open transaction (SQLite never applies an uncommitted WAL
// frame). Schema version is kept in PRAGMA user_version; other versions are refused.
// sqlite3.h stays out of this header (pimpl) so that users of the catalog do not need it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace brivl {

struct CatalogFile {
  std::string path;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string hash;  // content hash; names the row of `embeddings` holding the vector
};

// One indexed file with its vector, for search.
struct CatalogEntry {
  std::string path;
  std::vector<float> vector;
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

class Catalog {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens the database at `db_path`. create=true creates a missing file and the schema; with
  // create=false a missing file throws "<path>: no such index (create it with brivl index)".
  // Throws brivl::Error (naming the path) when the file is not SQLite, not a BriVL index, or has
  // another schema version.
  static Catalog open(const std::string& db_path, bool create);

  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  ~Catalog();  // an open begin() transaction is rolled back

  const std::string& path() const;

  std::optional<std::string> meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);

  // Lookups for incremental indexing.
  std::optional<CatalogFile> file(const std::string& path) const;
  bool has_embedding_for_hash(const std::string& hash) const;
  // Every content hash that has a vector (the indexer's decode workers check it without SQLite).
  std::vector<std::string> embedding_hashes() const;
  // The skip record of `path`, only if it was recorded for the same size and mtime (a changed file
  // is worth another try).
  std::optional<SkippedFile> skipped(const std::string& path, int64_t size, int64_t mtime_ns) const;

  // Writes. Each is atomic on its own (a savepoint) and also nests inside begin()/commit(), which
  // is much faster for many writes.
  // Inserts the vector for `hash` unless that hash is present (then nothing changes). Throws when
  // the vector is empty or its dimension differs from the vectors already stored.
  void put_embedding(const std::string& hash, const std::vector<float>& vector);
  // Inserts or replaces the record of file.path and links it to the embedding of file.hash, which
  // must exist. Removes a skipped record of the same path.
  void put_file(const CatalogFile& file);
  // Inserts or replaces the skip record of `path`. Removes a files record of the same path.
  void put_skipped(const std::string& path, int64_t size, int64_t mtime_ns, const std::string& reason);

  // Removes files and skipped records whose path is not in `keep` and lies under one of `roots`
  // ('/a/b/x' is under '/a/b'; '/a/bc/x' is not). Returns how many records were removed (files and
  // skipped together). Then deletes embeddings that no file references.
  int64_t prune(const std::vector<std::string>& roots, const std::vector<std::string>& keep);

  // Every file with its vector, ordered by path (byte order of the UTF-8). Throws when a stored
  // vector's size does not match its dimension.
  std::vector<CatalogEntry> entries() const;
  // The same rows without holding them all (1M x 2048 float32 would be 8 GB): the paths in
  // entries() order, and the vectors in that order, `chunk_rows` at a time (row-major
  // [count, vector_dim()]). Throws when a stored vector's size is not vector_dim().
  std::vector<std::string> indexed_paths() const;
  void for_each_vector(const std::function<void(const float* rows, int64_t count)>& sink, int64_t chunk_rows = 4096) const;
  int64_t vector_dim() const;  // 0 when there are no vectors
  std::vector<SkippedFile> skipped_files() const;  // ordered by path
  int64_t file_count() const;
  int64_t embedding_count() const;

  // Explicit transaction for batched writes: the indexer commits every N files so that a killed
  // run loses at most one batch.
  void begin();
  void commit();
  void rollback();

  // Result of PRAGMA integrity_check: "ok" for a sound database, else the problems, one a line.
  std::string integrity_check() const;

 private:
  struct Impl;
  explicit Catalog(std::unique_ptr<Impl> impl);
  Impl& impl() const;

  std::unique_ptr<Impl> impl_;
};

}  // namespace brivl
