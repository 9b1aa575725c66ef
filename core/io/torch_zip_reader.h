#pragma once
// Reader for torch.save's zip format (PyTorch >= 1.6): data.pkl parsed by our whitelisting
// unpickler, storages read from the zip through LibTorch's PyTorchStreamReader.
// Every record read is checked against the CRC-32 the zip stores for it (LibTorch does not), so a
// damaged file is an error naming the record and the tensor, never silently wrong weights.
// Ref: torch/serialization.py `_load`, caffe2/serialize/inline_container.h.
#include <map>
#include <memory>

#include "io/checkpoint.h"
#include "io/zip_directory.h"

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
  // Throws naming the record (and `what` uses it) when its bytes do not match the stored CRC-32.
  void verify(const std::string& record, const void* data, size_t size, const std::string& what) const;
  std::map<std::string, ZipMember> members_;  // by record name ("data/0"), the archive prefix dropped
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip_;
  std::map<std::string, torch::Tensor> storages_;
};

}  // namespace brivl
