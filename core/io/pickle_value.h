#pragma once
// The few Python values a PyTorch state dict pickle holds, as a small tree.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace brivl {

struct PyValue;
using PyRef = std::shared_ptr<PyValue>;

// ('storage', torch.FloatStorage, '0', 'cpu', numel) persistent id of torch.save's zip format.
struct PickledStorage {
  std::string type_name;  // "FloatStorage", "LongStorage", ...
  std::string key;        // record name under <archive>/data/
  std::string location;   // "cpu", "cuda:0", ...
  int64_t numel = 0;
};

// torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...)
struct PickledTensor {
  PickledStorage storage;
  int64_t storage_offset = 0;
  std::vector<int64_t> size;
  std::vector<int64_t> stride;
};

struct PyValue {
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kBytes, kTuple, kList, kDict, kGlobal, kStorage, kTensor };
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;                           // string, bytes, or "module.name" of a global
  std::vector<PyRef> items;                   // tuple, list
  std::vector<std::pair<PyRef, PyRef>> dict;  // dict in insertion order
  PickledStorage storage;
  PickledTensor tensor;

  PyValue() = default;
  PyValue(const PyValue&) = delete;
  PyValue& operator=(const PyValue&) = delete;
  // Frees nested containers iteratively: a crafted pickle of deeply nested tuples must not
  // overflow the stack when its tree is destroyed.
  ~PyValue();

  static PyRef make(Kind kind) {
    auto v = std::make_shared<PyValue>();
    v->kind = kind;
    return v;
  }
  const char* kind_name() const;
};

}  // namespace brivl
