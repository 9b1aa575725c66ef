#pragma once
// The folder a training run lives in (docs/ARCHITECTURE.md, design §3):
//   config.yml  vocab.txt  train_options.json  validation.csv
//   status.json      state, pid, step, last/best checkpoint, error   (rewritten atomically)
//   metrics.jsonl    one JSON object per log step / evaluation       (appended, flushed)
//   train.log        human-readable log                              (appended, flushed)
//   checkpoints/step-NNNNNNNN.pth    official layout {'learnable': online + *_mom}
//   checkpoints/step-NNNNNNNN.state  trainer state (optimizer, queues, position) for exact resume
// A checkpoint counts only once both of its files exist: the .state is written last.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace brivl {

class RunDirectory {
 public:
  // A new run: creates the folder (and checkpoints/). Refuses a folder that already holds a run
  // (status.json) or anything else, naming it and suggesting --resume.
  static RunDirectory create(const std::string& path);
  // An existing run, for --resume: status.json and train_options.json must be there.
  static RunDirectory open(const std::string& path);
  static bool is_run_directory(const std::string& path);
  // A run another process writes (the other ranks of a data-parallel run): reads only; its
  // options and config must be there. Writing through it throws.
  static RunDirectory open_read_only(const std::string& path);

  RunDirectory(RunDirectory&&) noexcept;
  RunDirectory& operator=(RunDirectory&&) noexcept;
  ~RunDirectory();

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const;  // path_/name

  void write_status(const std::string& json_text) const;  // atomic
  std::string read_status() const;
  // One JSON object per line; flushed so a monitor (the studio) sees it at once.
  void append_metrics(const std::string& json_object);
  // Resume: drops lines whose "step" is beyond `step` (they belong to work that is being redone).
  void truncate_metrics_after(int64_t step);
  void log(const std::string& line);  // timestamped, flushed

  std::string checkpoint_path(int64_t step) const;  // checkpoints/step-NNNNNNNN.pth
  std::string state_path(int64_t step) const;       // checkpoints/step-NNNNNNNN.state
  // Steps with both files present, ascending.
  std::vector<int64_t> checkpoint_steps() const;
  // Deletes checkpoints except the newest `keep_last` and `protect` (the best; -1: none).
  void prune_checkpoints(int64_t keep_last, int64_t protect) const;

 private:
  explicit RunDirectory(std::string path);
  friend std::string run_directory_model_checkpoint(const std::string& path);
  void close_files();
  void check_writable(const char* what) const;
  std::string path_;
  bool read_only_ = false;
  std::FILE* metrics_ = nullptr;
  std::FILE* log_ = nullptr;
};

// The checkpoint a run directory offers as a model bundle: status.json's best_checkpoint, else
// its last_checkpoint, else the newest complete one. Empty when the run has none yet.
std::string run_directory_model_checkpoint(const std::string& path);

}  // namespace brivl
