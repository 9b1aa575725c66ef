#include "quality/emoji_judge.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "train/caption_table.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "vision/preprocess.h"

namespace brivl::quality {
namespace F = torch::nn::functional;
namespace fs = std::filesystem;
namespace {

// conv3x3 - BN - ReLU - conv3x3 - BN, plus a 1x1 projection shortcut when the shape changes.
struct ResidualBlockImpl : torch::nn::Module {
  ResidualBlockImpl(int64_t in, int64_t out, int64_t stride)
      : conv1(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)),
        bn1(out),
        conv2(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)),
        bn2(out) {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    if (in != out || stride != 1) {
      shortcut = torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                       torch::nn::BatchNorm2d(out));
      register_module("shortcut", shortcut);
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = bn2(conv2(torch::relu(bn1(conv1(x)))));
    return torch::relu(y + (shortcut ? shortcut->forward(x) : x));
  }
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  torch::nn::Conv2d conv2;
  torch::nn::BatchNorm2d bn2;
  torch::nn::Sequential shortcut{nullptr};
};
TORCH_MODULE(ResidualBlock);

torch::nn::Sequential make_net(int64_t classes) {
  return torch::nn::Sequential(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 24, 3).padding(1).bias(false)), torch::nn::BatchNorm2d(24),
      torch::nn::ReLU(), ResidualBlock(24, 48, 2), ResidualBlock(48, 96, 2), ResidualBlock(96, 192, 2),
      ResidualBlock(192, 192, 1), torch::nn::AdaptiveAvgPool2d(1), torch::nn::Flatten(), torch::nn::Dropout(0.2),
      torch::nn::Linear(192, classes));
}

torch::Tensor to_input(const torch::Tensor& rgb, int64_t size) {  // [B,3,H,W] -> [B,3,S,S]
  if (rgb.size(2) == size && rgb.size(3) == size) return rgb;
  return F::interpolate(rgb, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kArea));
}

// Augmented copies of render batch `x` ([B,3,S,S] in [0,1], emoji on white): the white
// background replaced by a random colour with low-frequency noise (most of the time), then a
// random similarity transform, brightness/contrast, blur and pixel noise.
torch::Tensor augment(const torch::Tensor& x, torch::Generator& gen) {
  const int64_t b = x.size(0), s = x.size(2);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  auto rnd = [&](std::vector<int64_t> shape, double lo, double hi) { return torch::rand(shape, gen, opts) * (hi - lo) + lo; };
  const auto white = (std::get<0>(x.min(1, true)) > 0.94).to(torch::kFloat32);
  auto field = F::interpolate(rnd({b, 3, 4, 4}, -0.25, 0.25),
                              F::InterpolateFuncOptions().size(std::vector<int64_t>{s, s}).mode(torch::kBilinear).align_corners(false));
  const auto ground = (rnd({b, 3, 1, 1}, 0.0, 1.0) + field).clamp(0, 1);
  const auto replace = (rnd({b, 1, 1, 1}, 0, 1) < 0.75).to(torch::kFloat32) * white;
  auto y = x * (1 - replace) + ground * replace;
  const auto scale = rnd({b}, 0.65, 1.15), angle = rnd({b}, -0.3, 0.3);
  const auto tx = rnd({b}, -0.2, 0.2), ty = rnd({b}, -0.2, 0.2);
  const auto c = torch::cos(angle) / scale, si = torch::sin(angle) / scale;
  const auto theta = torch::stack({c, -si, tx, si, c, ty}, 1).view({b, 2, 3});
  y = F::grid_sample(y, F::affine_grid(theta, {b, 3, s, s}, false),
                     F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
  const auto mean = y.mean({1, 2, 3}, true);
  y = (y - mean) * rnd({b, 1, 1, 1}, 0.6, 1.3) + mean + rnd({b, 1, 1, 1}, -0.15, 0.15);
  const auto blurred = F::avg_pool2d(y, F::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(false));
  const auto blur = (rnd({b, 1, 1, 1}, 0, 1) < 0.3).to(torch::kFloat32);
  y = y * (1 - blur) + blurred * blur;
  y = y + torch::randn(y.sizes(), gen, opts) * rnd({b, 1, 1, 1}, 0.0, 0.06);
  return y.clamp(0, 1);
}

torch::Tensor load_renders(const std::vector<EmojiClass>& classes, int64_t size) {
  std::vector<torch::Tensor> images;
  for (const auto& c : classes) images.push_back(to_input(rgb_to_tensor(decode_image_file(c.image)).unsqueeze(0), size));
  return torch::cat(images);
}

torch::Tensor normalise(const torch::Tensor& x) { return (x - imagenet_mean()) / imagenet_std(); }

}  // namespace

std::vector<EmojiClass> read_emoji_classes(const std::string& data_dir) {
  const auto table = read_caption_table((fs::path(data_dir) / "captions.csv").string());
  std::vector<EmojiClass> out;
  for (size_t i = 0; i < table.images.size(); ++i) out.push_back({table.images[i], fs::path(table.images[i]).stem().string(), table.texts[i].front()});
  BRIVL_CHECK(!out.empty(), data_dir, ": no emoji in captions.csv");
  return out;
}

EmojiJudge::EmojiJudge(torch::nn::Sequential net, std::vector<std::string> ids, std::vector<std::string> names,
                       int64_t input_size)
    : net_(std::move(net)), ids_(std::move(ids)), names_(std::move(names)), input_size_(input_size) {}

EmojiJudge EmojiJudge::train(const std::vector<EmojiClass>& classes, const EmojiJudgeTrainOptions& o) {
  torch::manual_seed(o.seed);
  auto gen = at::detail::createCPUGenerator(o.seed);
  const auto renders = load_renders(classes, o.input_size);
  const int64_t n = renders.size(0);
  auto net = make_net(n);
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(0.05));
  const int64_t batches = (n + o.batch_size - 1) / o.batch_size, total = o.epochs * batches;
  int64_t step = 0;
  net->train();
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const auto order = torch::randperm(n, gen, torch::kInt64);
    double loss_sum = 0, correct = 0;
    for (int64_t start = 0; start < n; start += o.batch_size, ++step) {
      const auto index = order.narrow(0, start, std::min(o.batch_size, n - start));
      const auto x = normalise(augment(renders.index_select(0, index), gen));
      const double lr = o.lr * 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(total)));
      for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
      const auto logits = net->forward(x);
      const auto loss = F::cross_entropy(logits, index, F::CrossEntropyFuncOptions().label_smoothing(0.1));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * static_cast<double>(index.size(0));
      correct += (logits.argmax(1) == index).sum().item<double>();
    }
    if (o.on_epoch) o.on_epoch(epoch + 1, loss_sum / static_cast<double>(n), correct / static_cast<double>(n));
  }
  net->eval();
  std::vector<std::string> ids, names;
  for (const auto& c : classes) ids.push_back(c.id), names.push_back(c.name);
  return EmojiJudge(net, ids, names, o.input_size);
}

void EmojiJudge::save(const std::string& path) const {
  torch::save(net_, path);
  write_file_atomically(path + ".json", nlohmann::json{{"input_size", input_size_}, {"ids", ids_}, {"names", names_}}.dump());
}

EmojiJudge EmojiJudge::load(const std::string& path) {
  const auto meta = nlohmann::json::parse(read_file(path + ".json"));
  auto ids = meta.at("ids").get<std::vector<std::string>>();
  auto names = meta.at("names").get<std::vector<std::string>>();
  auto net = make_net(static_cast<int64_t>(names.size()));
  torch::load(net, path);
  net->eval();
  return EmojiJudge(net, std::move(ids), std::move(names), meta.at("input_size").get<int64_t>());
}

torch::Tensor EmojiJudge::prepare(const RgbImage& image) const {
  return to_input(rgb_to_tensor(image).unsqueeze(0), input_size_);
}

std::vector<int64_t> EmojiJudge::top_k(const RgbImage& image, int64_t k) const {
  torch::NoGradGuard no_grad;
  const auto logits = net_->forward(normalise(prepare(image)));
  const auto top = std::get<1>(logits.topk(std::min<int64_t>(k, logits.size(1)), 1)).squeeze(0).contiguous();
  return std::vector<int64_t>(top.data_ptr<int64_t>(), top.data_ptr<int64_t>() + top.numel());
}

std::pair<double, double> EmojiJudge::augmented_accuracy(const std::vector<EmojiClass>& classes, int repeats,
                                                         uint64_t seed) const {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  const auto renders = load_renders(classes, input_size_);
  double top1 = 0, top5 = 0, count = 0;
  for (int r = 0; r < repeats; ++r) {
    for (int64_t start = 0; start < renders.size(0); start += 256) {
      const int64_t b = std::min<int64_t>(256, renders.size(0) - start);
      const auto logits = net_->forward(normalise(augment(renders.narrow(0, start, b), gen)));
      const auto truth = torch::arange(start, start + b).unsqueeze(1);
      const auto top = std::get<1>(logits.topk(5, 1));
      top1 += (top.narrow(1, 0, 1) == truth).sum().item<double>();
      top5 += (top == truth).any(1).sum().item<double>();
      count += static_cast<double>(b);
    }
  }
  return {top1 / count, top5 / count};
}

int64_t EmojiJudge::class_of(const std::string& id) const {
  const auto it = std::find(ids_.begin(), ids_.end(), id);
  return it == ids_.end() ? -1 : static_cast<int64_t>(it - ids_.begin());
}

}  // namespace brivl::quality
