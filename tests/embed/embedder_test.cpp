// The torch-free Embedder facade: batching does not change results, progress is reported per
// batch, a cancel request stops before the next batch, and bad options fail before any work.
#include "embed/embedder.h"

#include "model/brivl_model.h"
#include "model/dynamic_int8.h"
#include "model/model_test_support.h"

namespace brivl {
namespace {

EmbedderOptions cpu_options(int image_batch, int text_batch) {
  EmbedderOptions o;
  o.device = "cpu";
  o.image_batch_size = image_batch;
  o.text_batch_size = text_batch;
  return o;
}

std::vector<float> row(const Matrix& m, int64_t i) { return std::vector<float>(m.row(i), m.row(i) + m.cols); }

TEST(Embedder, BatchSizeDoesNotChangeEmbeddings) {
  auto one = Embedder::load(test::fixture_model_files(), cpu_options(1, 1));
  auto many = Embedder::load(test::fixture_model_files(), cpu_options(3, 5));
  const auto paths = test::fixture_image_paths();
  const auto a = one.embed_images(paths), b = many.embed_images(paths);
  ASSERT_EQ(a.rows, 8);
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t k = 0; k < a.cols; ++k) EXPECT_NEAR(a.row(i)[k], b.row(i)[k], 1e-5);
  }
  const std::vector<std::string> texts = {"一只猫", "", "雪地里的红色狐狸", "Hello"};
  const auto ta = one.embed_texts(texts), tb = many.embed_texts(texts);
  for (int64_t i = 0; i < ta.rows; ++i) {
    for (int64_t k = 0; k < ta.cols; ++k) EXPECT_NEAR(ta.row(i)[k], tb.row(i)[k], 1e-5);
  }
  EXPECT_NE(row(ta, 0), row(ta, 1));
}

TEST(Embedder, ReportsProgressPerBatchAndStopsWhenCancelled) {
  auto embedder = Embedder::load(test::fixture_model_files(), cpu_options(3, 2));
  std::vector<std::pair<int64_t, int64_t>> seen;
  EmbedHooks hooks;
  hooks.on_progress = [&](int64_t done, int64_t total) { seen.emplace_back(done, total); };
  embedder.embed_images(test::fixture_image_paths(), hooks);
  EXPECT_EQ(seen, (std::vector<std::pair<int64_t, int64_t>>{{3, 8}, {6, 8}, {8, 8}}));

  seen.clear();
  hooks.should_cancel = [&] { return seen.size() == 1; };  // cancel after the first batch
  EXPECT_THROW(embedder.embed_texts({"a", "b", "c", "d", "e"}, hooks), Cancelled);
  EXPECT_EQ(seen.size(), 1u);
}

// Loading a released checkpoint takes a while: the reads are reported, in bytes, up to all of them.
TEST(Embedder, LoadReportsTheCheckpointBytesReadUpToTheTotal) {
  EmbedderOptions o;
  o.device = "cpu";
  std::vector<std::pair<int64_t, int64_t>> calls;
  o.on_load_progress = [&](int64_t done, int64_t total) { calls.emplace_back(done, total); };
  auto embedder = Embedder::load(test::fixture_model_files(), o);
  ASSERT_GE(calls.size(), 10u);  // one per tensor read
  for (size_t i = 1; i < calls.size(); ++i) {
    EXPECT_GT(calls[i].first, calls[i - 1].first) << i;
    EXPECT_EQ(calls[i].second, calls[0].second) << i;
  }
  EXPECT_EQ(calls.back().first, calls.back().second);
  EXPECT_EQ(calls.back().first, embedder.summary().bytes_read);
}

TEST(Embedder, EffectiveTextLengthIsCappedByTheConfig) {
  auto options = cpu_options(4, 32);
  options.max_text_len = 500;  // the fixture's MAX_TEXT_LEN is 32
  auto embedder = Embedder::load(test::fixture_model_files(), options);
  EXPECT_EQ(embedder.effective_text_len(), 32);
  EXPECT_EQ(embedder.tokenize({"一只猫"})[0].input_ids.size(), 32u);
}

// --dtype int8: the text tower's linear layers in dynamic int8; images are untouched.
TEST(Embedder, Int8TextTowerStaysCloseToFloatAndLeavesImagesAlone) {
  if (dynamic_int8_engine().empty()) GTEST_SKIP() << "this LibTorch has no quantized engine";
  auto fp32 = Embedder::load(test::fixture_model_files(), cpu_options(4, 8));
  auto options = cpu_options(4, 8);
  options.dtype = "int8";
  auto int8 = Embedder::load(test::fixture_model_files(), options);
  EXPECT_EQ(fp32.summary().text_dtype, fp32.summary().dtype);
  EXPECT_EQ(int8.summary().text_dtype, "int8 (dynamic, " + dynamic_int8_engine() + ")");
  const auto paths = test::fixture_image_paths();
  const auto ia = fp32.embed_images(paths), ib = int8.embed_images(paths);
  for (int64_t i = 0; i < ia.rows; ++i) EXPECT_EQ(row(ia, i), row(ib, i)) << i;
  const std::vector<std::string> texts = {"一只猫", "", "雪地里的红色狐狸", "Hello", "右下角的大蓝色正方形"};
  const auto ta = fp32.embed_texts(texts), tb = int8.embed_texts(texts);
  bool any_different = false;
  for (int64_t i = 0; i < ta.rows; ++i) {
    double cosine = 0;
    for (int64_t k = 0; k < ta.cols; ++k) cosine += ta.row(i)[k] * tb.row(i)[k];
    EXPECT_GT(cosine, 0.999) << texts[i];  // measured: >= 0.9995 on the shipped model's 500 captions
    any_different |= row(ta, i) != row(tb, i);
  }
  EXPECT_TRUE(any_different);
}

TEST(Embedder, RejectsBadOptionsWithTheirNames) {
  auto options = cpu_options(-1, 32);
  EXPECT_BRIVL_ERROR(Embedder::load(test::fixture_model_files(), options), "--batch-size");
  options = cpu_options(4, 32);
  options.dtype = "fp64";
  EXPECT_BRIVL_ERROR(Embedder::load(test::fixture_model_files(), options), "--dtype 'fp64'");
  options.dtype = "fp16";  // half precision needs CUDA
  EXPECT_BRIVL_ERROR(Embedder::load(test::fixture_model_files(), options), "needs a CUDA device");
  // int8 is the CPU's; the check needs no GPU (a CUDA device object is only a name here).
  EXPECT_BRIVL_ERROR(parse_dtype("int8", torch::Device(torch::kCUDA, 0)), "--dtype int8", "runs on the CPU", "bf16");
}

}  // namespace
}  // namespace brivl
