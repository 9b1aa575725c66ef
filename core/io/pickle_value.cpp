#include "io/pickle_value.h"

namespace brivl {

PyValue::~PyValue() {
  std::vector<PyRef> pending;
  auto detach = [&pending](PyValue& v) {
    for (auto& item : v.items) pending.push_back(std::move(item));
    for (auto& [key, value] : v.dict) {
      pending.push_back(std::move(key));
      pending.push_back(std::move(value));
    }
    v.items.clear();
    v.dict.clear();
  };
  detach(*this);
  while (!pending.empty()) {
    PyRef node = std::move(pending.back());
    pending.pop_back();
    if (node && node.use_count() == 1) detach(*node);  // its children are freed here, not recursively
  }
}

const char* PyValue::kind_name() const {
  switch (kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kBytes: return "bytes";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kGlobal: return "global";
    case Kind::kStorage: return "storage";
    case Kind::kTensor: return "tensor";
  }
  return "?";
}

}  // namespace brivl
