#pragma once
// Torch-side test helpers: fixture arrays as tensors, fixture model loading, max-abs-diff.
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/brivl_model.h"
#include "test_support.h"
#include "util/npy.h"

namespace brivl::test {

inline torch::Tensor load_npy_tensor(const std::string& path) {
  const auto array = read_npy(path);
  auto values = array.as_float();
  return torch::from_blob(values.data(), array.shape, torch::kFloat32).clone();
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

inline ModelFiles fixture_model_files() { return ModelFiles::resolve(fixture_model_dir()); }

// The token ids / masks of tokens.jsonl as [T, L] int64 tensors.
inline std::pair<torch::Tensor, torch::Tensor> fixture_tokens() {
  std::ifstream in(fixture_file("tokens.jsonl"));
  std::vector<torch::Tensor> ids, masks;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    ids.push_back(torch::tensor(j["input_ids"].get<std::vector<int64_t>>()));
    masks.push_back(torch::tensor(j["attention_mask"].get<std::vector<int64_t>>()));
  }
  return {torch::stack(ids), torch::stack(masks)};
}

inline std::vector<std::string> fixture_image_paths() {
  std::ifstream in(fixture_file("images.txt"));
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(in, line)) paths.push_back(fixture_file("images/" + line));
  return paths;
}

// Seeds torch's generator before every test so random checks are reproducible.
class SeededTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(20240601); }
};

}  // namespace brivl::test
