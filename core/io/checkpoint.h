#pragma once
// Checkpoint files: the official `torch.save({'learnable': state_dict})` zip format (.pth) and
// .safetensors. Entries are listed from the index alone; tensor data is read only for the keys a
// job asks for (inference never touches the *_mom half of an official checkpoint).
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"

namespace brivl {

struct CheckpointEntry {
  std::string key;
  torch::ScalarType dtype = torch::kFloat32;
  std::vector<int64_t> shape;
  // .pth: storage record, element offset and strides; .safetensors: byte range in the file.
  std::string storage_key;
  int64_t storage_numel = 0;
  int64_t storage_offset = 0;
  std::vector<int64_t> stride;
  uint64_t byte_begin = 0, byte_end = 0;
};

class CheckpointReader {
 public:
  // Opens `path` after looking at its first bytes: zip (.pth, torch >= 1.6), safetensors, or a
  // clear error for legacy (pre-1.6) torch.save files and anything else.
  static std::unique_ptr<CheckpointReader> open(const std::string& path);
  virtual ~CheckpointReader() = default;

  const std::string& path() const { return path_; }
  const std::string& format() const { return format_; }
  const std::vector<CheckpointEntry>& entries() const { return entries_; }
  const CheckpointEntry* find(const std::string& key) const;
  ShapeIndex shapes() const;
  // Materialises one entry as a CPU tensor (shares memory with the cached record when possible).
  virtual torch::Tensor read(const CheckpointEntry& entry) = 0;
  // Drops cached records (call after loading).
  virtual void release() {}

 protected:
  CheckpointReader(std::string path, std::string format) : path_(std::move(path)), format_(std::move(format)) {}
  void add_entry(CheckpointEntry entry);
  std::string path_, format_;
  std::vector<CheckpointEntry> entries_;
  std::map<std::string, size_t> index_;
};

// Writes `tensors` (in order) as the official layout `{'learnable': OrderedDict(...)}` in
// PyTorch's zip format, readable by `torch.load`. Tensors that share storage are stored once.
// Written to a temporary file then renamed: a crash never leaves a half-written checkpoint.
void save_official_checkpoint(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

// Writes `tensors` as .safetensors (atomically).
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Element type of a torch storage class name ("FloatStorage" -> kFloat32).
torch::ScalarType dtype_of_storage_type(const std::string& type_name);

}  // namespace brivl
