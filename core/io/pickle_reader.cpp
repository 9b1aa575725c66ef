#include "io/pickle_reader.h"

#include <cstring>
#include <set>
#include <unordered_map>

#include "util/error.h"

namespace brivl {
namespace {

using Kind = PyValue::Kind;

const std::set<std::string>& storage_types() {
  static const std::set<std::string> types = {
      "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
      "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"};
  return types;
}

bool is_allowed_global(const std::string& module, const std::string& name) {
  if (module == "collections" && name == "OrderedDict") return true;
  if (module == "torch._utils" && (name == "_rebuild_tensor_v2" || name == "_rebuild_parameter")) return true;
  return module == "torch" && storage_types().count(name) > 0;
}

class Unpickler {
 public:
  Unpickler(const char* data, size_t size, std::string source) : data_(data), size_(size), source_(std::move(source)) {}

  PyRef run() {
    size_t at = 0;
    try {
      while (true) {
        at = pos_;
        const auto op = static_cast<uint8_t>(read_byte());
        if (op == '.') break;  // STOP
        dispatch(op);
      }
    } catch (const Error& e) {
      BRIVL_FAIL(source_, ": data.pkl at byte ", at, ": ", e.what());
    }
    BRIVL_CHECK(stack_.size() == 1, source_, ": data.pkl ended with ", stack_.size(), " values on the stack (expected 1)");
    return stack_.back();
  }

 private:
  [[noreturn]] void fail_truncated() const { BRIVL_FAIL("the pickle is truncated (", size_, " bytes)"); }

  char read_byte() {
    if (pos_ >= size_) fail_truncated();
    return data_[pos_++];
  }
  const char* take(size_t n) {
    if (n > size_ - pos_) fail_truncated();
    const char* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint64_t read_le(size_t n) {
    const auto* p = reinterpret_cast<const uint8_t*>(take(n));
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
  }
  std::string read_line() {
    const char* start = data_ + pos_;
    const void* nl = std::memchr(start, '\n', size_ - pos_);
    if (!nl) fail_truncated();
    const size_t len = static_cast<const char*>(nl) - start;
    pos_ += len + 1;
    return std::string(start, len);
  }

  PyRef pop() {
    BRIVL_CHECK(!stack_.empty() && (marks_.empty() || stack_.size() > marks_.back()), "stack underflow");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  PyRef& top() {
    BRIVL_CHECK(!stack_.empty(), "stack underflow");
    return stack_.back();
  }
  std::vector<PyRef> pop_to_mark() {
    BRIVL_CHECK(!marks_.empty(), "no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PyRef> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  void push(PyRef v) { stack_.push_back(std::move(v)); }

  void push_int(int64_t v) {
    auto r = PyValue::make(Kind::kInt);
    r->integer = v;
    push(r);
  }
  void push_text(Kind kind, size_t n) {
    auto r = PyValue::make(kind);
    r->text.assign(take(n), n);
    push(r);
  }
  void push_tuple(std::vector<PyRef> items) {
    auto r = PyValue::make(Kind::kTuple);
    r->items = std::move(items);
    push(r);
  }
  void push_long(size_t n) {
    BRIVL_CHECK(n <= 8, "integer of ", n, " bytes is too large");
    if (n == 0) return push_int(0);
    uint64_t v = read_le(n);
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    push_int(static_cast<int64_t>(v));
  }
  void push_global(const std::string& module, const std::string& name) {
    BRIVL_CHECK(is_allowed_global(module, name), "refusing to load global '", module, ".", name,
                "': a state dict needs only OrderedDict, tensors and storages (nothing was executed)");
    auto r = PyValue::make(Kind::kGlobal);
    r->text = module + "." + name;
    push(r);
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }
  void memo_get(uint64_t index) {
    auto it = memo_.find(index);
    BRIVL_CHECK(it != memo_.end(), "memo entry ", index, " does not exist");
    push(it->second);
  }

  void set_items(PyRef& dict, const std::vector<PyRef>& kv) {
    BRIVL_CHECK(dict->kind == Kind::kDict, "SETITEMS on a ", dict->kind_name());
    BRIVL_CHECK(kv.size() % 2 == 0, "odd number of items for a dict");
    for (size_t i = 0; i < kv.size(); i += 2) dict->dict.emplace_back(kv[i], kv[i + 1]);
  }
  void append_items(PyRef& list, const std::vector<PyRef>& items) {
    BRIVL_CHECK(list->kind == Kind::kList, "APPEND on a ", list->kind_name());
    list->items.insert(list->items.end(), items.begin(), items.end());
  }

  void dispatch(uint8_t op);
  void reduce();
  void persistent_load();

  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string source_;
  std::vector<PyRef> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PyRef> memo_;
};

std::vector<int64_t> int_tuple(const PyRef& v, const char* what) {
  BRIVL_CHECK(v->kind == Kind::kTuple || v->kind == Kind::kList, what, " is a ", v->kind_name(), ", expected a tuple");
  std::vector<int64_t> out;
  for (const auto& item : v->items) {
    BRIVL_CHECK(item->kind == Kind::kInt, what, " holds a ", item->kind_name(), ", expected ints");
    out.push_back(item->integer);
  }
  return out;
}

void Unpickler::reduce() {
  auto args = pop();
  auto callable = pop();
  BRIVL_CHECK(callable->kind == Kind::kGlobal, "REDUCE of a ", callable->kind_name());
  BRIVL_CHECK(args->kind == Kind::kTuple, "REDUCE arguments are a ", args->kind_name());
  const auto& name = callable->text;
  const auto& a = args->items;
  if (name == "collections.OrderedDict") {
    BRIVL_CHECK(a.empty(), "OrderedDict() with arguments");
    return push(PyValue::make(Kind::kDict));
  }
  if (name == "torch._utils._rebuild_parameter") {
    BRIVL_CHECK(a.size() >= 1 && a[0]->kind == Kind::kTensor, "_rebuild_parameter without a tensor");
    return push(a[0]);
  }
  if (name == "torch._utils._rebuild_tensor_v2") {
    BRIVL_CHECK(a.size() >= 4 && a[0]->kind == Kind::kStorage && a[1]->kind == Kind::kInt,
                "_rebuild_tensor_v2 expects (storage, offset, size, stride, ...)");
    auto t = PyValue::make(Kind::kTensor);
    t->tensor.storage = a[0]->storage;
    t->tensor.storage_offset = a[1]->integer;
    t->tensor.size = int_tuple(a[2], "tensor size");
    t->tensor.stride = int_tuple(a[3], "tensor stride");
    BRIVL_CHECK(t->tensor.size.size() == t->tensor.stride.size(), "tensor size and stride differ in length");
    return push(t);
  }
  BRIVL_FAIL("global '", name, "' cannot be called");
}

void Unpickler::persistent_load() {
  auto pid = pop();
  BRIVL_CHECK(pid->kind == Kind::kTuple && pid->items.size() == 5, "persistent id is not a 5-tuple");
  const auto& p = pid->items;
  BRIVL_CHECK(p[0]->kind == Kind::kString && p[0]->text == "storage", "persistent id is not a storage");
  BRIVL_CHECK(p[1]->kind == Kind::kGlobal && p[2]->kind == Kind::kString && p[3]->kind == Kind::kString &&
                  p[4]->kind == Kind::kInt,
              "malformed storage persistent id");
  auto s = PyValue::make(Kind::kStorage);
  s->storage.type_name = p[1]->text.substr(p[1]->text.rfind('.') + 1);
  s->storage.key = p[2]->text;
  s->storage.location = p[3]->text;
  s->storage.numel = p[4]->integer;
  BRIVL_CHECK(s->storage.numel >= 0, "negative storage size");
  push(s);
}

void Unpickler::dispatch(uint8_t op) {
  switch (op) {
    case 0x80: read_byte(); return;          // PROTO
    case 0x95: take(8); return;              // FRAME (framing is transparent here)
    case '(': marks_.push_back(stack_.size()); return;  // MARK
    case '}': return push(PyValue::make(Kind::kDict));  // EMPTY_DICT
    case ']': return push(PyValue::make(Kind::kList));  // EMPTY_LIST
    case ')': return push_tuple({});                     // EMPTY_TUPLE
    case 't': return push_tuple(pop_to_mark());          // TUPLE
    case 0x85: { auto a = pop(); return push_tuple({a}); }                  // TUPLE1
    case 0x86: { auto b = pop(), a = pop(); return push_tuple({a, b}); }    // TUPLE2
    case 0x87: { auto c = pop(), b = pop(), a = pop(); return push_tuple({a, b, c}); }  // TUPLE3
    case 'N': return push(PyValue::make(Kind::kNone));
    case 0x88: case 0x89: {  // NEWTRUE / NEWFALSE
      auto r = PyValue::make(Kind::kBool);
      r->boolean = op == 0x88;
      return push(r);
    }
    case 'J': return push_int(static_cast<int32_t>(read_le(4)));  // BININT
    case 'K': return push_int(static_cast<int64_t>(read_le(1)));  // BININT1
    case 'M': return push_int(static_cast<int64_t>(read_le(2)));  // BININT2
    case 0x8a: return push_long(static_cast<size_t>(read_le(1)));  // LONG1
    case 'G': {  // BINFLOAT (big endian)
      const auto* p = reinterpret_cast<const uint8_t*>(take(8));
      uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
      auto r = PyValue::make(Kind::kFloat);
      std::memcpy(&r->number, &bits, 8);
      return push(r);
    }
    case 'X': return push_text(Kind::kString, read_le(4));     // BINUNICODE
    case 0x8c: return push_text(Kind::kString, read_le(1));    // SHORT_BINUNICODE
    case 0x8d: return push_text(Kind::kString, read_le(8));    // BINUNICODE8
    case 'B': return push_text(Kind::kBytes, read_le(4));      // BINBYTES
    case 'C': return push_text(Kind::kBytes, read_le(1));      // SHORT_BINBYTES
    case 'c': {                                                // GLOBAL
      const auto module = read_line();
      return push_global(module, read_line());
    }
    case 0x93: {  // STACK_GLOBAL
      auto name = pop(), module = pop();
      BRIVL_CHECK(name->kind == Kind::kString && module->kind == Kind::kString, "STACK_GLOBAL needs two strings");
      return push_global(module->text, name->text);
    }
    case 'R': return reduce();
    case 'b': pop(); return;       // BUILD: object state (e.g. OrderedDict._metadata) is not needed
    case 'Q': return persistent_load();  // BINPERSID
    case 'q': return memo_put(read_le(1));       // BINPUT
    case 'r': return memo_put(read_le(4));       // LONG_BINPUT
    case 0x94: return memo_put(memo_.size());    // MEMOIZE
    case 'h': return memo_get(read_le(1));       // BINGET
    case 'j': return memo_get(read_le(4));       // LONG_BINGET
    case 's': { auto v = pop(), k = pop(); return set_items(top(), {k, v}); }  // SETITEM
    case 'u': { auto kv = pop_to_mark(); return set_items(top(), kv); }      // SETITEMS
    case 'a': { auto v = pop(); return append_items(top(), {v}); }            // APPEND
    case 'e': { auto items = pop_to_mark(); return append_items(top(), items); }  // APPENDS
    case '0': pop(); return;                                         // POP
    case '1': pop_to_mark(); return;                                 // POP_MARK
    case '2': return push(top());                                    // DUP
    default: BRIVL_FAIL("unsupported pickle opcode 0x", std::hex, int(op), " (not part of a state dict)");
  }
}

}  // namespace

PyRef unpickle_state_dict(const char* data, size_t size, const std::string& source) {
  return Unpickler(data, size, source).run();
}

}  // namespace brivl
