// Tests for the .npy reader/writer brivl::read_npy / write_npy_float32 (core/util/npy.h).
#include "util/npy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"

namespace brivl {
namespace {

using test::read_bytes;
using test::write_bytes;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A version 1.0 (2-byte length) or 2.0 (4-byte length) .npy with the given header dict and payload.
std::string npy_bytes(const std::string& dict, const std::string& payload, int version = 1) {
  std::string header = dict + "\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  const int len_bytes = version == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + payload;
}

std::string float_payload(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// The header of a written file is 64-byte aligned and newline-terminated, as numpy writes it, and
// the payload of `payload_bytes` follows it directly.
void expect_aligned_layout(const std::string& bytes, size_t payload_bytes) {
  ASSERT_GE(bytes.size(), 10u);
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u) << "header_len " << header_len;
  ASSERT_LE(10 + header_len, bytes.size());
  EXPECT_EQ(bytes[10 + header_len - 1], '\n');
  EXPECT_EQ(bytes.size(), 10 + header_len + payload_bytes);
}

TEST(Npy, RoundTripsOneDimensionalFloat32) {
  test::TempDir dir;
  const std::vector<float> values = {1.5f, -2.25f, 0.0f, 3.0e-8f, 65504.0f};
  write_npy_float32(dir.file("a.npy"), values, {5});
  const auto bytes = read_bytes(dir.file("a.npy"));
  expect_aligned_layout(bytes, 5 * sizeof(float));
  EXPECT_THAT(bytes, HasSubstr("'shape': (5,)"));  // numpy's 1-tuple spelling
  const auto a = read_npy(dir.file("a.npy"));
  EXPECT_EQ(a.dtype, "<f4");
  EXPECT_THAT(a.shape, ElementsAre(5));
  EXPECT_EQ(a.as_float(), values);
}

TEST(Npy, RoundTripsTwoDimensionalFloat32) {
  test::TempDir dir;
  std::vector<float> values(3 * 7);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.1f - 1.0f;
  write_npy_float32(dir.file("b.npy"), values, {3, 7});
  const auto bytes = read_bytes(dir.file("b.npy"));
  expect_aligned_layout(bytes, values.size() * sizeof(float));
  const auto a = read_npy(dir.file("b.npy"));
  EXPECT_THAT(a.shape, ElementsAre(3, 7));
  EXPECT_EQ(a.numel(), 21);
  EXPECT_EQ(a.as_float(), values);
  // The payload is exactly the data: no padding after it.
  EXPECT_EQ(bytes.substr(bytes.size() - values.size() * 4), float_payload(values));
}

TEST(Npy, HeaderStaysAlignedForManyShapeLengths) {
  // Empty arrays (leading 0) with dims of growing text length: the header takes 72 sizes and
  // crosses several 64-byte boundaries.
  test::TempDir dir;
  for (int rank = 1; rank <= 8; ++rank) {
    for (int digits = 1; digits <= 9; ++digits) {
      std::vector<int64_t> shape = {0};
      int64_t dim = 1;
      for (int d = 1; d < digits; ++d) dim *= 10;
      shape.insert(shape.end(), static_cast<size_t>(rank), dim);
      write_npy_float32(dir.file("c.npy"), {}, shape);
      expect_aligned_layout(read_bytes(dir.file("c.npy")), 0);
      EXPECT_EQ(read_npy(dir.file("c.npy")).shape, shape);
    }
  }
}

TEST(Npy, ReadsFixtureTextEmbeddings) {
  const auto text = read_npy(test::fixture_file("expected_text.npy"));
  EXPECT_EQ(text.dtype, "<f4");
  EXPECT_THAT(text.shape, ElementsAre(16, 128));
  ASSERT_EQ(text.data.size(), 16u * 128u * 4u);
  // Rows are L2-normalised embeddings.
  const auto v = text.as_float();
  for (int row = 0; row < 16; ++row) {
    double norm = 0;
    for (int k = 0; k < 128; ++k) norm += double(v[row * 128 + k]) * v[row * 128 + k];
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5) << "row " << row;
  }
}

TEST(Npy, FixtureSimilarityIsImageTimesText) {
  const auto image = read_npy(test::fixture_file("expected_image.npy")).as_float();
  const auto text = read_npy(test::fixture_file("expected_text.npy")).as_float();
  const auto sim = read_npy(test::fixture_file("expected_similarity.npy"));
  ASSERT_THAT(sim.shape, ElementsAre(8, 16));
  const auto s = sim.as_float();
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 16; ++j) {
      double dot = 0;
      for (int k = 0; k < 128; ++k) dot += double(image[i * 128 + k]) * text[j * 128 + k];
      EXPECT_NEAR(s[i * 16 + j], dot, 1e-5) << i << "," << j;
    }
  }
}

TEST(Npy, ReadsFixtureFloat64Boxes) {
  const auto boxes = read_npy(test::fixture_file("intermediate/image_boxes.npy"));
  EXPECT_EQ(boxes.dtype, "<f8");
  EXPECT_THAT(boxes.shape, ElementsAre(8, 37, 4));
  // Box i*6+j of a 96-pixel image is [16 i, 16 j, 16 (i+1), 16 (j+1)]; box 36 the whole image.
  std::vector<double> first(37 * 4);
  std::memcpy(first.data(), boxes.data.data(), first.size() * sizeof(double));
  EXPECT_THAT(std::vector<double>(first.begin() + 4 * 7, first.begin() + 4 * 8), ElementsAre(16, 16, 32, 32));
  EXPECT_THAT(std::vector<double>(first.begin() + 4 * 13, first.begin() + 4 * 14), ElementsAre(32, 16, 48, 32));
  EXPECT_THAT(std::vector<double>(first.end() - 4, first.end()), ElementsAre(0, 0, 96, 96));
  EXPECT_EQ(boxes.as_float()[4 * 13], 32.0f);
}

TEST(Npy, ReadsFixtureUint8Pixels) {
  const auto rgb = read_npy(test::fixture_file("intermediate/decoded_rgb__06_tiny_7x5.npy"));
  EXPECT_EQ(rgb.dtype, "|u1");
  EXPECT_THAT(rgb.shape, ElementsAre(5, 7, 3));
  ASSERT_EQ(rgb.data.size(), 105u);
  EXPECT_EQ(rgb.as_float()[104], static_cast<float>(static_cast<uint8_t>(rgb.data[104])));
}

TEST(Npy, ReadsVersion2HeaderAndInt64) {
  test::TempDir dir;
  const int64_t values[] = {-3, 1LL << 40};
  write_bytes(dir.file("v2.npy"), npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                            std::string(reinterpret_cast<const char*>(values), sizeof values), 2));
  const auto a = read_npy(dir.file("v2.npy"));
  EXPECT_EQ(a.dtype, "<i8");
  EXPECT_THAT(a.shape, ElementsAre(2));
  EXPECT_THAT(a.as_float(), ElementsAre(-3.0f, static_cast<float>(1LL << 40)));
}

TEST(Npy, RejectsNonNpyFile) {
  EXPECT_BRIVL_ERROR(read_npy(test::fixture_file("texts.txt")), "texts.txt", "not a .npy file");
  test::TempDir dir;
  write_bytes(dir.file("short.npy"), "\x93NUM");
  EXPECT_BRIVL_ERROR(read_npy(dir.file("short.npy")), "short.npy", "not a .npy file");
}

TEST(Npy, RejectsMissingFile) {
  EXPECT_BRIVL_ERROR(read_npy("/nonexistent/brivl/x.npy"), "/nonexistent/brivl/x.npy");
}

TEST(Npy, RejectsTruncatedData) {
  test::TempDir dir;
  const auto bytes = read_bytes(test::fixture_file("expected_text.npy"));
  write_bytes(dir.file("cut.npy"), bytes.substr(0, bytes.size() - 1));
  EXPECT_BRIVL_ERROR(read_npy(dir.file("cut.npy")), "cut.npy", "truncated");
}

TEST(Npy, RejectsTruncatedHeader) {
  test::TempDir dir;
  const auto bytes = read_bytes(test::fixture_file("expected_text.npy"));
  write_bytes(dir.file("cut.npy"), bytes.substr(0, 40));
  EXPECT_BRIVL_ERROR(read_npy(dir.file("cut.npy")), "cut.npy", "truncated");
}

TEST(Npy, RejectsUnsupportedDtypeAndFortranOrder) {
  test::TempDir dir;
  write_bytes(dir.file("i4.npy"), npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", "abcd"));
  EXPECT_BRIVL_ERROR(read_npy(dir.file("i4.npy")), "i4.npy", "<i4");
  write_bytes(dir.file("big.npy"), npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "abcd"));
  EXPECT_BRIVL_ERROR(read_npy(dir.file("big.npy")), ">f4");
  write_bytes(dir.file("f.npy"), npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "abcd"));
  EXPECT_BRIVL_ERROR(read_npy(dir.file("f.npy")), "f.npy", "Fortran");
}

}  // namespace
}  // namespace brivl
