#include "imagine/image_basis.h"

#include <algorithm>
#include <cmath>

#include "imagine/image_basis_job.h"
#include "io/checkpoint.h"
#include "train/caption_table.h"
#include "util/error.h"
#include "vision/image_decode.h"
#include "vision/preprocess.h"

#include <filesystem>

namespace brivl {
namespace F = torch::nn::functional;

ImageBasis ImageBasis::first(int64_t k) const {
  if (k <= 0 || k >= count()) return *this;
  return ImageBasis{mean, components.narrow(0, 0, k), stddev.narrow(0, 0, k)};
}

torch::Tensor ImageBasis::project(const torch::Tensor& images) const {
  auto x = images.to(torch::kFloat32);
  if (x.dim() == 3) x = x.unsqueeze(0);
  if (x.size(2) != height() || x.size(3) != width())
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{height(), width()})
                              .mode(torch::kArea));
  const auto centred = (x - mean.to(x.device())).flatten(1);
  return torch::matmul(centred, components.to(x.device()).flatten(1).t()) / stddev.to(x.device());
}

torch::Tensor ImageBasis::reconstruct(const torch::Tensor& coefficients) const {
  const auto flat = torch::matmul(coefficients * stddev, components.flatten(1));
  return flat.view({-1, 3, height(), width()}) + mean;
}

ImageBasis fit_image_basis(const torch::Tensor& images, int64_t components,
                           const std::function<void(const std::string&)>& on_progress) {
  BRIVL_CHECK(images.dim() == 4 && images.size(1) == 3, "image basis: expected images [N, 3, H, W], got ",
              images.sizes());
  const int64_t n = images.size(0), h = images.size(2), w = images.size(3), d = 3 * h * w;
  BRIVL_CHECK(n >= 2, "image basis: needs at least 2 images, got ", n);
  BRIVL_CHECK(components >= 1, "image basis: components must be at least 1, got ", components);
  const int64_t k = std::min({components, n - 1, d});
  torch::NoGradGuard no_grad;
  // Double precision: the smallest kept spreads are a thousandth of the largest, and the Gram
  // route squares the condition number.
  const auto x = images.to(torch::kFloat64).reshape({n, d});
  const auto mean = x.mean(0);
  const auto centred = x - mean;
  torch::Tensor directions, spread;
  if (on_progress) on_progress("image basis: " + std::to_string(n) + " images of " + std::to_string(d) + " values");
  if (n <= d) {
    // The Gram matrix (N x N) is the smaller eigenproblem: its eigenvectors v give the
    // components X^T v / sqrt(lambda).
    const auto gram = torch::matmul(centred, centred.t());
    auto [values, vectors] = torch::linalg::eigh(gram, "L");
    values = values.flip(0).narrow(0, 0, k).clamp_min(0);
    vectors = vectors.flip(1).narrow(1, 0, k);
    const auto norms = values.sqrt().clamp_min(1e-12);
    directions = torch::matmul(centred.t(), vectors).div(norms).t();
    spread = norms / std::sqrt(static_cast<double>(n - 1));
  } else {
    const auto covariance = torch::matmul(centred.t(), centred) / static_cast<double>(n - 1);
    auto [values, vectors] = torch::linalg::eigh(covariance, "L");
    spread = values.flip(0).narrow(0, 0, k).clamp_min(0).sqrt();
    directions = vectors.flip(1).narrow(1, 0, k).t();
  }
  // Components of (numerically) zero spread carry no direction of the data: drop them.
  const int64_t kept = std::max<int64_t>(1, (spread > spread[0] * 1e-6).sum().item<int64_t>());
  if (on_progress)
    on_progress("image basis: kept " + std::to_string(kept) + " components, spread " +
                std::to_string(spread[0].item<double>()) + " .. " + std::to_string(spread[kept - 1].item<double>()));
  return ImageBasis{mean.view({3, h, w}).to(torch::kFloat32),
                    directions.narrow(0, 0, kept).reshape({kept, 3, h, w}).to(torch::kFloat32).contiguous(),
                    spread.narrow(0, 0, kept).to(torch::kFloat32).contiguous()};
}

void save_image_basis(const std::string& path, const ImageBasis& basis,
                      const std::map<std::string, std::string>& metadata) {
  BRIVL_CHECK(basis.count() > 0, path, ": an empty image basis cannot be saved");
  save_safetensors(path,
                   {{"mean", basis.mean.to(torch::kFloat32)},
                    {"components", basis.components.to(torch::kFloat16)},
                    {"stddev", basis.stddev.to(torch::kFloat32)}},
                   metadata);
}

ImageBasis load_image_basis(const std::string& path) {
  auto reader = CheckpointReader::open(path);
  const auto tensor = [&](const char* key) {
    const auto* entry = reader->find(key);
    BRIVL_CHECK(entry != nullptr, path, ": no tensor '", key, "' (an image basis holds mean, components and stddev; ",
                "made by `brivl basis`)");
    return reader->read(*entry).to(torch::kFloat32).contiguous();
  };
  ImageBasis basis{tensor("mean"), tensor("components"), tensor("stddev")};
  BRIVL_CHECK(basis.mean.dim() == 3 && basis.mean.size(0) == 3 && basis.mean.size(1) >= 4 && basis.mean.size(2) >= 4,
              path, ": 'mean' must be [3, H, W] with H, W >= 4, got ", basis.mean.sizes());
  BRIVL_CHECK(basis.stddev.dim() == 1 && basis.stddev.size(0) >= 1, path, ": 'stddev' must be [K] with K >= 1, got ",
              basis.stddev.sizes());
  const int64_t k = basis.stddev.size(0);
  BRIVL_CHECK(basis.components.dim() == 4 && basis.components.size(0) == k && basis.components.size(1) == 3 &&
                  basis.components.size(2) == basis.mean.size(1) && basis.components.size(3) == basis.mean.size(2),
              path, ": 'components' must be [", k, ", 3, ", basis.mean.size(1), ", ", basis.mean.size(2),
              "] (stddev's K and mean's size), got ", basis.components.sizes());
  for (const auto& [name, t] : {std::pair<const char*, const torch::Tensor&>{"mean", basis.mean},
                                {"components", basis.components}, {"stddev", basis.stddev}})
    BRIVL_CHECK(torch::isfinite(t).all().item<bool>(), path, ": '", name, "' holds values that are not finite");
  BRIVL_CHECK((basis.stddev > 0).all().item<bool>(), path, ": 'stddev' must be positive");
  BRIVL_CHECK(k == 1 || (basis.stddev.narrow(0, 1, k - 1) <= basis.stddev.narrow(0, 0, k - 1) * (1 + 1e-3))
                            .all()
                            .item<bool>(),
              path, ": 'stddev' must be in descending order (most spread first)");
  return basis;
}

ImageBasisSummary run_image_basis_job(const ImageBasisJob& job, const std::function<void(const std::string&)>& log) {
  BRIVL_CHECK(!job.data.empty(), "basis: --data is required (the model's training data or a folder of images)");
  BRIVL_CHECK(!job.out.empty(), "basis: --out is required (e.g. MODEL_DIR/", kImageBasisFile, ")");
  BRIVL_CHECK(job.size >= 8 && job.size <= 256, "--size ", job.size, " must be in [8, 256]");
  BRIVL_CHECK(job.components >= 1 && job.components <= 4096, "--components ", job.components, " must be in [1, 4096]");
  std::error_code ec;
  const auto table = std::filesystem::is_directory(job.data, ec) ? folder_caption_table(job.data)
                                                                  : read_caption_table(job.data);
  if (log && table.skipped.total() > 0) log("basis: " + job.data + ": " + table.skipped.summary());
  const auto images = split_caption_table(table, job.val_split, job.seed).train.images;
  BRIVL_CHECK(images.size() >= 2, job.data, ": ", images.size(), " training image(s); an image basis needs at least 2");
  if (log)
    log("basis: " + std::to_string(images.size()) + " training images of " + std::to_string(table.images.size()) +
        " (--val-split " + std::to_string(job.val_split) + ", --seed " + std::to_string(job.seed) + ") at " +
        std::to_string(job.size) + " px");
  auto stack = torch::empty({static_cast<int64_t>(images.size()), 3, job.size, job.size});
  for (size_t i = 0; i < images.size(); ++i) {
    const auto rgb = rgb_to_tensor(decode_image_file(images[i]));  // errors name the file
    // Area averaging: the basis sees what a small copy of the image shows, not aliased detail.
    stack[static_cast<int64_t>(i)] = F::interpolate(rgb.unsqueeze(0), F::InterpolateFuncOptions()
                                                                          .size(std::vector<int64_t>{job.size, job.size})
                                                                          .mode(torch::kArea))
                                         .squeeze(0);
  }
  const auto basis = fit_image_basis(stack, job.components, log);
  // The share of the variance kept: the kept spreads' squares over the images' total variance.
  const double total = (stack - stack.mean(0)).square().sum().item<double>() / static_cast<double>(images.size() - 1);
  const double kept = basis.stddev.to(torch::kFloat64).square().sum().item<double>();
  save_image_basis(job.out, basis,
                   {{"format", "brivl image basis 1"},
                    {"data", std::filesystem::path(job.data).filename().string()},
                    {"images", std::to_string(images.size())},
                    {"size", std::to_string(job.size)},
                    {"val_split", std::to_string(job.val_split)},
                    {"seed", std::to_string(job.seed)}});
  return ImageBasisSummary{static_cast<int64_t>(images.size()), basis.count(), total > 0 ? kept / total : 1.0};
}

}  // namespace brivl
