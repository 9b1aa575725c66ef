#include "retrieval/catalog.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <unordered_set>
#include <utility>

#include "util/error.h"

namespace brivl {
namespace {

static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4, "vectors are stored as IEEE float32");

// Vectors are written byte by byte as little-endian so that an index stays readable on any host.
std::string encode_vector(const std::vector<float>& vector) {
  std::string bytes(vector.size() * 4, '\0');
  for (size_t i = 0; i < vector.size(); ++i) {
    uint32_t bits = 0;
    std::memcpy(&bits, &vector[i], 4);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xFFu);
  }
  return bytes;
}

std::vector<float> decode_vector(const unsigned char* bytes, size_t count) {
  std::vector<float> vector(count);
  for (size_t i = 0; i < count; ++i) {
    uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(bytes[i * 4 + b]) << (8 * b);
    std::memcpy(&vector[i], &bits, 4);
  }
  return vector;
}

// A stored dimension is checked before anything is sized by it: a damaged file declaring 10^11
// values per vector made for_each_vector reserve 6.6 TB (found by fuzz/fuzz_catalog).
constexpr int64_t kMaxVectorDim = int64_t{1} << 16;  // BriVL's widest embedding is 2,048

void check_vector_dim(int64_t dim, const std::string& db) {
  BRIVL_CHECK(dim > 0 && dim <= kMaxVectorDim, db, ": corrupt index: an embedding declares ", dim,
              " values (expected 1 to ", kMaxVectorDim, ")");
}

// True when `path` is `root` or lies below it; the character after the prefix must be a separator
// so that '/a/bc' is not under '/a/b'.
bool is_under(const std::string& path, std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root == "/") return !path.empty() && path[0] == '/';
  if (path.compare(0, root.size(), root) != 0) return false;
  return path.size() == root.size() || path[root.size()] == '/';
}

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE embeddings(id INTEGER PRIMARY KEY, hash TEXT UNIQUE NOT NULL, dim INTEGER NOT NULL,
                        vector BLOB NOT NULL);
CREATE TABLE files(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, size INTEGER, mtime_ns INTEGER,
                   hash TEXT, embedding_id INTEGER REFERENCES embeddings(id));
-- Lets the orphan sweep and the foreign-key check find the files of an embedding without a scan.
CREATE INDEX files_embedding ON files(embedding_id);
CREATE TABLE skipped(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, reason TEXT);
)sql";

// The connection and the path its errors name. Catalog::Impl is this; it is a separate type so that
// the helpers below, outside Catalog, may use it.
struct Connection {
  std::string path;
  sqlite3* db = nullptr;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    // close_v2 rolls back a transaction left open by begin().
    if (db != nullptr) sqlite3_close_v2(db);
  }

  // SQLite's message says "disk I/O error" for a full disk and a failing one alike: the system's
  // error (No space left on device, File too large, Read-only file system) says which. SQLite keeps
  // it per file and reports the main file's, so a failed write to the WAL reads as 0: then the
  // errno the failing call left (fail() runs right after it) is the reason.
  [[noreturn]] void fail(const std::string& what) const {
    const int last_errno = errno;
    if (db == nullptr) BRIVL_FAIL(path, ": ", what, ": out of memory");
    const int code = sqlite3_errcode(db) & 0xff;
    const int system = sqlite3_system_errno(db) != 0 ? sqlite3_system_errno(db) : last_errno;
    const bool io = code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN || code == SQLITE_READONLY;
    if (io && system != 0) BRIVL_FAIL(path, ": ", what, ": ", sqlite3_errmsg(db), " (", std::strerror(system), ")");
    BRIVL_FAIL(path, ": ", what, ": ", sqlite3_errmsg(db));
  }

  void exec(const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(std::string("cannot run ") + sql);
  }
};

// A prepared statement bound to the catalog's connection; errors name the database.
class Statement {
 public:
  Statement(const Connection& impl, const char* sql) : impl_(impl) {
    if (sqlite3_prepare_v2(impl.db, sql, -1, &stmt_, nullptr) != SQLITE_OK) impl.fail("cannot prepare statement");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind(int index, const std::string& text) {
    check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind_blob(int index, const std::string& bytes) {
    check(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
    return *this;
  }

  // Advances to the next row; false once the statement is done.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    impl_.fail(std::string("cannot run ") + sqlite3_sql(stmt_));
  }
  void run() {
    while (step()) {
    }
  }
  // Ready for the next set of bindings.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return data ? std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  // The column as float32 values, checked against the stored dimension.
  std::vector<float> vector(int blob_col, int dim_col, const std::string& what) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, blob_col));
    int64_t bytes = sqlite3_column_bytes(stmt_, blob_col);
    int64_t dim = int64(dim_col);
    check_vector_dim(dim, impl_.path);
    BRIVL_CHECK(bytes == 4 * dim, impl_.path, ": corrupt index: the vector of ", what, " has ", bytes,
                " bytes for dimension ", dim, " (expected ", 4 * dim, ")");
    return decode_vector(data, static_cast<size_t>(dim));
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) impl_.fail("cannot bind a statement parameter");
  }

  const Connection& impl_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Makes one public write atomic. A savepoint rather than BEGIN so that it nests inside a
// transaction opened by Catalog::begin(): a failed write then undoes only itself.
class Savepoint {
 public:
  explicit Savepoint(Connection& impl) : impl_(impl) { impl_.exec("SAVEPOINT catalog_write"); }
  ~Savepoint() {
    if (!released_) {
      // Errors are ignored: this runs while an exception is already on its way out.
      sqlite3_exec(impl_.db, "ROLLBACK TO catalog_write; RELEASE catalog_write", nullptr, nullptr, nullptr);
    }
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;

  void release() {
    impl_.exec("RELEASE catalog_write");
    released_ = true;
  }

 private:
  Connection& impl_;
  bool released_ = false;
};

int64_t query_int64(const Connection& impl, const char* sql) {
  Statement stmt(impl, sql);
  BRIVL_CHECK(stmt.step(), impl.path, ": no result from ", sql);
  return stmt.int64(0);
}

// Creates the schema on an empty database, or checks the version of an existing one.
void prepare_schema(Connection& impl, bool create) {
  if (query_int64(impl, "PRAGMA user_version") == 0) {
    // Checked again under the write lock so that two processes creating one index do not race.
    impl.exec("BEGIN IMMEDIATE");
    try {
      bool empty = query_int64(impl, "SELECT count(*) FROM sqlite_schema") == 0;
      if (query_int64(impl, "PRAGMA user_version") == 0) {
        BRIVL_CHECK(empty, impl.path, ": not a BriVL index (an SQLite database without a schema version)");
        BRIVL_CHECK(create, impl.path, ": no such index (create it with brivl index)");
        impl.exec(kSchema);
        impl.exec(("PRAGMA user_version = " + std::to_string(Catalog::kSchemaVersion)).c_str());
      }
      impl.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(impl.db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  int64_t version = query_int64(impl, "PRAGMA user_version");
  BRIVL_CHECK(version == Catalog::kSchemaVersion, impl.path, ": index schema version ", version,
              ", this build reads version ", Catalog::kSchemaVersion, " (rebuild the index with brivl index)");
}

}  // namespace

struct Catalog::Impl : Connection {};

Catalog Catalog::open(const std::string& db_path, bool create) {
  BRIVL_CHECK(create || std::filesystem::exists(db_path), db_path, ": no such index (create it with brivl index)");
  auto impl = std::make_unique<Impl>();
  impl->path = db_path;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(db_path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK) impl->fail("cannot open index");
  sqlite3_extended_result_codes(impl->db, 1);
  // A search may open the index while an indexer holds the write lock for a moment: wait, not fail.
  sqlite3_busy_timeout(impl->db, 5000);
  // The first statement reads the header, so a file that is not SQLite fails here.
  if (sqlite3_exec(impl->db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const int code = sqlite3_errcode(impl->db) & 0xff;
    impl->fail(code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? "not a BriVL index" : "cannot read the index");
  }
  impl->exec("PRAGMA foreign_keys = ON");
  // WAL keeps the file sound when an indexer is killed and lets readers run beside the writer. If
  // the file system cannot do WAL the default rollback journal is still crash-safe, so carry on.
  Statement(*impl, "PRAGMA journal_mode = WAL").run();
  prepare_schema(*impl, create);
  return Catalog(std::move(impl));
}

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

Catalog::Impl& Catalog::impl() const {
  BRIVL_CHECK(impl_ != nullptr, "use of a moved-from Catalog");
  return *impl_;
}

const std::string& Catalog::path() const { return impl().path; }

std::optional<std::string> Catalog::meta(const std::string& key) const {
  Statement stmt(impl(), "SELECT value FROM meta WHERE key = ?");
  stmt.bind(1, key);
  if (!stmt.step()) return std::nullopt;
  return stmt.text(0);
}

void Catalog::set_meta(const std::string& key, const std::string& value) {
  Statement stmt(impl(), "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  stmt.bind(1, key).bind(2, value).run();
}

std::optional<CatalogFile> Catalog::file(const std::string& path) const {
  Statement stmt(impl(), "SELECT path, size, mtime_ns, hash FROM files WHERE path = ?");
  stmt.bind(1, path);
  if (!stmt.step()) return std::nullopt;
  return CatalogFile{stmt.text(0), stmt.int64(1), stmt.int64(2), stmt.text(3)};
}

bool Catalog::has_embedding_for_hash(const std::string& hash) const {
  Statement stmt(impl(), "SELECT 1 FROM embeddings WHERE hash = ?");
  stmt.bind(1, hash);
  return stmt.step();
}

std::vector<std::string> Catalog::embedding_hashes() const {
  Statement stmt(impl(), "SELECT hash FROM embeddings");
  std::vector<std::string> out;
  while (stmt.step()) out.push_back(stmt.text(0));
  return out;
}

std::optional<SkippedFile> Catalog::skipped(const std::string& path, int64_t size, int64_t mtime_ns) const {
  Statement stmt(impl(), "SELECT path, reason FROM skipped WHERE path = ? AND size = ? AND mtime_ns = ?");
  stmt.bind(1, path).bind(2, size).bind(3, mtime_ns);
  if (!stmt.step()) return std::nullopt;
  return SkippedFile{stmt.text(0), stmt.text(1)};
}

void Catalog::put_embedding(const std::string& hash, const std::vector<float>& vector) {
  Impl& db = impl();
  BRIVL_CHECK(!vector.empty(), db.path, ": empty embedding for ", hash);
  Savepoint savepoint(db);
  Statement held(db, "SELECT dim FROM embeddings LIMIT 1");
  if (held.step()) {
    // Vectors of different models cannot be compared, so one index holds one dimension.
    BRIVL_CHECK(held.int64(0) == static_cast<int64_t>(vector.size()), db.path, ": embedding for ", hash,
                " has dimension ", vector.size(), ", the index holds ", held.int64(0),
                " (was it built with another model?)");
  }
  Statement insert(db, "INSERT OR IGNORE INTO embeddings(hash, dim, vector) VALUES(?, ?, ?)");
  insert.bind(1, hash).bind(2, static_cast<int64_t>(vector.size())).bind_blob(3, encode_vector(vector)).run();
  savepoint.release();
}

void Catalog::put_file(const CatalogFile& file) {
  Impl& db = impl();
  Savepoint savepoint(db);
  Statement find(db, "SELECT id FROM embeddings WHERE hash = ?");
  find.bind(1, file.hash);
  BRIVL_CHECK(find.step(), db.path, ": no embedding for hash '", file.hash, "' of ", file.path,
              " (put_embedding must come first)");
  int64_t embedding_id = find.int64(0);
  Statement upsert(db,
                   "INSERT INTO files(path, size, mtime_ns, hash, embedding_id) VALUES(?, ?, ?, ?, ?) "
                   "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                   "hash = excluded.hash, embedding_id = excluded.embedding_id");
  upsert.bind(1, file.path).bind(2, file.size).bind(3, file.mtime_ns).bind(4, file.hash).bind(5, embedding_id).run();
  Statement(db, "DELETE FROM skipped WHERE path = ?").bind(1, file.path).run();
  savepoint.release();
}

void Catalog::put_skipped(const std::string& path, int64_t size, int64_t mtime_ns, const std::string& reason) {
  Impl& db = impl();
  Savepoint savepoint(db);
  Statement upsert(db,
                   "INSERT INTO skipped(path, size, mtime_ns, reason) VALUES(?, ?, ?, ?) "
                   "ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, "
                   "reason = excluded.reason");
  upsert.bind(1, path).bind(2, size).bind(3, mtime_ns).bind(4, reason).run();
  Statement(db, "DELETE FROM files WHERE path = ?").bind(1, path).run();
  savepoint.release();
}

int64_t Catalog::prune(const std::vector<std::string>& roots, const std::vector<std::string>& keep) {
  Impl& db = impl();
  const std::unordered_set<std::string> kept(keep.begin(), keep.end());
  auto stale = [&](const std::string& path) {
    if (kept.count(path) != 0) return false;
    for (const std::string& root : roots) {
      if (is_under(path, root)) return true;
    }
    return false;
  };
  Savepoint savepoint(db);
  int64_t removed = 0;
  for (const char* table : {"files", "skipped"}) {
    // Paths are collected first: deleting rows while stepping over the same table is not allowed.
    std::vector<std::string> doomed;
    Statement list(db, (std::string("SELECT path FROM ") + table).c_str());
    while (list.step()) {
      std::string path = list.text(0);
      if (stale(path)) doomed.push_back(std::move(path));
    }
    Statement remove(db, (std::string("DELETE FROM ") + table + " WHERE path = ?").c_str());
    for (const std::string& path : doomed) {
      remove.bind(1, path).run();
      remove.reset();
    }
    removed += static_cast<int64_t>(doomed.size());
  }
  // IS NOT NULL matters: NOT IN over a list holding NULL is never true.
  db.exec("DELETE FROM embeddings WHERE id NOT IN (SELECT embedding_id FROM files WHERE embedding_id IS NOT NULL)");
  savepoint.release();
  return removed;
}

std::vector<CatalogEntry> Catalog::entries() const {
  Statement stmt(impl(),
                 "SELECT f.path, e.hash, e.dim, e.vector FROM files f JOIN embeddings e ON e.id = f.embedding_id "
                 "ORDER BY f.path");
  std::vector<CatalogEntry> out;
  while (stmt.step()) {
    CatalogEntry entry;
    entry.path = stmt.text(0);
    entry.vector = stmt.vector(3, 2, "hash " + stmt.text(1) + " (file " + entry.path + ")");
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<std::string> Catalog::indexed_paths() const {
  Statement stmt(impl(), "SELECT f.path FROM files f JOIN embeddings e ON e.id = f.embedding_id ORDER BY f.path");
  std::vector<std::string> out;
  while (stmt.step()) out.push_back(stmt.text(0));
  return out;
}

int64_t Catalog::vector_dim() const {
  Statement stmt(impl(), "SELECT dim FROM embeddings LIMIT 1");
  if (!stmt.step()) return 0;
  const int64_t dim = stmt.int64(0);
  check_vector_dim(dim, path());  // callers size buffers by it
  return dim;
}

void Catalog::for_each_vector(const std::function<void(const float*, int64_t)>& sink, int64_t chunk_rows) const {
  const int64_t dim = vector_dim();
  Statement stmt(impl(),
                 "SELECT f.path, e.hash, e.dim, e.vector FROM files f JOIN embeddings e ON e.id = f.embedding_id "
                 "ORDER BY f.path");
  std::vector<float> chunk;
  chunk.reserve(static_cast<size_t>(std::max<int64_t>(1, chunk_rows) * dim));
  int64_t rows = 0;
  while (stmt.step()) {
    const auto v = stmt.vector(3, 2, "hash " + stmt.text(1) + " (file " + stmt.text(0) + ")");
    BRIVL_CHECK(static_cast<int64_t>(v.size()) == dim, path(), ": the vector of ", stmt.text(0), " has ", v.size(),
                " values, the index's others ", dim);
    chunk.insert(chunk.end(), v.begin(), v.end());
    if (++rows == chunk_rows) {
      sink(chunk.data(), rows);
      chunk.clear();
      rows = 0;
    }
  }
  if (rows > 0) sink(chunk.data(), rows);
}

std::vector<SkippedFile> Catalog::skipped_files() const {
  Statement stmt(impl(), "SELECT path, reason FROM skipped ORDER BY path");
  std::vector<SkippedFile> out;
  while (stmt.step()) out.push_back(SkippedFile{stmt.text(0), stmt.text(1)});
  return out;
}

int64_t Catalog::file_count() const { return query_int64(impl(), "SELECT count(*) FROM files"); }
int64_t Catalog::embedding_count() const { return query_int64(impl(), "SELECT count(*) FROM embeddings"); }

// IMMEDIATE takes the write lock now, so a second writer waits here (busy timeout) instead of
// failing halfway through a batch.
void Catalog::begin() { impl().exec("BEGIN IMMEDIATE"); }
void Catalog::commit() { impl().exec("COMMIT"); }
void Catalog::rollback() { impl().exec("ROLLBACK"); }

std::string Catalog::integrity_check() const {
  Statement stmt(impl(), "PRAGMA integrity_check");
  std::string out;
  while (stmt.step()) {
    if (!out.empty()) out += '\n';
    out += stmt.text(0);
  }
  return out;
}

}  // namespace brivl
