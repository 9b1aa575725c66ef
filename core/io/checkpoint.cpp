#include "io/checkpoint.h"

#include <fstream>

#include "io/safetensors_reader.h"
#include "io/torch_zip_reader.h"
#include "util/error.h"

namespace brivl {

const CheckpointEntry* CheckpointReader::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

ShapeIndex CheckpointReader::shapes() const {
  ShapeIndex out;
  for (const auto& e : entries_) out[e.key] = e.shape;
  return out;
}

void CheckpointReader::add_entry(CheckpointEntry entry) {
  BRIVL_CHECK(!index_.count(entry.key), path_, ": key '", entry.key, "' appears twice");
  index_[entry.key] = entries_.size();
  entries_.push_back(std::move(entry));
}

torch::ScalarType dtype_of_storage_type(const std::string& t) {
  static const std::map<std::string, torch::ScalarType> types = {
      {"FloatStorage", torch::kFloat32}, {"DoubleStorage", torch::kFloat64}, {"HalfStorage", torch::kFloat16},
      {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kInt64}, {"IntStorage", torch::kInt32},
      {"ShortStorage", torch::kInt16}, {"CharStorage", torch::kInt8}, {"ByteStorage", torch::kUInt8},
      {"BoolStorage", torch::kBool}};
  auto it = types.find(t);
  BRIVL_CHECK(it != types.end(), "unsupported storage type '", t, "'");
  return it->second;
}

std::unique_ptr<CheckpointReader> CheckpointReader::open(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BRIVL_CHECK(in, path, ": cannot open checkpoint");
  unsigned char head[16] = {};
  in.read(reinterpret_cast<char*>(head), sizeof(head));
  const auto got = static_cast<size_t>(in.gcount());
  BRIVL_CHECK(got > 0, path, ": checkpoint file is empty");
  if (got >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
    return std::make_unique<TorchZipReader>(path);
  }
  // Safetensors before the legacy check: its first byte is the header length's lowest, which is
  // 0x80 for a 128-byte header (a legacy pickle has its protocol bytes and magic number there, no '{').
  if (got >= 9 && head[8] == '{') return std::make_unique<SafetensorsReader>(path);
  if (head[0] == 0x80) {
    BRIVL_FAIL(path, ": legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with "
                     "torch.save(obj, path) from PyTorch >= 1.6 (zip format) or convert it to .safetensors");
  }
  BRIVL_FAIL(path, ": not a checkpoint (expected a PyTorch zip .pth starting with 'PK' or a .safetensors file)");
}

}  // namespace brivl
