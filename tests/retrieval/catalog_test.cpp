// Tests for the SQLite catalog of an image index (core/retrieval/catalog.h).
#include "retrieval/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace brivl {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

// A vector whose values depend on `seed`, so mixed-up vectors show up.
std::vector<float> make_vector(int dim, float seed) {
  std::vector<float> v(static_cast<size_t>(dim));
  for (int i = 0; i < dim; ++i) v[static_cast<size_t>(i)] = seed + 0.25f * static_cast<float>(i) - 1.5f;
  return v;
}

// Runs SQL on the file directly, bypassing Catalog (to build broken or foreign databases).
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// Adds the embedding and the file record of one image.
void add_image(Catalog& catalog, const std::string& path, const std::string& hash, float seed, int dim = 4) {
  catalog.put_embedding(hash, make_vector(dim, seed));
  catalog.put_file(CatalogFile{path, 100, 1700000000000000000, hash});
}

std::vector<std::string> paths_of(const std::vector<CatalogEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.path);
  return out;
}

// Streaming reads (for million-image indexes) hand out exactly entries(), in its order, in chunks.
TEST(Catalog, StreamedVectorsAreTheEntriesInOrder) {
  test::TempDir dir;
  auto catalog = Catalog::open(dir.file("index.db"), true);
  EXPECT_EQ(catalog.vector_dim(), 0);
  for (int i = 0; i < 7; ++i) {
    // Insertion order differs from path order; two files share one vector.
    add_image(catalog, "/photos/" + std::to_string((i * 5) % 7) + ".jpg", "h" + std::to_string(i % 6), 1.0f + i);
  }
  const auto entries = catalog.entries();
  EXPECT_EQ(catalog.indexed_paths(), paths_of(entries));
  EXPECT_EQ(catalog.vector_dim(), 4);
  std::vector<float> streamed;
  std::vector<int64_t> chunks;
  catalog.for_each_vector([&](const float* rows, int64_t count) {
    streamed.insert(streamed.end(), rows, rows + count * 4);
    chunks.push_back(count);
  }, 3);
  EXPECT_EQ(chunks, (std::vector<int64_t>{3, 3, 1}));
  std::vector<float> expected;
  for (const auto& e : entries) expected.insert(expected.end(), e.vector.begin(), e.vector.end());
  EXPECT_EQ(streamed, expected);
}

TEST(Catalog, CreateAndReopenKeepsDataAndMeta) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  {
    Catalog catalog = Catalog::open(db, true);
    EXPECT_EQ(catalog.path(), db);
    EXPECT_EQ(catalog.meta("model"), std::nullopt);
    catalog.set_meta("model", "brivl-official-tiny");
    catalog.set_meta("model", "brivl-official");  // upsert
    add_image(catalog, "/photos/a.jpg", "h1", 1.0f);
    catalog.put_skipped("/photos/broken.jpg", 7, 8, "truncated JPEG");
  }
  Catalog catalog = Catalog::open(db, false);
  EXPECT_EQ(catalog.meta("model"), "brivl-official");
  EXPECT_EQ(catalog.file_count(), 1);
  EXPECT_EQ(catalog.embedding_count(), 1);
  auto file = catalog.file("/photos/a.jpg");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->path, "/photos/a.jpg");
  EXPECT_EQ(file->size, 100);
  EXPECT_EQ(file->mtime_ns, 1700000000000000000);
  EXPECT_EQ(file->hash, "h1");
  EXPECT_FALSE(catalog.file("/photos/b.jpg").has_value());
  EXPECT_TRUE(catalog.has_embedding_for_hash("h1"));
  EXPECT_FALSE(catalog.has_embedding_for_hash("h2"));
  EXPECT_THAT(catalog.skipped_files(), ElementsAre(Field(&SkippedFile::reason, "truncated JPEG")));
  EXPECT_EQ(catalog.integrity_check(), "ok");
}

TEST(Catalog, UsesWalAndSchemaVersionOne) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  { Catalog::open(db, true); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST(Catalog, OpenMissingWithoutCreateNamesThePath) {
  test::TempDir dir;
  const std::string db = dir.file("nothing here.db");
  EXPECT_BRIVL_ERROR(Catalog::open(db, false), db, "no such index (create it with brivl index)");
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(Catalog, RejectsANonSqliteFile) {
  test::TempDir dir;
  const std::string db = dir.file("notes.db");
  test::write_bytes(db, std::string("this is a text file, not a database, padded out a little further\n") +
                            std::string(600, 'x'));
  EXPECT_BRIVL_ERROR(Catalog::open(db, false), db, "not a BriVL index", "file is not a database");
  EXPECT_BRIVL_ERROR(Catalog::open(db, true), db, "not a BriVL index");
}

TEST(Catalog, RejectsAnotherSchemaVersion) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  { Catalog::open(db, true); }
  raw_exec(db, "PRAGMA user_version = 2");
  EXPECT_BRIVL_ERROR(Catalog::open(db, false), db, "schema version 2", "reads version 1");
  EXPECT_BRIVL_ERROR(Catalog::open(db, true), db, "schema version 2");
}

TEST(Catalog, RejectsAForeignSqliteDatabase) {
  test::TempDir dir;
  const std::string db = dir.file("other.db");
  raw_exec(db, "CREATE TABLE songs(title TEXT)");
  EXPECT_BRIVL_ERROR(Catalog::open(db, true), db, "not a BriVL index");
}

TEST(Catalog, PutFileRequiresTheEmbedding) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  EXPECT_BRIVL_ERROR(catalog.put_file(CatalogFile{"/p/a.jpg", 1, 2, "missing"}), dir.file("index.db"),
                     "no embedding for hash 'missing'", "/p/a.jpg");
  EXPECT_EQ(catalog.file_count(), 0);
}

TEST(Catalog, RenamedFileReusesTheEmbedding) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  add_image(catalog, "/p/old.jpg", "same", 3.0f);
  // The indexer sees a new path with a known hash: no new embedding is needed.
  ASSERT_TRUE(catalog.has_embedding_for_hash("same"));
  catalog.put_file(CatalogFile{"/p/new.jpg", 100, 5, "same"});
  catalog.put_embedding("same", make_vector(4, 9.0f));  // ignored: the hash is present
  EXPECT_EQ(catalog.embedding_count(), 1);
  auto entries = catalog.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "/p/new.jpg");
  EXPECT_EQ(entries[1].path, "/p/old.jpg");
  EXPECT_EQ(entries[0].vector, make_vector(4, 3.0f));
  EXPECT_EQ(entries[1].vector, make_vector(4, 3.0f));

  EXPECT_EQ(catalog.prune({"/p"}, {"/p/new.jpg"}), 1);
  EXPECT_THAT(paths_of(catalog.entries()), ElementsAre("/p/new.jpg"));
  EXPECT_EQ(catalog.embedding_count(), 1);
}

TEST(Catalog, SkippedAndFilesReplaceEachOther) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  catalog.put_skipped("/p/a.jpg", 10, 20, "cannot decode");
  EXPECT_EQ(catalog.skipped_files().size(), 1u);
  // The file was fixed and embedded.
  add_image(catalog, "/p/a.jpg", "h", 1.0f);
  EXPECT_THAT(catalog.skipped_files(), IsEmpty());
  EXPECT_EQ(catalog.file_count(), 1);
  // Then it broke again.
  catalog.put_skipped("/p/a.jpg", 11, 21, "truncated");
  EXPECT_EQ(catalog.file_count(), 0);
  EXPECT_FALSE(catalog.file("/p/a.jpg").has_value());
  ASSERT_EQ(catalog.skipped_files().size(), 1u);
  EXPECT_EQ(catalog.skipped_files()[0].reason, "truncated");
}

TEST(Catalog, SkippedMatchesOnlyTheSameSizeAndMtime) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  catalog.put_skipped("/p/a.jpg", 10, 20, "cannot decode");
  auto hit = catalog.skipped("/p/a.jpg", 10, 20);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->path, "/p/a.jpg");
  EXPECT_EQ(hit->reason, "cannot decode");
  EXPECT_FALSE(catalog.skipped("/p/a.jpg", 11, 20).has_value());
  EXPECT_FALSE(catalog.skipped("/p/a.jpg", 10, 21).has_value());
  EXPECT_FALSE(catalog.skipped("/p/b.jpg", 10, 20).has_value());
  catalog.put_skipped("/p/a.jpg", 11, 20, "still broken");  // upsert
  EXPECT_FALSE(catalog.skipped("/p/a.jpg", 10, 20).has_value());
  EXPECT_EQ(catalog.skipped("/p/a.jpg", 11, 20)->reason, "still broken");
}

TEST(Catalog, PruneRemovesOnlyUnderRootsAndDropsOrphans) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  add_image(catalog, "/a/b/keep.jpg", "h1", 1.0f);
  add_image(catalog, "/a/b/gone.jpg", "h2", 2.0f);
  add_image(catalog, "/a/b/sub/gone.jpg", "h3", 3.0f);
  add_image(catalog, "/a/bc/x.jpg", "h4", 4.0f);  // not under /a/b
  add_image(catalog, "/other/y.jpg", "h5", 5.0f);
  catalog.put_skipped("/a/b/broken.jpg", 1, 1, "bad");
  catalog.put_skipped("/a/bc/broken.jpg", 1, 1, "bad");

  EXPECT_EQ(catalog.prune({"/a/b/"}, {"/a/b/keep.jpg"}), 3);
  EXPECT_THAT(paths_of(catalog.entries()), ElementsAre("/a/b/keep.jpg", "/a/bc/x.jpg", "/other/y.jpg"));
  EXPECT_THAT(catalog.skipped_files(), ElementsAre(Field(&SkippedFile::path, "/a/bc/broken.jpg")));
  EXPECT_EQ(catalog.embedding_count(), 3);
  EXPECT_FALSE(catalog.has_embedding_for_hash("h2"));
  EXPECT_FALSE(catalog.has_embedding_for_hash("h3"));
  EXPECT_EQ(catalog.integrity_check(), "ok");

  // A root with no kept paths empties it; other roots stay.
  EXPECT_EQ(catalog.prune({"/a/bc", "/nowhere"}, {}), 2);
  EXPECT_THAT(paths_of(catalog.entries()), ElementsAre("/a/b/keep.jpg", "/other/y.jpg"));
  EXPECT_EQ(catalog.embedding_count(), 2);
}

TEST(Catalog, PruneDropsEmbeddingsOrphanedByPutSkipped) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  add_image(catalog, "/p/a.jpg", "h", 1.0f);
  catalog.put_skipped("/p/a.jpg", 1, 1, "unreadable now");
  EXPECT_EQ(catalog.embedding_count(), 1);
  EXPECT_EQ(catalog.prune({"/p"}, {"/p/a.jpg"}), 0);
  EXPECT_EQ(catalog.embedding_count(), 0);
  EXPECT_EQ(catalog.skipped_files().size(), 1u);
}

TEST(Catalog, RejectsAnotherDimension) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  {
    Catalog catalog = Catalog::open(db, true);
    catalog.put_embedding("a", make_vector(2048, 1.0f));
  }
  Catalog catalog = Catalog::open(db, false);
  EXPECT_BRIVL_ERROR(catalog.put_embedding("b", make_vector(128, 1.0f)), db, "dimension 128, the index holds 2048");
  EXPECT_BRIVL_ERROR(catalog.put_embedding("c", {}), db, "empty embedding");
  EXPECT_EQ(catalog.embedding_count(), 1);
  catalog.put_embedding("d", make_vector(2048, 2.0f));
  EXPECT_EQ(catalog.embedding_count(), 2);
}

TEST(Catalog, CorruptVectorIsAnErrorNamingTheDb) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  {
    Catalog catalog = Catalog::open(db, true);
    add_image(catalog, "/p/a.jpg", "h", 1.0f);
  }
  raw_exec(db, "UPDATE embeddings SET dim = 5");
  Catalog catalog = Catalog::open(db, false);
  EXPECT_BRIVL_ERROR(catalog.entries(), db, "corrupt index", "/p/a.jpg", "16 bytes for dimension 5");
}

// Found by fuzz/fuzz_catalog: a damaged file declaring 10^11 values per vector made
// for_each_vector reserve 6.6 TB before reading a row; a dimension is checked before use.
TEST(Catalog, ADeclaredDimensionBeyondAnyEmbeddingIsAnErrorBeforeAnythingIsSizedByIt) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  {
    Catalog catalog = Catalog::open(db, true);
    add_image(catalog, "/p/a.jpg", "h", 1.0f);
  }
  raw_exec(db, "UPDATE embeddings SET dim = 104857600000");
  Catalog catalog = Catalog::open(db, false);
  EXPECT_BRIVL_ERROR(catalog.vector_dim(), db, "corrupt index", "104857600000 values");
  EXPECT_BRIVL_ERROR(catalog.for_each_vector([](const float*, int64_t) {}, 1024), db, "104857600000 values");
  EXPECT_BRIVL_ERROR(catalog.entries(), db, "104857600000 values");
  raw_exec(db, "UPDATE embeddings SET dim = -4");
  EXPECT_BRIVL_ERROR(catalog.entries(), db, "-4 values");
}

TEST(Catalog, RollbackLeavesNoRows) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  catalog.begin();
  add_image(catalog, "/p/a.jpg", "h1", 1.0f);
  catalog.put_skipped("/p/b.jpg", 1, 1, "bad");
  catalog.set_meta("k", "v");
  EXPECT_EQ(catalog.file_count(), 1);
  catalog.rollback();
  EXPECT_EQ(catalog.file_count(), 0);
  EXPECT_EQ(catalog.embedding_count(), 0);
  EXPECT_THAT(catalog.skipped_files(), IsEmpty());
  EXPECT_EQ(catalog.meta("k"), std::nullopt);
}

TEST(Catalog, FailedWriteInsideATransactionUndoesOnlyItself) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  catalog.begin();
  add_image(catalog, "/p/a.jpg", "h1", 1.0f);
  EXPECT_BRIVL_ERROR(catalog.put_file(CatalogFile{"/p/b.jpg", 1, 1, "nope"}), "no embedding");
  catalog.commit();
  EXPECT_THAT(paths_of(catalog.entries()), ElementsAre("/p/a.jpg"));
  EXPECT_BRIVL_ERROR(catalog.commit(), dir.file("index.db"), "no transaction is active");
}

TEST(Catalog, UnicodeAndSpacePathsRoundTrip) {
  test::TempDir dir;
  const std::string db = dir.file("索引 目录.db");
  const std::string chinese = "/相册/长城 日出.jpg";
  const std::string spaced = "/my photos/summer trip/IMG 0001.JPG";
  {
    Catalog catalog = Catalog::open(db, true);
    add_image(catalog, chinese, "哈希", 1.0f);
    add_image(catalog, spaced, "h2", 2.0f);
    catalog.put_skipped("/相册/坏 图.png", 3, 4, "无法解码");
    catalog.set_meta("提示", "一只猫");
  }
  Catalog catalog = Catalog::open(db, false);
  ASSERT_TRUE(catalog.file(chinese).has_value());
  EXPECT_EQ(catalog.file(chinese)->hash, "哈希");
  EXPECT_EQ(catalog.file(spaced)->path, spaced);
  EXPECT_EQ(catalog.skipped("/相册/坏 图.png", 3, 4)->reason, "无法解码");
  EXPECT_EQ(catalog.meta("提示"), "一只猫");
  // Byte order of UTF-8: '/m' sorts before '/\xe7'.
  EXPECT_THAT(paths_of(catalog.entries()), ElementsAre(spaced, chinese));
  EXPECT_EQ(catalog.prune({"/相册"}, {}), 2);
  EXPECT_THAT(paths_of(catalog.entries()), ElementsAre(spaced));
}

TEST(Catalog, EntriesAreOrderedByPathWithVectorsIntact) {
  test::TempDir dir;
  Catalog catalog = Catalog::open(dir.file("index.db"), true);
  const std::vector<float> special = {0.0f, -0.0f, 1e-38f, -3.4e38f, 0.1f, 123456.789f};
  catalog.put_embedding("special", special);
  catalog.put_file(CatalogFile{"/z/last.jpg", 1, 1, "special"});
  catalog.put_embedding("other", make_vector(6, 7.0f));
  catalog.put_file(CatalogFile{"/a/first.jpg", 1, 1, "other"});
  catalog.put_file(CatalogFile{"/m/middle.jpg", 1, 1, "special"});
  auto entries = catalog.entries();
  EXPECT_THAT(paths_of(entries), ElementsAre("/a/first.jpg", "/m/middle.jpg", "/z/last.jpg"));
  EXPECT_EQ(entries[0].vector, make_vector(6, 7.0f));
  EXPECT_EQ(entries[1].vector, special);
  EXPECT_EQ(entries[2].vector, special);
}

TEST(Catalog, VectorsAreStoredAsLittleEndianFloat32) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  {
    Catalog catalog = Catalog::open(db, true);
    catalog.put_embedding("h", {1.0f, -2.0f});
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT hex(vector), dim FROM embeddings", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "0000803F000000C0");
  EXPECT_EQ(sqlite3_column_int(stmt, 1), 2);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST(Catalog, MoveKeepsTheConnection) {
  test::TempDir dir;
  Catalog first = Catalog::open(dir.file("a.db"), true);
  add_image(first, "/p/a.jpg", "h", 1.0f);
  Catalog moved(std::move(first));
  EXPECT_EQ(moved.file_count(), 1);
  Catalog other = Catalog::open(dir.file("b.db"), true);
  other = std::move(moved);
  EXPECT_EQ(other.path(), dir.file("a.db"));
  EXPECT_EQ(other.file_count(), 1);
}

// Child-process bodies: no gtest assertions in the child; its exit status says how far it got.
void write_batch(Catalog& catalog, int first, int count, int dim) {
  for (int i = first; i < first + count; ++i) {
    add_image(catalog, "/p/" + std::to_string(10000 + i) + ".jpg", "h" + std::to_string(i),
              static_cast<float>(i), dim);
  }
}

TEST(Catalog, ExitWithoutCommitLosesTheOpenTransaction) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  { Catalog::open(db, true).set_meta("model", "m"); }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      Catalog catalog = Catalog::open(db, false);
      catalog.begin();
      write_batch(catalog, 0, 50, 64);
      ::_exit(0);  // no commit, no destructor
    } catch (...) {
      ::_exit(2);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  Catalog catalog = Catalog::open(db, false);
  EXPECT_EQ(catalog.file_count(), 0);
  EXPECT_EQ(catalog.embedding_count(), 0);
  EXPECT_EQ(catalog.meta("model"), "m");
  EXPECT_EQ(catalog.integrity_check(), "ok");
}

TEST(Catalog, KilledMidBatchKeepsExactlyTheCommittedBatches) {
  test::TempDir dir;
  const std::string db = dir.file("index.db");
  constexpr int kBatch = 20;
  { Catalog::open(db, true); }
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    try {
      Catalog catalog = Catalog::open(db, false);
      catalog.begin();
      write_batch(catalog, 0, kBatch, 2048);
      catalog.commit();
      catalog.begin();
      // Enough data (about 3 MiB) that SQLite spills uncommitted pages into the WAL file.
      write_batch(catalog, kBatch, 400, 2048);
      char byte = 'x';
      if (write(ready[1], &byte, 1) != 1) ::_exit(3);
      for (;;) pause();  // wait for SIGKILL mid batch 2
    } catch (...) {
      ::_exit(2);
    }
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1) << "the child failed before batch 2 was written";
  close(ready[0]);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  Catalog catalog = Catalog::open(db, false);
  EXPECT_EQ(catalog.integrity_check(), "ok");
  EXPECT_EQ(catalog.file_count(), kBatch);
  EXPECT_EQ(catalog.embedding_count(), kBatch);
  auto entries = catalog.entries();
  ASSERT_EQ(entries.size(), static_cast<size_t>(kBatch));
  for (int i = 0; i < kBatch; ++i) {
    EXPECT_EQ(entries[static_cast<size_t>(i)].path, "/p/" + std::to_string(10000 + i) + ".jpg");
    EXPECT_EQ(entries[static_cast<size_t>(i)].vector, make_vector(2048, static_cast<float>(i)));
  }
  // The index takes writes again after the crash.
  write_batch(catalog, kBatch, 1, 2048);
  EXPECT_EQ(catalog.file_count(), kBatch + 1);
}

}  // namespace
}  // namespace brivl
