// Checkpoint I/O: the official .pth zip format (read and write), .safetensors, strict loading and
// every kind of bad file turning into one clear error that names the file.
#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <fstream>

#include "io/checkpoint.h"
#include "io/zip_directory.h"
#include "model/model_test_support.h"
#include "util/atomic_file.h"

namespace brivl {
namespace {

using test::max_abs_diff;
using test::TempDir;
using test::write_bytes;

std::string fixture_checkpoint() { return test::fixture_model_file("checkpoint.pth"); }

// A zip holding `pickle` as data.pkl, like torch.save would write it.
void write_zip_with_pickle(const std::string& path, const std::string& pickle) {
  std::ofstream out(path, std::ios::binary);
  caffe2::serialize::PyTorchStreamWriter zip([&out](const void* data, size_t size) {
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    return size;
  });
  zip.writeRecord("data.pkl", pickle.data(), pickle.size());
  zip.writeEndOfFile();
}

std::vector<std::pair<std::string, torch::Tensor>> read_all(CheckpointReader& reader) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& e : reader.entries()) out.emplace_back(e.key, reader.read(e).clone());
  return out;
}

class Checkpoint : public test::SeededTest {};

TEST_F(Checkpoint, ListsOfficialEntriesInFileOrderWithDtypesAndShapes) {
  auto reader = CheckpointReader::open(fixture_checkpoint());
  std::ifstream tsv(test::fixture_file("checkpoint_keys.tsv"));
  std::string line;
  std::getline(tsv, line);  // header
  size_t i = 0;
  for (; std::getline(tsv, line); ++i) {
    ASSERT_LT(i, reader->entries().size());
    const auto& e = reader->entries()[i];
    std::istringstream fields(line);
    std::string key, dtype, shape;
    std::getline(fields, key, '\t');
    std::getline(fields, dtype, '\t');
    std::getline(fields, shape, '\t');
    EXPECT_EQ(e.key, key);
    EXPECT_EQ(dtype, e.dtype == torch::kFloat32 ? "float32" : (e.dtype == torch::kInt64 ? "int64" : "other")) << key;
    std::string ours = "[";
    for (size_t d = 0; d < e.shape.size(); ++d) ours += (d ? ", " : "") + std::to_string(e.shape[d]);
    EXPECT_EQ(ours + "]", shape) << key;
  }
  EXPECT_EQ(i, 868u);
  EXPECT_EQ(reader->entries().size(), 868u);
}

TEST_F(Checkpoint, SavedOfficialLayoutReadsBackIdentically) {
  TempDir dir;
  const auto base = torch::randn({6, 4});
  const std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"a.weight", base},
      {"a_mom.weight", base},                 // shares storage: stored once
      {"b.view", base.narrow(0, 2, 3).t()},   // non-contiguous view with an offset
      {"c.num_batches_tracked", torch::tensor(7, torch::kInt64)},
      {"d.half", torch::randn({3}).to(torch::kFloat16)},
      {"e.big_int", torch::tensor({int64_t{1} << 40, int64_t{-5}}, torch::kInt64)},
  };
  save_official_checkpoint(dir.file("out.pth"), tensors);
  auto reader = CheckpointReader::open(dir.file("out.pth"));
  const auto back = read_all(*reader);
  ASSERT_EQ(back.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(back[i].first, tensors[i].first);
    EXPECT_EQ(back[i].second.scalar_type(), tensors[i].second.scalar_type());
    EXPECT_TRUE(torch::equal(back[i].second, tensors[i].second)) << tensors[i].first;
  }
  EXPECT_EQ(reader->entries()[0].storage_key, reader->entries()[1].storage_key);
  EXPECT_EQ(reader->entries()[0].storage_key, reader->entries()[2].storage_key);
}

TEST_F(Checkpoint, FixtureSurvivesSaveAndReload) {
  TempDir dir;
  auto original = CheckpointReader::open(fixture_checkpoint());
  const auto tensors = read_all(*original);
  save_official_checkpoint(dir.file("copy.pth"), tensors);
  save_safetensors(dir.file("copy.safetensors"), tensors, {{"format", "pt"}});
  for (const auto& path : {dir.file("copy.pth"), dir.file("copy.safetensors")}) {
    auto reader = CheckpointReader::open(path);
    const auto back = read_all(*reader);
    ASSERT_EQ(back.size(), tensors.size()) << path;
    for (size_t i = 0; i < back.size(); ++i) {
      ASSERT_EQ(back[i].first, tensors[i].first);
      EXPECT_TRUE(torch::equal(back[i].second, tensors[i].second)) << path << " " << back[i].first;
    }
  }
}

TEST_F(Checkpoint, SafetensorsBundleEmbedsLikeThePthBundle) {
  TempDir dir;
  auto reader = CheckpointReader::open(fixture_checkpoint());
  save_safetensors(dir.file("model.safetensors"), read_all(*reader));
  auto files = test::fixture_model_files();
  files.checkpoint = dir.file("model.safetensors");
  auto from_safetensors = load_model(files, LoadOptions().device("cpu"));
  auto from_pth = load_model(test::fixture_model_files(), LoadOptions().device("cpu"));
  const auto [ids, mask] = test::fixture_tokens();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(max_abs_diff(from_safetensors.model->encode_texts(ids, mask), from_pth.model->encode_texts(ids, mask)), 0.0);
}

// Saves the fixture with `edit` applied, then expects loading to fail with `parts` in the message.
template <typename Edit>
void expect_load_error(Edit edit, std::vector<std::string> parts) {
  TempDir dir;
  auto reader = CheckpointReader::open(fixture_checkpoint());
  auto tensors = read_all(*reader);
  edit(tensors);
  save_official_checkpoint(dir.file("bad.pth"), tensors);
  auto files = test::fixture_model_files();
  files.checkpoint = dir.file("bad.pth");
  try {
    load_model(files, LoadOptions().device("cpu"));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    for (const auto& part : parts) EXPECT_THAT(e.what(), ::testing::HasSubstr(part));
    EXPECT_THAT(e.what(), ::testing::HasSubstr(files.checkpoint));
  }
}

using Tensors = std::vector<std::pair<std::string, torch::Tensor>>;

TEST_F(Checkpoint, RejectsWrongShapeNamingGotAndExpected) {
  expect_load_error([](Tensors& t) {
    for (auto& [k, v] : t) if (k == "imgencoder.learnable.imgFC.fc1.weight") v = torch::zeros({128, 64});
  }, {"imgencoder.learnable.imgFC.fc1.weight got [128, 64], expected [128, 128]"});
}

TEST_F(Checkpoint, RejectsMissingAndUnexpectedKeysInOneError) {
  expect_load_error([](Tensors& t) {
    t.erase(std::remove_if(t.begin(), t.end(), [](auto& kv) { return kv.first == "textencoder.learnable.textFC.fc2.bias"; }), t.end());
    t.emplace_back("textencoder.learnable.extra.weight", torch::zeros({2}));
  }, {"missing keys (1): textencoder.learnable.textFC.fc2.bias", "unexpected keys (1): textencoder.learnable.extra.weight"});
}

TEST_F(Checkpoint, RejectsIntegerWeights) {
  expect_load_error([](Tensors& t) {
    for (auto& [k, v] : t) if (k == "imgencoder.backbone.conv_stem.weight") v = v.to(torch::kInt64);
  }, {"imgencoder.backbone.conv_stem.weight has dtype Long, expected Float"});
}

TEST_F(Checkpoint, AcceptsHalfPrecisionWeights) {
  TempDir dir;
  auto reader = CheckpointReader::open(fixture_checkpoint());
  auto tensors = read_all(*reader);
  for (auto& [k, v] : tensors) if (v.is_floating_point()) v = v.to(torch::kBFloat16);
  save_official_checkpoint(dir.file("bf16.pth"), tensors);
  auto files = test::fixture_model_files();
  files.checkpoint = dir.file("bf16.pth");
  auto model = load_model(files, LoadOptions().device("cpu"));
  const auto [ids, mask] = test::fixture_tokens();
  torch::NoGradGuard no_grad;
  // bf16 weights keep ~3 significant digits: close to, not equal to, the fp32 result.
  EXPECT_LT(max_abs_diff(model.model->encode_texts(ids, mask), test::load_npy_tensor(test::fixture_file("expected_text.npy"))), 0.1);
}

TEST_F(Checkpoint, TruncatedFileIsAClearError) {
  TempDir dir;
  const auto bytes = read_file(fixture_checkpoint());
  for (size_t keep : {size_t{100}, bytes.size() / 2, bytes.size() - 10}) {
    write_bytes(dir.file("cut.pth"), bytes.substr(0, keep));
    EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("cut.pth")), dir.file("cut.pth"), "truncated or corrupt");
  }
}

TEST_F(Checkpoint, AFlippedBitInAWeightOrTheStructureIsAnErrorNamingTheRecordAndTensor) {
  // LibTorch's zip reader does not check the CRC-32 torch.save stores per record; we do.
  TempDir dir;
  // A byte pattern to find in the file; over 4 MiB, so the record is checked in several pieces.
  const auto marked = torch::full({(int64_t{5} << 20) / 4 + 64}, 1234.5f);
  save_official_checkpoint(dir.file("ok.pth"), {{"a.weight", torch::randn({4})}, {"b.weight", marked}});
  const auto bytes = read_file(dir.file("ok.pth"));
  const float value = 1234.5f;
  const auto at = bytes.find(std::string(reinterpret_cast<const char*>(&value), sizeof(value)) +
                             std::string(reinterpret_cast<const char*>(&value), sizeof(value)));
  ASSERT_NE(at, std::string::npos);
  auto damaged = bytes;
  damaged[at + 17] = static_cast<char>(damaged[at + 17] ^ 0x04);
  write_bytes(dir.file("bad.pth"), damaged);
  auto reader = CheckpointReader::open(dir.file("bad.pth"));  // the structure is intact
  EXPECT_TRUE(torch::equal(reader->read(reader->entries()[0]), read_all(*CheckpointReader::open(dir.file("ok.pth")))[0].second));
  EXPECT_BRIVL_ERROR(reader->read(reader->entries()[1]), "bad.pth", "record 'data/", "entry 'b.weight'", "damaged", "CRC-32");
  // The same flip in the record's last piece.
  damaged = bytes;
  const size_t last = at + marked.numel() * sizeof(float) - 9;
  damaged[last] = static_cast<char>(damaged[last] ^ 0x40);
  write_bytes(dir.file("bad-end.pth"), damaged);
  auto end_reader = CheckpointReader::open(dir.file("bad-end.pth"));
  EXPECT_BRIVL_ERROR(end_reader->read(end_reader->entries()[1]), "bad-end.pth", "entry 'b.weight'", "damaged");
  EXPECT_TRUE(torch::equal(read_all(*CheckpointReader::open(dir.file("ok.pth")))[1].second, marked));
  // The directory's size and CRC of that record are the tensor's bytes and their CRC-32.
  const auto members = read_zip_directory(dir.file("ok.pth"));
  const auto member = std::find_if(members.begin(), members.end(), [&](const auto& m) {
    return m.first.size() > reader->entries()[1].storage_key.size() &&
           m.first.substr(m.first.size() - reader->entries()[1].storage_key.size() - 6) ==
               "/data/" + reader->entries()[1].storage_key;
  });
  ASSERT_NE(member, members.end());
  EXPECT_EQ(member->second.size, marked.numel() * sizeof(float));
  EXPECT_EQ(member->second.crc32, crc32_of(marked.data_ptr(), marked.numel() * sizeof(float)));

  // A flip inside data.pkl (the tensor's key name is in it) fails at open.
  const auto key = bytes.find("b.weight");
  ASSERT_NE(key, std::string::npos);
  damaged = bytes;
  damaged[key] = 'c';
  write_bytes(dir.file("bad-pickle.pth"), damaged);
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("bad-pickle.pth")), "bad-pickle.pth", "record 'data.pkl'", "damaged");
}

TEST_F(Checkpoint, ZipDirectoryListsEveryRecordOfTheOfficialFixture) {
  const auto members = read_zip_directory(fixture_checkpoint());
  size_t data_records = 0;
  for (const auto& [name, m] : members) data_records += name.find("/data/") != std::string::npos;
  EXPECT_GT(data_records, 100u);
  // Every record of the official fixture matches its CRC (reading all entries checks each one).
  auto reader = CheckpointReader::open(fixture_checkpoint());
  EXPECT_EQ(read_all(*reader).size(), 868u);
  TempDir dir;
  write_bytes(dir.file("x.zip"), "PK\x05\x06 looks like a zip's end, but is only text");
  EXPECT_BRIVL_ERROR(read_zip_directory(dir.file("x.zip")), "x.zip", "end-of-directory");
  write_bytes(dir.file("short.zip"), "PK\x05\x06");
  EXPECT_BRIVL_ERROR(read_zip_directory(dir.file("short.zip")), "short.zip", "too short");
}

TEST_F(Checkpoint, LegacyFormatIsRejectedWithAdvice) {
  TempDir dir;
  write_bytes(dir.file("old.pth"), std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14));
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("old.pth")), dir.file("old.pth"), "legacy", "PyTorch >= 1.6");
}

// A safetensors header of 128 bytes starts the file with 0x80, the first byte of a legacy pickle:
// it is still read as safetensors (found when `brivl basis` wrote one).
TEST_F(Checkpoint, SafetensorsWhoseHeaderLengthStartsLikeAPickleIsRead) {
  TempDir dir;
  std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  header.append(128 - header.size(), ' ');
  std::string bytes("\x80\0\0\0\0\0\0\0", 8);
  const float value = 2.5f;
  bytes += header + std::string(reinterpret_cast<const char*>(&value), 4);
  write_bytes(dir.file("x.safetensors"), bytes);
  auto reader = CheckpointReader::open(dir.file("x.safetensors"));
  EXPECT_EQ(reader->format(), "safetensors");
  EXPECT_EQ(reader->read(*reader->find("x")).item<float>(), 2.5f);
}

TEST_F(Checkpoint, GarbageAndEmptyFilesAreRejected) {
  TempDir dir;
  write_bytes(dir.file("text.pth"), "this is not a checkpoint at all");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("text.pth")), "text.pth", "not a checkpoint");
  write_bytes(dir.file("empty.pth"), "");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("empty.pth")), "empty.pth", "empty");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("missing.pth")), "missing.pth", "cannot open");
}

TEST_F(Checkpoint, MaliciousPickleIsRefusedByNameAndNeverRun) {
  TempDir dir;
  const std::string marker = dir.file("pwned");
  // pickle: posix.system('touch <marker>') -- a classic payload.
  std::string pickle = "\x80\x02" "cposix\nsystem\nX";
  const std::string cmd = "touch " + marker;
  for (int i = 0; i < 4; ++i) pickle += static_cast<char>((cmd.size() >> (8 * i)) & 0xff);
  pickle += cmd + "\x85R.";
  write_zip_with_pickle(dir.file("evil.pth"), pickle);
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("evil.pth")), "evil.pth", "refusing to load global 'posix.system'");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(Checkpoint, NonTensorEntriesAreRejected) {
  TempDir dir;
  // {'learnable': {'x': 5}}
  static const char pickle[] = "\x80\x02}X\x09\x00\x00\x00learnable}X\x01\x00\x00\x00xK\x05ss.";
  write_zip_with_pickle(dir.file("odd.pth"), std::string(pickle, sizeof(pickle) - 1));
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("odd.pth")), "odd.pth", "entry 'x' is a int, expected a tensor");
}

TEST_F(Checkpoint, SafetensorsOffsetsThatWrapAroundAreRejected) {
  TempDir dir;
  // data_offsets near 2^64: begin + header size must not wrap into the header bytes.
  const std::string header =
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[18446744073709551600,18446744073709551608]}})";
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  write_bytes(dir.file("wrap.safetensors"), bytes + header + std::string(8, '\0'));
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("wrap.safetensors")), "wrap.safetensors", "tensor 'w'");
}

// Numbers that are no integer of the field's type: 1.6e23 read into an offset was undefined
// behaviour (found by fuzz/fuzz_checkpoint), 2.5 was truncated, -3 wrapped.
TEST_F(Checkpoint, SafetensorsNumbersThatAreNotIntegersOfTheirFieldAreRejected) {
  TempDir dir;
  const auto write = [&](const std::string& name, const std::string& shape, const std::string& offsets) {
    const std::string header = R"({"w":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}}";
    std::string bytes;
    for (int i = 0; i < 8; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    write_bytes(dir.file(name), bytes + header + std::string(8, '\0'));
    return dir.file(name);
  };
  EXPECT_BRIVL_ERROR(CheckpointReader::open(write("big.safetensors", "[2]", "[0,16E22]")), "big.safetensors",
                     "tensor 'w'", "'data_offsets' holds 1.6e+23, not an integer in range");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(write("neg.safetensors", "[2]", "[-3,5]")), "neg.safetensors",
                     "'data_offsets' holds -3");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(write("half.safetensors", "[2.5]", "[0,8]")), "half.safetensors",
                     "'shape' holds 2.5");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(write("huge.safetensors", "[1e40]", "[0,8]")), "huge.safetensors",
                     "'shape' holds 1e+40");
  EXPECT_BRIVL_ERROR(CheckpointReader::open(write("flat.safetensors", "2", "[0,8]")), "flat.safetensors",
                     "'shape' is not an array");
  // The same numbers as integers load.
  EXPECT_EQ(CheckpointReader::open(write("ok.safetensors", "[2]", "[0,8]"))->entries().size(), 1u);
}

TEST_F(Checkpoint, TruncatedSafetensorsIsRejected) {
  TempDir dir;
  save_safetensors(dir.file("t.safetensors"), {{"w", torch::randn({64, 64})}});
  const auto bytes = read_file(dir.file("t.safetensors"));
  write_bytes(dir.file("cut.safetensors"), bytes.substr(0, bytes.size() - 100));
  EXPECT_BRIVL_ERROR(CheckpointReader::open(dir.file("cut.safetensors")), "cut.safetensors", "tensor 'w'", "truncated");
}

}  // namespace
}  // namespace brivl
