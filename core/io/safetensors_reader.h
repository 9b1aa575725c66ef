#pragma once
// Reader for the .safetensors format: u64 little-endian header length, JSON header
// {name: {dtype, shape, data_offsets}}, then raw little-endian data.
// Ref: huggingface/safetensors README ("Format").
#include <fstream>

#include "io/checkpoint.h"

namespace brivl {

class SafetensorsReader : public CheckpointReader {
 public:
  explicit SafetensorsReader(const std::string& path);
  torch::Tensor read(const CheckpointEntry& entry) override;

 private:
  std::ifstream file_;
  uint64_t data_start_ = 0;
};

// "F32" <-> kFloat32, ...
torch::ScalarType dtype_of_safetensors_name(const std::string& name);
std::string safetensors_name_of_dtype(torch::ScalarType dtype);

}  // namespace brivl
