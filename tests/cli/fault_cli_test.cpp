// Faults a user meets: the disk fills up while an export, an index or a training run writes. The
// disk is "full" through a file-size limit on the process (brivl_process.h: writes fail with EFBIG
// where a full disk fails with ENOSPC, at the same calls). Each case wants a clear error naming
// the file, a non-zero exit, the previous files intact, and the same work succeeding (or resuming)
// once there is room.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "brivl_process.h"
#include "export/image_export.h"
#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

// No temporary file of an atomic write is left anywhere under `dir`.
void expect_no_temporaries(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

test::BrivlRun full_disk(rlim_t bytes) {
  test::BrivlRun how;
  how.file_size_limit = bytes;
  return how;
}

TEST(Faults, AnExportToAFullDiskFailsAndKeepsThePreviousFile) {
  test::TempDir dir;
  const auto out = dir.file("out.png");
  test::write_bytes(out, "the previous export");
  const std::vector<std::string> imagine = {"imagine", "红色的圆", "--model", test::fixture_model_dir(), "--steps", "2",
                                            "--size", "64", "--cutouts", "1", "--preset", "draft", "-o", out};
  auto r = test::run_brivl(imagine, full_disk(2048));  // a 64 px PNG with its settings is larger
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(out));
  EXPECT_THAT(r.err, HasSubstr("File too large"));
  EXPECT_EQ(read_file(out), "the previous export");
  expect_no_temporaries(dir.path());
  // A folder that cannot hold the file (here: its parent is a file): named, before any work is lost.
  test::write_bytes(dir.file("not-a-folder"), "x");
  auto bad = imagine;
  bad.back() = dir.file("not-a-folder/out.png");
  r = test::run_brivl(bad);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not-a-folder/out.png"));
  // With room, the same command writes it.
  r = test::run_brivl(imagine);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_image_settings(out).has_value());
}

TEST(Faults, IndexingOnAFullDiskFailsKeepsTheIndexAndFinishesLater) {
  test::TempDir dir;
  ASSERT_EQ(test::run_brivl({"dataset", "shapes", "--out", dir.file("shapes"), "--count", "300", "--size", "32", "--seed", "3"}).exit_code, 0);
  const auto folder = dir.path() / "photos";
  fs::create_directories(folder);
  std::vector<fs::path> images;
  for (const auto& e : fs::directory_iterator(dir.path() / "shapes" / "images")) images.push_back(e.path());
  std::sort(images.begin(), images.end());
  ASSERT_EQ(images.size(), 300u);
  for (size_t i = 0; i < 20; ++i) fs::copy_file(images[i], folder / images[i].filename());
  const auto db = dir.file("photos.db");
  const std::vector<std::string> index = {"index", "--model", test::fixture_model_dir(), "--db", db, folder.string(), "--jsonl"};
  ASSERT_EQ(test::run_brivl(index).exit_code, 0);
  const auto indexed = [&] {
    const auto r = test::run_brivl({"search", "--model", test::fixture_model_dir(), "--db", db, "圆形", "--top", "1000",
                                    "--min-score", "-1", "--no-fold", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out).size() : size_t{0};
  };
  ASSERT_EQ(indexed(), 20u);
  for (size_t i = 20; i < images.size(); ++i) fs::copy_file(images[i], folder / images[i].filename());
  // Room for the index as it is and a little more, not for 280 more images.
  auto r = test::run_brivl(index, full_disk(fs::file_size(db) + 8192));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(db));
  EXPECT_THAT(r.err, HasSubstr("File too large"));  // the system's reason, not only "disk I/O error"
  EXPECT_EQ(indexed(), 20u);                        // the index before the failed run, whole
  r = test::run_brivl(index);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line, last;
  while (std::getline(lines, line)) last = line;
  EXPECT_EQ(nlohmann::json::parse(last)["embedded"], 280);
  EXPECT_EQ(indexed(), 300u);
}

TEST(Faults, TrainingOnAFullDiskFailsCleanlyAndResumes) {
  test::TempDir dir;
  ASSERT_EQ(test::run_brivl({"dataset", "shapes", "--out", dir.file("shapes"), "--count", "64", "--seed", "6", "--size", "64"}).exit_code, 0);
  const auto run = dir.file("run");
  const std::vector<std::string> train = {"train", "--data", dir.file("shapes/captions.csv"), "--out", run, "--config",
                                          test::fixture_dir() + "/../train-tiny/config.yml", "--vocab",
                                          test::fixture_model_file("vocab.txt"), "--device", "cpu", "--batch", "8",
                                          "--workers", "1", "--epochs", "2"};
  // Too full for the run folder's copy of the vocabulary (107 KiB): nothing is kept, so the same
  // command works once there is room (a half-made folder was refused by both a new run and --resume).
  auto r = test::run_brivl(train, full_disk(64 * 1024));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("vocab.txt"));
  EXPECT_THAT(r.err, HasSubstr("File too large"));
  EXPECT_THAT(r.err, HasSubstr("nothing of it was kept"));
  EXPECT_FALSE(fs::exists(run));
  // Room for the run folder, not for a checkpoint (10 MiB): the first one fails with the file
  // named (LibTorch's zip writer aborted the process here before), the status says so.
  r = test::run_brivl(train, full_disk(4 * 1024 * 1024));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("checkpoints/step-"));
  EXPECT_THAT(r.err, HasSubstr("File too large"));
  auto status = nlohmann::json::parse(read_file(run + "/status.json"));
  EXPECT_EQ(status["state"], "failed");
  EXPECT_THAT(status["error"].get<std::string>(), HasSubstr("File too large"));
  expect_no_temporaries(run);
  // With room, --resume finishes the run.
  r = test::run_brivl({"train", "--resume", run});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  status = nlohmann::json::parse(read_file(run + "/status.json"));
  EXPECT_EQ(status["state"], "finished");
  EXPECT_EQ(status["step"], status["total_steps"]);
  expect_no_temporaries(run);
}

}  // namespace
}  // namespace brivl
