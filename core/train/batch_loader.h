#pragma once
// Training batches from a caption table, decoded and augmented on worker threads ahead of the
// training step. Deterministic: the order of an epoch, each image's caption and its
// augmentation depend only on (seed, epoch, image), never on thread timing, so a resumed run
// sees exactly the batches an uninterrupted one would.
#include <torch/torch.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "text/bert_tokenizer.h"
#include "train/caption_table.h"
#include "train/train_options.h"

namespace brivl {

struct LoaderOptions {
  int64_t image_size = 224;
  int64_t text_len = 32;
  int64_t batch_size = 32;
  int workers = 2;
  int prefetch = 4;          // batches built ahead of the consumer
  AugmentOptions augment;
  uint64_t seed = 0;
  bool shuffle = true;       // false: images in table order (evaluation)
  bool drop_last = true;     // false: a last, smaller batch
  // > 1: each epoch's order is rebuilt into runs of this many images whose captions differ by a
  // word (train/caption_neighbours.h); 0 or 1: plain shuffle.
  int hard_negative_group = 0;
  // Data-parallel training: batches stay those of one process (batch_size images each, the same
  // order), and this process builds only its slice of each: rows [shard, shard + 1) x
  // batch_size / shards. batch_size must be a multiple of shards.
  int shard = 0, shards = 1;
};

struct TrainBatch {
  int64_t index = 0;                  // batch number within the epoch
  torch::Tensor images;               // [B, 3, S, S] normalized float32
  torch::Tensor input_ids, mask;      // [B, L] int64
  std::vector<int64_t> image_indices; // into the table
  std::vector<uint64_t> text_keys;    // caption_key of each sample's caption
  double build_ms = 0;                // worker time spent on this batch
};

class BatchLoader {
 public:
  BatchLoader(const CaptionTable& table, const BertTokenizer& tokenizer, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t batches_per_epoch() const;
  // Starts (or restarts) producing the batches of `epoch` from batch `first_batch` on.
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // The next batch in order; empty at the end of the epoch. Images that fail to decode are
  // left out of their batch and reported once through take_problems().
  std::optional<TrainBatch> next();
  // Decode failures found since the last call ("path: reason").
  std::vector<std::string> take_problems();

 private:
  struct Plan {
    std::vector<int64_t> images;
    std::vector<int64_t> captions;
  };
  Plan plan_for(int64_t batch) const;
  TrainBatch build(int64_t batch, const Plan& plan);
  void worker_loop();

  const CaptionTable& table_;
  const BertTokenizer& tokenizer_;
  LoaderOptions options_;

  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;
  int64_t next_build_ = 0, next_take_ = 0, end_ = 0;
  std::map<int64_t, TrainBatch> ready_;
  std::vector<std::vector<int64_t>> neighbours_;  // near captions, when hard_negative_group > 1
  std::vector<char> bad_;  // images that failed to decode
  std::vector<std::string> problems_;
  std::vector<std::thread> workers_;
};

// Images [N, 3, S, S] of `paths` without augmentation (the evaluation transform), decoded on
// `workers` threads. Undecodable files throw brivl::Error naming them.
torch::Tensor load_eval_images(const std::vector<std::string>& paths, int64_t image_size, int workers);

}  // namespace brivl
