// save_official_checkpoint: a protocol-2 pickle of {'learnable': OrderedDict(key -> tensor)} with
// tensors as torch._utils._rebuild_tensor_v2 over persistent storages, in PyTorch's zip container.
// Ref: torch/serialization.py `_save` (torch 1.13), CPython Lib/pickle.py opcodes.
#include <caffe2/serialize/inline_container.h>

#include <map>

#include "io/checkpoint.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

std::string storage_type_name(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return "FloatStorage";
    case torch::kFloat64: return "DoubleStorage";
    case torch::kFloat16: return "HalfStorage";
    case torch::kBFloat16: return "BFloat16Storage";
    case torch::kInt64: return "LongStorage";
    case torch::kInt32: return "IntStorage";
    case torch::kInt16: return "ShortStorage";
    case torch::kInt8: return "CharStorage";
    case torch::kUInt8: return "ByteStorage";
    case torch::kBool: return "BoolStorage";
    default: BRIVL_FAIL("dtype ", c10::toString(t), " cannot be saved in a .pth checkpoint");
  }
}

class PickleWriter {
 public:
  PickleWriter() { bytes_ += "\x80\x02"; }  // PROTO 2
  void op(char c) { bytes_ += c; }
  void mark() { op('('); }
  void global(const std::string& module, const std::string& name) { bytes_ += "c" + module + "\n" + name + "\n"; }
  void string(const std::string& s) {
    op('X');
    le(s.size(), 4);
    bytes_ += s;
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      op('K');
      le(static_cast<uint64_t>(v), 1);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      op('J');
      le(static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(v))), 4);
    } else {
      op('\x8a');  // LONG1 with 8 bytes two's complement
      le(8, 1);
      le(static_cast<uint64_t>(v), 8);
    }
  }
  void int_tuple(c10::IntArrayRef values) {
    mark();
    for (auto v : values) integer(v);
    op('t');
  }
  void empty_ordered_dict() {
    global("collections", "OrderedDict");
    op(')');
    op('R');
  }
  std::string take() {
    op('.');
    return std::move(bytes_);
  }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string bytes_;
};

struct StorageToWrite {
  std::string key;
  torch::Tensor flat;  // the whole storage as a 1-D CPU tensor
};

}  // namespace

void save_official_checkpoint(const std::string& path,
                              const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  PickleWriter p;
  p.op('}');  // EMPTY_DICT
  p.string("learnable");
  p.empty_ordered_dict();
  std::map<const void*, size_t> storage_ids;
  std::vector<StorageToWrite> storages;
  for (const auto& [key, value] : tensors) {
    auto t = value.detach();
    if (!t.device().is_cpu()) t = t.to(torch::kCPU);
    const auto type = storage_type_name(t.scalar_type());
    const void* identity = t.storage().unsafeGetStorageImpl();
    auto [it, fresh] = storage_ids.emplace(identity, storages.size());
    const int64_t numel = static_cast<int64_t>(t.storage().nbytes() / t.element_size());
    if (fresh) {
      auto flat = torch::empty({0}, t.options()).set_(t.storage(), 0, {numel}, {1});
      storages.push_back({std::to_string(storages.size()), flat});
    }
    p.string(key);
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    p.mark();  // persistent id ('storage', type, key, 'cpu', numel)
    p.string("storage");
    p.global("torch", type);
    p.string(storages[it->second].key);
    p.string("cpu");
    p.integer(numel);
    p.op('t');
    p.op('Q');  // BINPERSID
    p.integer(t.storage_offset());
    p.int_tuple(t.sizes());
    p.int_tuple(t.strides());
    p.op('\x89');  // requires_grad = False
    p.empty_ordered_dict();  // backward hooks
    p.op('t');
    p.op('R');
    p.op('s');  // SETITEM into the OrderedDict
  }
  p.op('s');  // root['learnable'] = OrderedDict
  const auto pickle = p.take();

  AtomicFileWriter out(path);
  // The zip writer's destructor writes too (the end of the archive), and LibTorch 1.13's throws
  // from it on a short write: a disk that fills up mid-checkpoint aborted the process. So the
  // callback never throws and never reports a short write: after the first failure it drops the
  // bytes, the archive "completes", and the failure is reported once the writer is gone (the
  // temporary file is then removed, nothing replaced).
  std::string write_error;
  try {
    caffe2::serialize::PyTorchStreamWriter zip([&out, &write_error](const void* data, size_t size) -> size_t {
      if (!write_error.empty()) return size;
      try {
        out.write(data, size);
      } catch (const Error& e) {
        write_error = e.what();
      }
      return size;
    });
    zip.writeRecord("data.pkl", pickle.data(), pickle.size());
    for (const auto& s : storages) {
      zip.writeRecord("data/" + s.key, s.flat.data_ptr(), s.flat.numel() * s.flat.element_size());
    }
    zip.writeEndOfFile();
  } catch (const c10::Error& e) {
    if (write_error.empty()) write_error = e.what_without_backtrace();
  }
  if (!write_error.empty()) {
    if (write_error.rfind(path, 0) == 0) BRIVL_FAIL(write_error, "; the checkpoint was not written");  // names the file
    BRIVL_FAIL(path, ": cannot write checkpoint (", write_error, ")");
  }
  out.commit();
}

}  // namespace brivl
