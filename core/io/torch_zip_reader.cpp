#include "io/torch_zip_reader.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "io/pickle_reader.h"
#include "util/error.h"

namespace brivl {
namespace {

using Kind = PyValue::Kind;

std::string first_line(const char* text) {
  std::string s(text);
  return s.substr(0, s.find('\n'));
}

// The official file is {'learnable': state_dict}; a bare state dict is accepted too.
const PyRef& select_state_dict(const PyRef& root, const std::string& path) {
  BRIVL_CHECK(root->kind == Kind::kDict, path, ": top-level object is a ", root->kind_name(),
              ", expected a dict ({'learnable': state_dict} as saved by the official code)");
  for (const auto& [k, v] : root->dict) {
    if (k->kind == Kind::kString && k->text == "learnable") {
      BRIVL_CHECK(v->kind == Kind::kDict, path, ": 'learnable' is a ", v->kind_name(), ", expected a state dict");
      return v;
    }
  }
  std::string keys;
  for (const auto& [k, v] : root->dict) {
    if (v->kind != Kind::kTensor) keys += (keys.empty() ? "" : ", ") + (k->kind == Kind::kString ? k->text : "?");
  }
  BRIVL_CHECK(keys.empty(), path, ": no 'learnable' entry and not a plain state dict (top-level keys: ", keys, ")");
  return root;
}

int64_t element_size(torch::ScalarType t) { return static_cast<int64_t>(c10::elementSize(t)); }

}  // namespace

TorchZipReader::TorchZipReader(const std::string& path) : CheckpointReader(path, "pth") {
  try {
    zip_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error& e) {
    BRIVL_FAIL(path, ": not a readable PyTorch zip checkpoint (", first_line(e.what_without_backtrace()),
               "); the file may be truncated or corrupt");
  }
  BRIVL_CHECK(zip_->hasRecord("data.pkl"), path, ": zip archive has no data.pkl (not saved by torch.save?)");
  // torch.save names members "<archive>/<record>"; the reader above addresses them by record.
  for (auto& [name, member] : read_zip_directory(path)) {
    const auto slash = name.find('/');
    if (slash != std::string::npos) members_[name.substr(slash + 1)] = member;
  }
  at::DataPtr pickle;
  size_t size = 0;
  try {
    std::tie(pickle, size) = zip_->getRecord("data.pkl");
  } catch (const c10::Error& e) {
    BRIVL_FAIL(path, ": cannot read data.pkl (", first_line(e.what_without_backtrace()), ")");
  }
  verify("data.pkl", pickle.get(), size, "the state dict's structure");
  const auto root = unpickle_state_dict(static_cast<const char*>(pickle.get()), size, path);
  for (const auto& [k, v] : select_state_dict(root, path)->dict) {
    BRIVL_CHECK(k->kind == Kind::kString, path, ": state dict key is a ", k->kind_name(), ", expected a string");
    BRIVL_CHECK(v->kind == Kind::kTensor, path, ": entry '", k->text, "' is a ", v->kind_name(), ", expected a tensor");
    CheckpointEntry e;
    e.key = k->text;
    try {
      e.dtype = dtype_of_storage_type(v->tensor.storage.type_name);
    } catch (const Error& err) {
      BRIVL_FAIL(path, ": entry '", e.key, "': ", err.what());
    }
    e.shape = v->tensor.size;
    e.stride = v->tensor.stride;
    e.storage_key = v->tensor.storage.key;
    e.storage_numel = v->tensor.storage.numel;
    e.storage_offset = v->tensor.storage_offset;
    add_entry(std::move(e));
  }
}

TorchZipReader::~TorchZipReader() = default;

void TorchZipReader::verify(const std::string& record, const void* data, size_t size, const std::string& what) const {
  const auto it = members_.find(record);
  BRIVL_CHECK(it != members_.end(), path_, ": record '", record, "' (", what, ") is not in the zip directory");
  BRIVL_CHECK(it->second.size == size, path_, ": record '", record, "' (", what, ") is damaged: ", size,
              " bytes, the zip directory says ", it->second.size);
  // In pieces on the intra-op threads: a released checkpoint is gigabytes, and one thread of
  // zlib's CRC would take longer than reading it (docs/PERFORMANCE.md).
  constexpr size_t kPiece = size_t{4} << 20;
  const auto* bytes = static_cast<const unsigned char*>(data);
  const int64_t pieces = static_cast<int64_t>((size + kPiece - 1) / kPiece);
  std::vector<uint32_t> crcs(static_cast<size_t>(pieces));
  at::parallel_for(0, pieces, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const size_t offset = static_cast<size_t>(i) * kPiece;
      crcs[static_cast<size_t>(i)] = crc32_of(bytes + offset, std::min(kPiece, size - offset));
    }
  });
  uint32_t got = pieces == 0 ? crc32_of(nullptr, 0) : crcs[0];
  for (int64_t i = 1; i < pieces; ++i) {
    const size_t offset = static_cast<size_t>(i) * kPiece;
    got = crc32_combine_of(got, crcs[static_cast<size_t>(i)], std::min(kPiece, size - offset));
  }
  if (got == it->second.crc32) return;
  char hex[40];
  std::snprintf(hex, sizeof(hex), "CRC-32 %08x, stored %08x", got, it->second.crc32);
  BRIVL_FAIL(path_, ": record '", record, "' (", what, ") is damaged: ", hex,
             "; the file was corrupted after it was written (download or copy it again)");
}

torch::Tensor TorchZipReader::storage(const CheckpointEntry& e) {
  auto it = storages_.find(e.storage_key);
  if (it != storages_.end()) {
    // Entries sharing a record must agree on what it holds.
    BRIVL_CHECK(it->second.scalar_type() == e.dtype && it->second.numel() == e.storage_numel, path_, ": entry '",
                e.key, "' describes record '", e.storage_key, "' differently from an earlier entry");
    return it->second;
  }
  const std::string record = "data/" + e.storage_key;
  BRIVL_CHECK(zip_->hasRecord(record), path_, ": entry '", e.key, "' refers to missing record '", record, "'");
  at::DataPtr data;
  size_t size = 0;
  try {
    std::tie(data, size) = zip_->getRecord(record);
  } catch (const c10::Error& err) {
    BRIVL_FAIL(path_, ": cannot read record '", record, "' of entry '", e.key, "' (",
               first_line(err.what_without_backtrace()), "); the file may be truncated or corrupt");
  }
  verify(record, data.get(), size, "entry '" + e.key + "'");
  const int64_t item = element_size(e.dtype);
  BRIVL_CHECK(e.storage_numel >= 0 && static_cast<uint64_t>(e.storage_numel) <= size / item &&
                  static_cast<uint64_t>(e.storage_numel * item) == size,
              path_, ": record '", record, "' has ", size, " bytes, but entry '", e.key, "' declares ", e.storage_numel,
              " x ", c10::toString(e.dtype));
  // The tensor takes ownership of the record's buffer: no second copy of the weights.
  auto owner = std::make_shared<at::DataPtr>(std::move(data));
  auto flat = torch::from_blob(owner->get(), {e.storage_numel}, [owner](void*) {}, torch::TensorOptions().dtype(e.dtype));
  storages_[e.storage_key] = flat;
  return flat;
}

torch::Tensor TorchZipReader::read(const CheckpointEntry& e) {
  int64_t last = e.storage_offset;
  bool empty = false, overflow = false;
  for (size_t d = 0; d < e.shape.size(); ++d) {
    BRIVL_CHECK(e.shape[d] >= 0 && e.stride[d] >= 0, path_, ": entry '", e.key, "' has a negative size or stride");
    empty |= e.shape[d] == 0;
    int64_t reach = 0;
    overflow |= __builtin_mul_overflow(std::max<int64_t>(e.shape[d] - 1, 0), e.stride[d], &reach) ||
                __builtin_add_overflow(last, reach, &last);
  }
  BRIVL_CHECK(!overflow, path_, ": entry '", e.key, "' has sizes/strides that overflow");
  auto flat = storage(e);
  BRIVL_CHECK(empty || (e.storage_offset >= 0 && last < e.storage_numel), path_, ": entry '", e.key,
              "' reaches past its storage (", e.storage_numel, " elements)");
  if (empty) return torch::empty(e.shape, flat.options());
  return flat.as_strided(e.shape, e.stride, e.storage_offset);
}

}  // namespace brivl
