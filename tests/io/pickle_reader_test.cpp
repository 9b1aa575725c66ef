// Tests for the whitelisting state-dict unpickler brivl::unpickle_state_dict (core/io/pickle_reader.h).
#include "io/pickle_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/pickle_value.h"
#include "test_support.h"
#include "util/error.h"

namespace brivl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = PyValue::Kind;

std::string le(uint64_t v, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}
std::string op(uint8_t code) { return std::string(1, static_cast<char>(code)); }
std::string op(uint8_t code, uint8_t arg) { return op(code) + op(arg); }

// Emits pickle opcodes the way CPython's pickler does for protocol 2 (GLOBAL, BINUNICODE, BINPUT)
// or protocol 4 (STACK_GLOBAL, SHORT_BINUNICODE, MEMOIZE, one FRAME around everything).
class PickleWriter {
 public:
  explicit PickleWriter(int protocol) : protocol_(protocol) {}

  PickleWriter& raw(const std::string& bytes) {
    body_ += bytes;
    return *this;
  }
  PickleWriter& str(const std::string& s) {
    if (protocol_ >= 4) return raw(op(0x8c, static_cast<uint8_t>(s.size())) + s);
    return raw("X" + le(s.size(), 4) + s);
  }
  PickleWriter& global(const std::string& module, const std::string& name) {
    if (protocol_ < 4) return raw("c" + module + "\n" + name + "\n");
    str(module);
    memoize();
    str(name);
    memoize();
    return raw(op(0x93));
  }
  PickleWriter& small_int(uint8_t v) { return raw(op('K', v)); }
  PickleWriter& get(int index) { return raw(op('h', static_cast<uint8_t>(index))); }
  // Memoizes the top of the stack; returns its memo index.
  int memoize() {
    raw(protocol_ >= 4 ? op(0x94) : op('q', static_cast<uint8_t>(memo_count_)));
    return memo_count_++;
  }
  std::string bytes() const {
    const std::string body = body_ + ".";
    if (protocol_ < 4) return op(0x80, static_cast<uint8_t>(protocol_)) + body;
    return op(0x80, static_cast<uint8_t>(protocol_)) + op(0x95) + le(body.size(), 8) + body;
  }

 private:
  int protocol_;
  std::string body_;
  int memo_count_ = 0;
};

// torch.save({'learnable': OrderedDict(a.weight=storage[0:6] as 2x3, a.bias=storage[4:6])}) with
// both tensors on one FloatStorage '0' of 6 floats, OrderedDict state set by BUILD.
std::string state_dict_pickle(int protocol) {
  PickleWriter w(protocol);
  w.raw("}");
  w.memoize();
  w.str("learnable");
  w.memoize();
  w.global("collections", "OrderedDict");
  const int ordered_dict = w.memoize();
  w.raw(")R");
  w.memoize();
  w.raw("(");  // SETITEMS mark
  w.str("a.weight");
  w.memoize();
  w.global("torch._utils", "_rebuild_tensor_v2");
  const int rebuild = w.memoize();
  w.raw("((");  // args tuple, persistent id tuple
  w.str("storage");
  w.global("torch", "FloatStorage");
  w.str("0").str("cpu").small_int(6).raw("t");
  const int persistent_id = w.memoize();
  w.raw("Q");
  w.small_int(0);
  w.small_int(2).small_int(3).raw(op(0x86));  // size (2, 3)
  w.small_int(3).small_int(1).raw(op(0x86));  // stride (3, 1)
  w.raw(op(0x89)).get(ordered_dict).raw(")R");  // requires_grad, backward_hooks
  w.raw("tR");
  w.str("a.bias");
  w.get(rebuild).raw("(").get(persistent_id).raw("Q");
  w.small_int(4).small_int(2).raw(op(0x85)).small_int(1).raw(op(0x85));
  w.raw(op(0x88)).get(ordered_dict).raw(")RtR");
  w.raw("u");
  w.raw("}").str("_metadata").raw("Ns").raw("b");  // OrderedDict.__dict__ state
  w.raw("s");
  return w.bytes();
}

PyRef unpickle(const std::string& bytes) { return unpickle_state_dict(bytes.data(), bytes.size(), "model.pth"); }

// Wraps opcodes in PROTO 2 ... STOP.
PyRef unpickle_body(const std::string& body) { return unpickle(op(0x80, 2) + body + "."); }

void expect_storage(const PickledStorage& s) {
  EXPECT_EQ(s.type_name, "FloatStorage");
  EXPECT_EQ(s.key, "0");
  EXPECT_EQ(s.location, "cpu");
  EXPECT_EQ(s.numel, 6);
}

void expect_state_dict(const PyRef& root) {
  ASSERT_EQ(root->kind, Kind::kDict);
  ASSERT_EQ(root->dict.size(), 1u);
  EXPECT_EQ(root->dict[0].first->text, "learnable");
  const auto& sd = root->dict[0].second;
  ASSERT_EQ(sd->kind, Kind::kDict);
  ASSERT_EQ(sd->dict.size(), 2u);
  EXPECT_EQ(sd->dict[0].first->text, "a.weight");
  EXPECT_EQ(sd->dict[1].first->text, "a.bias");
  const auto& weight = sd->dict[0].second;
  ASSERT_EQ(weight->kind, Kind::kTensor);
  EXPECT_THAT(weight->tensor.size, ElementsAre(2, 3));
  EXPECT_THAT(weight->tensor.stride, ElementsAre(3, 1));
  EXPECT_EQ(weight->tensor.storage_offset, 0);
  expect_storage(weight->tensor.storage);
  const auto& bias = sd->dict[1].second;
  ASSERT_EQ(bias->kind, Kind::kTensor);
  EXPECT_THAT(bias->tensor.size, ElementsAre(2));
  EXPECT_THAT(bias->tensor.stride, ElementsAre(1));
  EXPECT_EQ(bias->tensor.storage_offset, 4);
  expect_storage(bias->tensor.storage);
}

TEST(PickleReader, ReadsProtocol2StateDict) { expect_state_dict(unpickle(state_dict_pickle(2))); }

TEST(PickleReader, ReadsProtocol4StateDictWithFramesAndMemoize) { expect_state_dict(unpickle(state_dict_pickle(4))); }

TEST(PickleReader, RebuildParameterUnwrapsTheTensor) {
  PickleWriter w(2);
  w.global("torch._utils", "_rebuild_parameter").raw("(");
  w.global("torch._utils", "_rebuild_tensor_v2").raw("((").str("storage");
  w.global("torch", "LongStorage").str("7").str("cuda:0").small_int(3).raw("tQ");
  w.small_int(1).small_int(2).raw(op(0x85)).small_int(1).raw(op(0x85)).raw(op(0x89));
  w.global("collections", "OrderedDict").raw(")RtR");
  w.raw(op(0x88)).global("collections", "OrderedDict").raw(")RtR");
  const auto t = unpickle(w.bytes());
  ASSERT_EQ(t->kind, Kind::kTensor);
  EXPECT_EQ(t->tensor.storage.type_name, "LongStorage");
  EXPECT_EQ(t->tensor.storage.key, "7");
  EXPECT_EQ(t->tensor.storage.location, "cuda:0");
  EXPECT_EQ(t->tensor.storage_offset, 1);
  EXPECT_THAT(t->tensor.size, ElementsAre(2));
}

TEST(PickleReader, ReadsScalarsAndLists) {
  // [None, True, -5 (BININT), 65535 (BININT2), 1.0 (BINFLOAT), b'ab' (SHORT_BINBYTES)]
  const auto v = unpickle_body("](N" + op(0x88) + "J" + le(static_cast<uint32_t>(-5), 4) + "M" + le(65535, 2) + "G" +
                               std::string("\x3f\xf0\0\0\0\0\0\0", 8) + "C" + op(2) + "abe");
  ASSERT_EQ(v->kind, Kind::kList);
  ASSERT_EQ(v->items.size(), 6u);
  EXPECT_EQ(v->items[0]->kind, Kind::kNone);
  EXPECT_TRUE(v->items[1]->boolean);
  EXPECT_EQ(v->items[2]->integer, -5);
  EXPECT_EQ(v->items[3]->integer, 65535);
  EXPECT_EQ(v->items[4]->number, 1.0);
  EXPECT_EQ(v->items[5]->kind, Kind::kBytes);
  EXPECT_EQ(v->items[5]->text, "ab");
}

TEST(PickleReader, Long1IsSignedLittleEndian) {
  EXPECT_EQ(unpickle_body(op(0x8a, 1) + op(0xff))->integer, -1);
  EXPECT_EQ(unpickle_body(op(0x8a, 2) + op(0x00) + op(0x80))->integer, -32768);
  EXPECT_EQ(unpickle_body(op(0x8a, 2) + op(0xff) + op(0x00))->integer, 255);  // sign byte 0x00
  EXPECT_EQ(unpickle_body(op(0x8a, 0))->integer, 0);
  EXPECT_EQ(unpickle_body(op(0x8a, 8) + le(0x0123456789abcdefULL, 8))->integer, 0x0123456789abcdefLL);
  EXPECT_EQ(unpickle_body(op(0x8a, 8) + le(static_cast<uint64_t>(-2), 8))->integer, -2);
  EXPECT_EQ(unpickle_body(op(0x8a, 5) + le(0xff00000000ULL, 5))->integer, -4294967296LL);
}

TEST(PickleReader, RejectsLong1BeyondEightBytes) {
  EXPECT_BRIVL_ERROR(unpickle_body(op(0x8a, 9) + std::string(9, '\x01')), "model.pth", "9 bytes");
}

TEST(PickleReader, BuildOnOrderedDictIsAcceptedAndStateIgnored) {
  PickleWriter w(2);
  w.global("collections", "OrderedDict").raw(")R");
  w.raw("}").str("_metadata").raw("}s").raw("b");
  const auto v = unpickle(w.bytes());
  ASSERT_EQ(v->kind, Kind::kDict);
  EXPECT_TRUE(v->dict.empty());
}

// The command would create this marker file if the pickle were ever executed.
std::string marker_command(const test::TempDir& dir) { return "touch " + dir.file("pwned"); }

TEST(PickleReader, RefusesPosixSystemWithoutExecuting) {
  test::TempDir dir;
  PickleWriter w(2);
  w.global("posix", "system").raw("(").str(marker_command(dir)).raw("tR");
  EXPECT_BRIVL_ERROR(unpickle(w.bytes()), "model.pth", "refusing to load global 'posix.system'");
  EXPECT_FALSE(std::filesystem::exists(dir.file("pwned")));
}

TEST(PickleReader, RefusesStackGlobalOsSystem) {
  test::TempDir dir;
  PickleWriter w(4);
  w.global("os", "system").str(marker_command(dir)).raw(op(0x85)).raw("R");
  EXPECT_BRIVL_ERROR(unpickle(w.bytes()), "refusing to load global 'os.system'");
  EXPECT_FALSE(std::filesystem::exists(dir.file("pwned")));
}

TEST(PickleReader, RefusesBuiltinsEval) {
  PickleWriter w(2);
  w.global("builtins", "eval").raw("(").str("__import__('os').system('true')").raw("tR");
  EXPECT_BRIVL_ERROR(unpickle(w.bytes()), "refusing to load global 'builtins.eval'");
}

TEST(PickleReader, RefusesLookalikeGlobals) {
  // Only exact module/name pairs are whitelisted.
  EXPECT_BRIVL_ERROR(unpickle(PickleWriter(2).global("torch", "load").bytes()), "'torch.load'");
  EXPECT_BRIVL_ERROR(unpickle(PickleWriter(2).global("torch._utils", "_rebuild_tensor").bytes()),
                     "'torch._utils._rebuild_tensor'");
  EXPECT_BRIVL_ERROR(unpickle(PickleWriter(2).global("collections", "defaultdict").bytes()),
                     "'collections.defaultdict'");
}

TEST(PickleReader, RefusesToCallAWhitelistedNonCallable) {
  PickleWriter w(2);
  w.global("torch", "FloatStorage").raw(")R");
  EXPECT_BRIVL_ERROR(unpickle(w.bytes()), "'torch.FloatStorage' cannot be called");
}

TEST(PickleReader, RefusesReduceOfANonGlobal) {
  EXPECT_BRIVL_ERROR(unpickle(PickleWriter(2).str("print").raw(")R").bytes()), "REDUCE of a str");
}

TEST(PickleReader, RejectsUnknownOpcodes) {
  // INST, OBJ and NEWOBJ would instantiate arbitrary classes; 0xff is no opcode at all.
  for (uint8_t code : {uint8_t{'i'}, uint8_t{'o'}, uint8_t{0x81}, uint8_t{0xff}}) {
    EXPECT_BRIVL_ERROR(unpickle_body(op(code)), "model.pth", "unsupported pickle opcode");
  }
  EXPECT_BRIVL_ERROR(unpickle_body("i"), "opcode 0x69");
}

TEST(PickleReader, EveryPrefixOfAValidPickleThrows) {
  for (int protocol : {2, 4}) {
    const auto full = state_dict_pickle(protocol);
    for (size_t cut = 0; cut < full.size(); ++cut) {
      // An exact-size copy, so that reading past the cut touches no bytes of the full pickle.
      const std::vector<char> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
      try {
        unpickle_state_dict(prefix.data(), prefix.size(), "model.pth");
        ADD_FAILURE() << "protocol " << protocol << ": prefix of " << cut << " bytes was accepted";
      } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("truncated")) << "protocol " << protocol << ", cut " << cut;
      }
    }
  }
}

TEST(PickleReader, RejectsMissingMemoEntry) {
  EXPECT_BRIVL_ERROR(unpickle_body(op('h', 5)), "memo entry 5 does not exist");
  EXPECT_BRIVL_ERROR(unpickle_body("N" + op('q', 0) + "j" + le(1, 4)), "memo entry 1 does not exist");
}

TEST(PickleReader, RejectsStackUnderflowAndLeftovers) {
  EXPECT_BRIVL_ERROR(unpickle_body("0"), "stack underflow");
  EXPECT_BRIVL_ERROR(unpickle_body("(" + op(0x85)), "stack underflow");  // TUPLE1 may not pop the MARK
  EXPECT_BRIVL_ERROR(unpickle_body(op('K', 1) + op('K', 2)), "2 values on the stack");
  EXPECT_BRIVL_ERROR(unpickle_body(""), "0 values on the stack");
}

TEST(PickleReader, RejectsMalformedContainers) {
  EXPECT_BRIVL_ERROR(unpickle_body("](" + op('K', 1) + op('K', 2) + "u"), "SETITEMS on a list");
  EXPECT_BRIVL_ERROR(unpickle_body("}(" + op('K', 1) + "u"), "odd number of items");
  EXPECT_BRIVL_ERROR(unpickle_body("t"), "no MARK");
}

TEST(PickleReader, RejectsMalformedPersistentIds) {
  EXPECT_BRIVL_ERROR(unpickle(PickleWriter(2).str("storage").raw(op(0x85) + "Q").bytes()), "not a 5-tuple");
  PickleWriter w(2);
  w.raw("(").str("module").global("torch", "FloatStorage").str("0").str("cpu").small_int(1).raw("tQ");
  EXPECT_BRIVL_ERROR(unpickle(w.bytes()), "not a storage");
}

TEST(PickleReader, RejectsTensorWithMismatchedSizeAndStride) {
  PickleWriter w(2);
  w.global("torch._utils", "_rebuild_tensor_v2").raw("((").str("storage");
  w.global("torch", "FloatStorage").str("0").str("cpu").small_int(6).raw("tQ");
  w.small_int(0).small_int(2).small_int(3).raw(op(0x86)).small_int(1).raw(op(0x85)).raw("tR");
  EXPECT_BRIVL_ERROR(unpickle(w.bytes()), "size and stride");
}

TEST(PickleReader, DeeplyNestedInputDoesNotOverflowTheStack) {
  // A hostile data.pkl: 2 million nested 1-tuples (2 MB). Rejecting it or returning it are both fine;
  // what must not happen is a crash (e.g. recursive destruction overflowing the stack).
  // About 200000 levels already overflow an 8 MiB stack when destroyed recursively.
  const std::string body = "N" + std::string(2000000, '\x85');
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the child re-runs only this test
  EXPECT_EXIT(
      {
        try {
          unpickle_body(body);
        } catch (const Error&) {
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace brivl
