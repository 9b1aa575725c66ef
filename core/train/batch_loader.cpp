#include "train/batch_loader.h"

#include <atomic>
#include <chrono>

#include "train/caption_neighbours.h"
#include "train/image_augment.h"
#include "train/retrieval_metrics.h"
#include "util/error.h"
#include "vision/image_decode.h"

namespace brivl {

BatchLoader::BatchLoader(const CaptionTable& table, const BertTokenizer& tokenizer, LoaderOptions options)
    : table_(table), tokenizer_(tokenizer), options_(std::move(options)) {
  BRIVL_CHECK(!table_.images.empty(), table_.source, ": no images to train on");
  BRIVL_CHECK(options_.shards >= 1 && options_.shard >= 0 && options_.shard < options_.shards &&
                  options_.batch_size % options_.shards == 0,
              "batch of ", options_.batch_size, " images cannot be split evenly over ", options_.shards, " processes");
  bad_.assign(table_.images.size(), 0);
  if (options_.shuffle && options_.hard_negative_group > 1) {
    std::vector<std::string> first_captions;
    for (const auto& texts : table_.texts) first_captions.push_back(texts.empty() ? std::string() : texts.front());
    neighbours_ = nearest_captions(first_captions, 4 * options_.hard_negative_group, table_.source);
  }
  const int n = std::max(1, options_.workers);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t BatchLoader::batches_per_epoch() const {
  const int64_t n = static_cast<int64_t>(table_.images.size());
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

void BatchLoader::start_epoch(int64_t epoch, int64_t first_batch) {
  const int64_t n = static_cast<int64_t>(table_.images.size());
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (options_.shuffle) {  // Fisher-Yates with our own generator: the same order everywhere
    SampleRng rng(mix_seed(options_.seed, 0x5eed0fe90c4ull, static_cast<uint64_t>(epoch)));
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<uint64_t>(i + 1))]);
    if (!neighbours_.empty())
      order = group_near_captions(order, neighbours_, options_.hard_negative_group,
                                  mix_seed(options_.seed, 0x9a0d7ull, static_cast<uint64_t>(epoch)));
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
    epoch_ = epoch;
    order_ = std::move(order);
    ready_.clear();
    end_ = batches_per_epoch();
    next_build_ = next_take_ = std::min(first_batch, end_);
  }
  work_cv_.notify_all();
}

BatchLoader::Plan BatchLoader::plan_for(int64_t batch) const {
  Plan plan;
  const int64_t per_shard = options_.batch_size / options_.shards;
  const int64_t begin = batch * options_.batch_size + options_.shard * per_shard;
  const int64_t end = std::min<int64_t>(begin + per_shard, static_cast<int64_t>(order_.size()));
  for (int64_t k = begin; k < end; ++k) {
    const int64_t image = order_[k];
    const auto& captions = table_.texts[image];
    SampleRng rng(mix_seed(options_.seed, 0xca9710ull, static_cast<uint64_t>(epoch_), static_cast<uint64_t>(image)));
    plan.images.push_back(image);
    plan.captions.push_back(static_cast<int64_t>(rng.below(captions.size())));
  }
  return plan;
}

TrainBatch BatchLoader::build(int64_t batch, const Plan& plan) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t S = options_.image_size, L = options_.text_len;
  std::vector<FloatImage> images;
  std::vector<int64_t> kept;
  std::vector<std::string> problems;
  for (size_t k = 0; k < plan.images.size(); ++k) {
    const int64_t image = plan.images[k];
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (bad_[image]) continue;
    }
    try {
      auto img = resize_to_float(decode_image_file(table_.images[image]), static_cast<int>(S));
      if (options_.augment.any()) {
        SampleRng rng(mix_seed(options_.seed, 0xa09ull, static_cast<uint64_t>(epoch_), static_cast<uint64_t>(image)));
        augment_colors(img, options_.augment, rng);
      }
      images.push_back(std::move(img));
      kept.push_back(static_cast<int64_t>(k));
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!bad_[image]) {
        bad_[image] = 1;
        problems_.push_back(e.what());
      }
    }
  }
  TrainBatch out;
  out.index = batch;
  const int64_t B = static_cast<int64_t>(kept.size());
  out.images = torch::empty({B, 3, S, S});
  out.input_ids = torch::zeros({B, L}, torch::kInt64);
  out.mask = torch::zeros({B, L}, torch::kInt64);
  float* pixels = out.images.data_ptr<float>();
  int64_t* ids = out.input_ids.data_ptr<int64_t>();
  int64_t* mask = out.mask.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const size_t k = static_cast<size_t>(kept[b]);
    normalize_into(images[b], pixels + b * 3 * S * S);
    const auto& text = table_.texts[plan.images[k]][plan.captions[k]];
    const auto enc = tokenizer_.encode(text, static_cast<int>(L));
    std::copy(enc.input_ids.begin(), enc.input_ids.end(), ids + b * L);
    std::copy(enc.attention_mask.begin(), enc.attention_mask.end(), mask + b * L);
    out.image_indices.push_back(plan.images[k]);
    out.text_keys.push_back(caption_key(text));
  }
  out.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void BatchLoader::worker_loop() {
  for (;;) {
    int64_t batch = 0;
    uint64_t generation = 0;
    Plan plan;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] { return stopping_ || (next_build_ < end_ && next_build_ < next_take_ + options_.prefetch); });
      if (stopping_) return;
      batch = next_build_++;
      generation = generation_;
      plan = plan_for(batch);
    }
    TrainBatch built;
    std::string failure;
    try {
      built = build(batch, plan);
    } catch (const std::exception& e) {
      failure = e.what();  // e.g. a tokenizer error: surfaces in next()
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation != generation_) continue;  // the epoch was restarted meanwhile
      if (!failure.empty()) {
        problems_.push_back("batch " + std::to_string(batch) + ": " + failure);
        built.index = batch;
      }
      ready_[batch] = std::move(built);
    }
    ready_cv_.notify_all();
  }
}

std::optional<TrainBatch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_take_ >= end_) return std::nullopt;
  const int64_t want = next_take_;
  ready_cv_.wait(lock, [&] { return ready_.count(want) > 0; });
  TrainBatch batch = std::move(ready_[want]);
  ready_.erase(want);
  ++next_take_;
  lock.unlock();
  work_cv_.notify_all();
  return batch;
}

std::vector<std::string> BatchLoader::take_problems() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  out.swap(problems_);
  return out;
}

torch::Tensor load_eval_images(const std::vector<std::string>& paths, int64_t image_size, int workers) {
  const int64_t N = static_cast<int64_t>(paths.size()), S = image_size;
  auto out = torch::empty({N, 3, S, S});
  std::atomic<int64_t> next{0};
  std::mutex mutex;
  std::string failure;
  auto work = [&] {
    for (int64_t i = next++; i < N; i = next++) {
      try {
        normalize_into(resize_to_float(decode_image_file(paths[i]), static_cast<int>(S)), out[i].data_ptr<float>());
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex);
        if (failure.empty()) failure = e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < std::max(1, workers); ++w) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  BRIVL_CHECK(failure.empty(), failure);
  return out;
}

}  // namespace brivl
