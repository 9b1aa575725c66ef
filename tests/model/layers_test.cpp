// Building blocks checked against independent formulations: LibTorch's own TransformerEncoderLayer,
// the official roi_grid_pool (grid_sample on the 37x expanded map), BatchNorm folding, TF padding,
// and imagination's BatchNorm-statistics prior against batches made with known statistics.
#include "model/batchnorm_deviation.h"
#include "model/dynamic_int8.h"
#include "model/efficientnet.h"
#include "model/model_test_support.h"

namespace brivl {
namespace {

namespace F = torch::nn::functional;
using test::max_abs_diff;

class Layers : public test::SeededTest {};

// LibTorch's dynamic int8 kernels against float32 torch::linear, through our Linear too.
TEST_F(Layers, DynamicInt8LinearIsCloseToFloatWithAndWithoutBias) {
  if (dynamic_int8_engine().empty()) GTEST_SKIP() << "this LibTorch has no quantized engine";
  const auto w = torch::randn({48, 64}) * 0.1, b = torch::randn({48}), x = torch::randn({2, 5, 64});
  const auto expected = torch::linear(x, w, b);
  const auto y = DynamicInt8Linear(w, b).forward(x);
  ASSERT_EQ(y.sizes(), expected.sizes());
  const double range = expected.abs().max().item<double>();
  const double error = max_abs_diff(y, expected);
  RecordProperty("relative_error", std::to_string(error / range));
  EXPECT_LT(error, 0.02 * range);  // 8-bit weights and activations: about a percent
  EXPECT_GT(error, 1e-6 * range);  // and it really is quantised
  const auto no_bias = DynamicInt8Linear(w, torch::Tensor()).forward(x);
  EXPECT_LT(max_abs_diff(no_bias, torch::linear(x, w)), 0.02 * range);

  Linear linear(64, 48);
  {
    torch::NoGradGuard no_grad;
    linear->weight.copy_(w);
    linear->bias.copy_(b);
  }
  EXPECT_FALSE(linear->is_int8());
  EXPECT_LT(max_abs_diff(linear(x), expected), 1e-5);
  linear->quantize_dynamic_int8();
  EXPECT_TRUE(linear->is_int8());
  EXPECT_EQ(max_abs_diff(linear(x), y), 0.0);
}

TEST_F(Layers, TfSamePaddingPutsOddPixelRightAndBottom) {
  EXPECT_EQ(tf_same_padding(96, 3, 2), 1);   // out 48: (47*2 + 3) - 96
  EXPECT_EQ(tf_same_padding(95, 3, 2), 2);
  EXPECT_EQ(tf_same_padding(456, 5, 2), 3);
  EXPECT_EQ(tf_same_padding(15, 3, 1), 2);
  EXPECT_EQ(tf_same_padding(7, 1, 1), 0);
  PaddedConv2d conv(PaddedConv2dOptions(1, 1, 3).stride(2));
  torch::NoGradGuard no_grad;
  conv->weight.fill_(0);
  conv->weight[0][0][0][0] = 1;  // picks the top-left tap: reveals how much padding is on top/left
  const auto x = torch::arange(1, 17, torch::kFloat32).view({1, 1, 4, 4});
  const auto y = conv(x);  // total padding 1 -> 0 on top/left, 1 on bottom/right
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_FLOAT_EQ(y[0][0][0][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(y[0][0][1][1].item<float>(), 11.0f);
}

TEST_F(Layers, SymmetricPaddingForNonTfVariants) {
  PaddedConv2d conv(PaddedConv2dOptions(2, 4, 5).stride(2).tf_same(false));
  EXPECT_EQ(conv(torch::randn({1, 2, 15, 15})).sizes(), (std::vector<int64_t>{1, 4, 8, 8}));
}

TEST_F(Layers, TransformerEncoderLayerMatchesLibTorch) {
  const int64_t E = 16, H = 4, B = 3, L = 7;
  TransformerEncoderLayer ours(E, H);
  torch::nn::TransformerEncoderLayer reference(torch::nn::TransformerEncoderLayerOptions(E, H).dropout(0.0));
  torch::NoGradGuard no_grad;
  // Same parameter names: copy ours into the reference implementation.
  auto reference_params = reference->named_parameters();
  for (const auto& p : ours->named_parameters()) {
    ASSERT_TRUE(reference_params.contains(p.key())) << p.key();
    reference_params[p.key()].copy_(p.value());
  }
  ours->eval();
  reference->eval();
  const auto x = torch::randn({B, L, E});
  auto pad = torch::zeros({B, L}, torch::kBool);
  pad[1].narrow(0, 4, 3).fill_(true);
  pad[2][6] = true;
  const auto expected = reference(x.transpose(0, 1), torch::Tensor(), pad).transpose(0, 1);  // sequence-first
  EXPECT_LT(max_abs_diff(ours(x, pad), expected), 1e-5);
}

TEST_F(Layers, MaskedMeanIgnoresPaddedPositions) {
  const auto x = torch::tensor({1.0f, 2.0f, 100.0f, 3.0f, 5.0f, 7.0f}).view({2, 3, 1});
  const auto mask = torch::tensor({1, 1, 0, 1, 1, 1}).view({2, 3});
  const auto mean = masked_mean(x, mask);
  EXPECT_FLOAT_EQ(mean[0][0].item<float>(), 1.5f);
  EXPECT_FLOAT_EQ(mean[1][0].item<float>(), 5.0f);
}

// The official roi_grid_pool: grid_sample of the feature map repeated per box, then the 1x1 conv
// and the average pool (here without the conv: the matrix covers sampling + averaging).
torch::Tensor official_roi_average(const ModelConfig& config, const torch::Tensor& fmap) {
  const auto grid = roi_sampling_grid(config, fmap.size(2), fmap.size(3));
  std::vector<torch::Tensor> out;
  for (int64_t b = 0; b < fmap.size(0); ++b) {
    const auto expanded = fmap[b].unsqueeze(0).expand({grid.size(0), fmap.size(1), fmap.size(2), fmap.size(3)});
    out.push_back(F::grid_sample(expanded, grid, F::GridSampleFuncOptions().align_corners(false)).mean({2, 3}));
  }
  return torch::stack(out);  // [B, N, C]
}

TEST_F(Layers, RoiPoolingMatrixEqualsGridSampleOnExpandedMap) {
  ModelConfig config;
  for (const auto& [img_size, grid, box_grid, h] : std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>>{
           {96, 4, 6, 3}, {456, 4, 6, 15}, {600, 4, 6, 19}, {224, 3, 4, 7}, {64, 2, 2, 2}}) {
    config.img_size = img_size;
    config.grid_size = grid;
    config.box_grid = box_grid;
    const auto fmap = torch::randn({2, 5, h, h});
    const auto M = roi_pooling_matrix(config, h, h);  // [h*h, N]
    ASSERT_EQ(M.sizes(), (std::vector<int64_t>{h * h, box_grid * box_grid + 1}));
    const auto ours = torch::matmul(fmap.reshape({2, 5, h * h}), M).transpose(1, 2);
    EXPECT_LT(max_abs_diff(ours, official_roi_average(config, fmap)), 1e-5) << "img " << img_size << " h " << h;
  }
}

TEST_F(Layers, FullImageBoxReadsPartlyOutsideSmallMaps) {
  // The official (w-1) normalisation with align_corners=False samples outside a 3x3 map for the
  // whole-image box: its weights sum to less than 1 (zero padding), unlike an inner cell.
  ModelConfig config;
  config.img_size = 96;
  const auto M = roi_pooling_matrix(config, 3, 3);
  EXPECT_LT(M.select(1, 36).sum().item<float>(), 0.999f);
  EXPECT_NEAR(M.select(1, 7).sum().item<float>(), 1.0f, 1e-6);
}

// A BatchNorm with non-trivial running statistics and affine, in eval mode.
torch::nn::BatchNorm2d random_batchnorm(int64_t channels) {
  torch::nn::BatchNorm2d bn(torch::nn::BatchNormOptions(channels).eps(1e-3));
  torch::NoGradGuard no_grad;
  bn->running_mean.uniform_(-1, 1);
  bn->running_var.uniform_(0.5, 2);
  bn->weight.uniform_(0.5, 1.5);
  bn->bias.uniform_(-1, 1);
  bn->eval();
  return bn;
}

TEST_F(Layers, FoldedBatchNormMatchesConvFollowedByBatchNorm) {
  PaddedConv2d conv(PaddedConv2dOptions(4, 6, 3).stride(2));
  auto bn = random_batchnorm(6);
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 4, 9, 9});
  const auto expected = bn(conv(x));
  conv->fold_batchnorm(bn);
  EXPECT_LT(max_abs_diff(conv(x), expected), 1e-5);
}

// A batch whose per-channel mean and (biased) variance over N, H, W are exactly `mean` and `var`.
torch::Tensor batch_with_statistics(const torch::Tensor& mean, const torch::Tensor& var) {
  auto x = torch::randn({4, mean.size(0), 5, 5}, torch::kFloat64);
  x = (x - x.mean({0, 2, 3}, true)) / x.var({0, 2, 3}, false, true).sqrt();
  return (x * var.to(torch::kFloat64).sqrt().view({1, -1, 1, 1}) + mean.to(torch::kFloat64).view({1, -1, 1, 1}))
      .to(torch::kFloat32);
}

TEST_F(Layers, BatchNormDeviationIsZeroForTheLayersOwnStatisticsAndCountsAShiftInStandardUnits) {
  auto bn = random_batchnorm(6);
  torch::NoGradGuard no_grad;
  const auto& rm = bn->running_mean;
  const auto& rv = bn->running_var;
  BatchNormDeviation same;
  same.add(bn, bn(batch_with_statistics(rm, rv)));
  EXPECT_EQ(same.layers(), 1);
  EXPECT_LT(same.total().item<double>(), 1e-4);
  // Every channel's mean moved by 0.7 standard deviations (sqrt(var + eps)): the mean term is
  // |0.7 * 1|_2 / sqrt(C) = 0.7, the variance term stays 0.
  BatchNormDeviation shifted;
  shifted.add(bn, bn(batch_with_statistics(rm + 0.7 * (rv + 1e-3).sqrt(), rv)));
  EXPECT_NEAR(shifted.total().item<double>(), 0.7, 1e-4);
  // Twice the variance: the variance term is |2 rv / (rv + eps) - rv / (rv + eps)|_2 / sqrt(C).
  BatchNormDeviation wider;
  wider.add(bn, bn(batch_with_statistics(rm, 2 * rv)));
  const double expected = (rv / (rv + 1e-3)).norm().item<double>() / std::sqrt(6.0);
  EXPECT_NEAR(wider.total().item<double>(), expected, 1e-4);
}

TEST_F(Layers, FoldedAndUnfoldedTowersReportTheSameBatchNormDeviation) {
  EfficientNet net(EfficientNetOptions().channel_multiplier(0.25).num_features(32));
  int batchnorms = 0;
  {
    torch::NoGradGuard no_grad;
    for (auto& m : net->modules(/*include_self=*/false)) {
      if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
        ++batchnorms;
        bn->running_mean.uniform_(-0.5, 0.5);
        bn->running_var.uniform_(0.5, 2);
        bn->weight.uniform_(0.5, 1.5);
        bn->bias.uniform_(-0.5, 0.5);
      }
    }
  }
  net->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({3, 3, 64, 64});
  const auto plain = net->forward_features(x);
  BatchNormDeviation unfolded;
  const auto probed = net->forward_features(x, &unfolded);
  EXPECT_EQ(max_abs_diff(plain, probed), 0.0) << "the probe must only watch";
  EXPECT_EQ(unfolded.layers(), batchnorms);
  net->fold_batchnorm();
  BatchNormDeviation folded;
  net->forward_features(x, &folded);
  EXPECT_EQ(folded.layers(), batchnorms);
  EXPECT_GT(unfolded.total().item<double>(), 0.1) << "random input should stray from the statistics";
  EXPECT_NEAR(folded.total().item<double>(), unfolded.total().item<double>(), 1e-3 * unfolded.total().item<double>());
}

}  // namespace
}  // namespace brivl
