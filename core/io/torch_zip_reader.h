#pragma once
// Reader for torch.save's zip format (PyTorch >= 1.6): data.pkl parsed by our whitelisting
// unpickler, storages read from the zip through LibTorch's PyTorchStreamReader.
// Ref: torch/serialization.py `_load`, caffe2/serialize/inline_container.h.
#include <map>
#include <memory>

#include "io/checkpoint.h"

namespace caffe2 {
namespace serialize {
class PyTorchStreamReader;
}
}  // namespace caffe2

namespace brivl {

class TorchZipReader : public CheckpointReader {
 public:
  explicit TorchZipReader(const std::string& path);
  ~TorchZipReader() override;
  torch::Tensor read(const CheckpointEntry& entry) override;
  void release() override { storages_.clear(); }

 private:
  torch::Tensor storage(const CheckpointEntry& entry);
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip_;
  std::map<std::string, torch::Tensor> storages_;
};

}  // namespace brivl
