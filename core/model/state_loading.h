#pragma once
// Strict, key-for-key loading of a module from a checkpoint: every missing key, unexpected key,
// shape and dtype mismatch is collected and reported in one error that names the file.
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "model/config.h"

namespace brivl {

struct StateLoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> ignored;  // present in the file, deliberately not used
  int64_t bytes_read = 0;
};

// Keys of an official checkpoint that inference does not use: the momentum encoders, timm's
// classifier, BERT's pooler and its position_ids buffer (positions are 0..L-1).
bool is_unused_for_inference(const std::string& key);

// Keys the official model holds that BriVL's computation never reads, online or momentum: timm's
// ImageNet classifier head, BERT's pooler and BERT's position_ids buffer.
bool is_official_only(const std::string& key);

// Those entries for a model of `config`, for the online and the momentum encoders, so that a
// checkpoint we write loads under the official code's strict load_state_dict (example.py): the
// classifier and the pooler as zeros (never trained here, never used by BriVL), the positions
// 0..max_position-1 as int64 [1, max_position] like transformers 4.6 keeps them.
std::vector<std::pair<std::string, torch::Tensor>> official_only_state(const ModelConfig& config);

// Loads every parameter and buffer of `module` from `reader` (checkpoint key = module key).
// Entries for which `ignore(key)` is true are skipped without reading their data. `on_progress`
// (optional) gets (bytes read, bytes to read) after each tensor read: a large checkpoint takes
// seconds to minutes.
StateLoadReport load_state_strict(torch::nn::Module& module, CheckpointReader& reader,
                                  const std::function<bool(const std::string&)>& ignore,
                                  const std::string& model_description,
                                  const std::function<void(int64_t, int64_t)>& on_progress = nullptr);

// Parameters and buffers of `module` as (key, tensor), in registration order.
std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module& module);

}  // namespace brivl
