#include "train/run_directory.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace fs = std::filesystem;

namespace {
std::FILE* open_append(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  BRIVL_CHECK(f != nullptr, path, ": cannot open for appending");
  return f;
}

std::string step_name(int64_t step, const char* ext) {
  std::ostringstream s;
  s << "step-" << std::setw(8) << std::setfill('0') << step << ext;
  return s.str();
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return s.str();
}
}  // namespace

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {}

RunDirectory::RunDirectory(RunDirectory&& other) noexcept
    : path_(std::move(other.path_)), read_only_(other.read_only_), metrics_(other.metrics_), log_(other.log_) {
  other.metrics_ = nullptr;
  other.log_ = nullptr;
}

RunDirectory& RunDirectory::operator=(RunDirectory&& other) noexcept {
  if (this != &other) {
    close_files();
    path_ = std::move(other.path_);
    read_only_ = other.read_only_;
    metrics_ = other.metrics_;
    log_ = other.log_;
    other.metrics_ = nullptr;
    other.log_ = nullptr;
  }
  return *this;
}

RunDirectory::~RunDirectory() { close_files(); }

void RunDirectory::close_files() {
  if (metrics_) std::fclose(metrics_);
  if (log_) std::fclose(log_);
  metrics_ = log_ = nullptr;
}

bool RunDirectory::is_run_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(path) / "status.json", ec) && fs::is_directory(fs::path(path) / "checkpoints", ec);
}

RunDirectory RunDirectory::create(const std::string& path) {
  std::error_code ec;
  BRIVL_CHECK(!fs::exists(fs::path(path) / "status.json", ec), path,
              ": already holds a training run; continue it with --resume ", path, " or choose another --out");
  if (fs::exists(path, ec)) {
    BRIVL_CHECK(fs::is_directory(path, ec), path, ": exists and is not a folder");
    BRIVL_CHECK(fs::is_empty(path, ec), path, ": folder is not empty; choose a new or empty --out folder");
  }
  fs::create_directories(fs::path(path) / "checkpoints", ec);
  BRIVL_CHECK(!ec, path, ": cannot create the run folder (", ec.message(), ")");
  RunDirectory run(path);
  run.metrics_ = open_append(run.file("metrics.jsonl"));
  run.log_ = open_append(run.file("train.log"));
  return run;
}

RunDirectory RunDirectory::open_read_only(const std::string& path) {
  std::error_code ec;
  for (const char* required : {"train_options.json", "config.yml"})
    BRIVL_CHECK(fs::is_regular_file(fs::path(path) / required, ec), path, ": not a training run folder (no ", required,
                ") or not visible from this machine (every rank must see the run folder)");
  RunDirectory run(path);
  run.read_only_ = true;
  return run;
}

void RunDirectory::check_writable(const char* what) const {
  BRIVL_CHECK(!read_only_, path_, ": ", what, " through a read-only view of the run (only rank 0 writes it)");
}

RunDirectory RunDirectory::open(const std::string& path) {
  std::error_code ec;
  BRIVL_CHECK(fs::is_directory(path, ec), path, ": run folder does not exist");
  for (const char* required : {"status.json", "train_options.json", "config.yml"})
    BRIVL_CHECK(fs::is_regular_file(fs::path(path) / required, ec), path, ": not a training run folder (no ", required, ")");
  fs::create_directories(fs::path(path) / "checkpoints", ec);
  // A killed process may leave the temporary file of an atomic write behind: never a real file.
  for (const auto& folder : {fs::path(path), fs::path(path) / "checkpoints"})
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename().string().find(".tmp-") != std::string::npos) fs::remove(it->path(), ec);
  RunDirectory run(path);
  run.metrics_ = open_append(run.file("metrics.jsonl"));
  run.log_ = open_append(run.file("train.log"));
  return run;
}

std::string RunDirectory::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

void RunDirectory::write_status(const std::string& json_text) const {
  check_writable("status.json written");
  write_file_atomically(file("status.json"), json_text);
}

std::string RunDirectory::read_status() const { return read_file(file("status.json")); }

void RunDirectory::append_metrics(const std::string& json_object) {
  check_writable("metrics appended");
  const std::string line = json_object + "\n";
  BRIVL_CHECK(std::fwrite(line.data(), 1, line.size(), metrics_) == line.size() && std::fflush(metrics_) == 0,
              file("metrics.jsonl"), ": write failed (disk full?)");
}

void RunDirectory::truncate_metrics_after(int64_t step) {
  check_writable("metrics truncated");
  const auto path = file("metrics.jsonl");
  std::istringstream in(read_file(path));
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      if (j.contains("step") && j["step"].get<int64_t>() > step) continue;
    } catch (const nlohmann::json::exception&) {
      continue;  // a line cut by a kill: drop it
    }
    kept += line + "\n";
  }
  if (metrics_) std::fclose(metrics_);
  metrics_ = nullptr;
  write_file_atomically(path, kept);
  metrics_ = open_append(path);
}

void RunDirectory::log(const std::string& line) {
  check_writable("train.log written");
  const std::string text = "[" + timestamp() + "] " + line + "\n";
  if (std::fwrite(text.data(), 1, text.size(), log_) != text.size() || std::fflush(log_) != 0)
    BRIVL_FAIL(file("train.log"), ": write failed (disk full?)");
}

std::string RunDirectory::checkpoint_path(int64_t step) const {
  return (fs::path(path_) / "checkpoints" / step_name(step, ".pth")).string();
}

std::string RunDirectory::state_path(int64_t step) const {
  return (fs::path(path_) / "checkpoints" / step_name(step, ".state")).string();
}

std::vector<int64_t> RunDirectory::checkpoint_steps() const {
  std::vector<int64_t> steps;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(path_) / "checkpoints", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.size() != 17 || name.rfind("step-", 0) != 0 || it->path().extension() != ".pth") continue;
    int64_t step = 0;
    try {
      step = std::stoll(name.substr(5, 8));
    } catch (const std::exception&) {
      continue;
    }
    if (fs::is_regular_file(state_path(step), ec)) steps.push_back(step);
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

void RunDirectory::prune_checkpoints(int64_t keep_last, int64_t protect) const {
  check_writable("checkpoints pruned");
  const auto steps = checkpoint_steps();
  const int64_t n = static_cast<int64_t>(steps.size());
  for (int64_t i = 0; i + keep_last < n; ++i) {
    if (steps[i] == protect) continue;
    std::error_code ec;
    fs::remove(state_path(steps[i]), ec);  // the .state first: a half-pruned pair is never "complete"
    fs::remove(checkpoint_path(steps[i]), ec);
  }
}

std::string run_directory_model_checkpoint(const std::string& path) {
  if (!RunDirectory::is_run_directory(path)) return {};
  try {
    const auto status = nlohmann::json::parse(read_file((fs::path(path) / "status.json").string()));
    for (const char* key : {"best_checkpoint", "last_checkpoint"}) {
      if (status.contains(key) && status[key].is_string() && !status[key].get<std::string>().empty()) {
        const auto p = fs::path(path) / status[key].get<std::string>();
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.string();
      }
    }
  } catch (const std::exception&) {
    // An unreadable status falls through to the newest complete checkpoint.
  }
  RunDirectory probe(path);
  const auto steps = probe.checkpoint_steps();
  return steps.empty() ? std::string() : probe.checkpoint_path(steps.back());
}

}  // namespace brivl
