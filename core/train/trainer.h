#pragma once
// Local BriVL training: a new run or the continuation of one, behind a torch-free interface
// (the CLI and the studio include only this). Long work reports through hooks and stops
// cleanly (with a checkpoint) when should_stop() says so.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "train/retrieval_metrics.h"
#include "train/train_options.h"

namespace brivl {

struct TrainProgress {
  std::string phase;  // "train" | "eval" | "checkpoint"
  int64_t step = 0, total_steps = 0;
  int64_t epoch = 0, epochs = 0;
  double loss = 0, lr = 0, samples_per_s = 0;
  double eta_s = -1;  // whole run, evaluations included; -1 until known
  std::optional<RetrievalMetrics> last_eval;
};

struct TrainHooks {
  std::function<void(const TrainProgress&)> on_progress;  // after every step and phase change
  std::function<void(const std::string&)> on_message;     // notable events (also in train.log)
  std::function<bool()> should_stop;                      // true: checkpoint and stop
};

struct TrainResult {
  std::string run_dir;
  std::string state;  // finished | stopped | time_limit
  int64_t step = 0, total_steps = 0;
  std::string best_checkpoint, last_checkpoint;  // paths
  std::optional<RetrievalMetrics> best_eval, last_eval;
  double seconds = 0;
  int rank = 0, world_size = 1;  // data-parallel runs: which process this is, of how many
};

// Both start a data-parallel run when the launch environment says so (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT, LOCAL_RANK: torchrun's variables; docs/TRAINING.md): every process
// calls the same function with the same options, rank 0 writes the run folder, which every
// rank must be able to read (a shared filesystem across machines), and the hooks are called on
// rank 0 only (should_stop on every rank: a stop asked anywhere stops all at the same step).

// Starts a new run in options.out (options.config and options.vocab must be set).
TrainResult train(const TrainOptions& options, const TrainHooks& hooks = {});

// What may change when a run is continued; everything else comes from the run's own files.
struct ResumeOptions {
  std::optional<double> max_minutes;
  std::optional<int64_t> epochs;
  std::optional<std::string> device;
  std::optional<int> threads, workers;
  std::optional<std::string> backend;
  std::optional<double> dist_timeout_s;
};

// Continues the run in `run_dir` from its newest complete checkpoint (or from the start if it
// has none); metrics logged after that checkpoint are dropped and redone.
TrainResult resume_training(const std::string& run_dir, const ResumeOptions& options, const TrainHooks& hooks = {});

}  // namespace brivl
