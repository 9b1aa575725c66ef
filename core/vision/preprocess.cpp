#include "vision/preprocess.h"

namespace brivl {
namespace F = torch::nn::functional;

torch::Tensor rgb_to_tensor(const RgbImage& image) {
  auto bytes = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 3}, torch::kUInt8);
  return bytes.permute({2, 0, 1}).to(torch::kFloat32).div_(255.0f).contiguous();
}

RgbImage tensor_to_rgb(const torch::Tensor& image) {
  const auto bytes = image.detach().to(torch::kCPU, torch::kFloat32).clamp(0, 1).mul(255).round().to(torch::kUInt8)
                         .permute({1, 2, 0}).contiguous();
  RgbImage out;
  out.height = static_cast<int>(bytes.size(0));
  out.width = static_cast<int>(bytes.size(1));
  out.pixels.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return out;
}

torch::Tensor imagenet_mean(const torch::TensorOptions& options) {
  return torch::tensor({0.485f, 0.456f, 0.406f}, options.dtype(torch::kFloat32)).view({1, 3, 1, 1});
}

torch::Tensor imagenet_std(const torch::TensorOptions& options) {
  return torch::tensor({0.229f, 0.224f, 0.225f}, options.dtype(torch::kFloat32)).view({1, 3, 1, 1});
}

torch::Tensor resize_and_normalize(const torch::Tensor& image, int64_t size) {
  auto x = image.dim() == 3 ? image.unsqueeze(0) : image;
  if (x.size(2) != size || x.size(3) != size) {
    x = F::interpolate(x, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{size, size})
                              .mode(torch::kBilinear)
                              .align_corners(false));
  }
  // Normalize: (x - mean) / std, as torchvision computes it.
  return (x - imagenet_mean(x.options())) / imagenet_std(x.options());
}

torch::Tensor denormalize(const torch::Tensor& normalized) {
  return normalized * imagenet_std(normalized.options()) + imagenet_mean(normalized.options());
}

torch::Tensor load_image_for_model(const std::string& path, int64_t size) {
  return resize_and_normalize(rgb_to_tensor(decode_image_file(path)), size);
}

}  // namespace brivl
