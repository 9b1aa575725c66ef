// The image basis (principal components of a model's training images) and the imagination that
// optimises its coefficients: the fit, the file, the parameterisation and the engine around it.
#include <cmath>
#include <filesystem>
#include <vector>

#include "imagine/basis_parameterization.h"
#include "imagine/image_basis.h"
#include "imagine/image_basis_job.h"
#include "imagine/imaginer.h"
#include "io/checkpoint.h"
#include "model/model_files.h"
#include "model/model_test_support.h"
#include "vision/image_decode.h"
#include "vision/preprocess.h"

namespace brivl {
namespace {
namespace fs = std::filesystem;

// N images mean + 0.3 a_i u + 0.1 b_i v for two orthonormal patterns u, v (and their spread in
// that order), with a, b drawn from a seeded generator.
struct TwoPatternImages {
  torch::Tensor images, mean, u, v;
};
TwoPatternImages two_pattern_images(int64_t n) {
  auto gen = at::detail::createCPUGenerator(5);
  auto q = std::get<0>(torch::linalg::qr(torch::randn({3 * 8 * 8, 2}, gen)));  // orthonormal columns
  const auto u = q.select(1, 0).view({3, 8, 8}), v = q.select(1, 1).view({3, 8, 8});
  const auto mean = torch::full({3, 8, 8}, 0.5);
  // Exactly uncorrelated coefficients of mean 0 and spread 1 (a finite random sample would mix the
  // patterns a little): a point going round a circle.
  const auto t = torch::arange(n, torch::kFloat64) * (2 * M_PI / static_cast<double>(n));
  const double unit = std::sqrt(2.0 * (n - 1) / n);
  const auto a = (torch::cos(t) * unit).to(torch::kFloat32).view({n, 1, 1, 1});
  const auto b = (torch::sin(t) * unit).to(torch::kFloat32).view({n, 1, 1, 1});
  return {mean + 0.3 * a * u + 0.1 * b * v, mean, u, v};
}

TEST(ImageBasis, FitKeepsTheImagesDirectionsMostSpreadFirstAndDropsTheRest) {
  const auto data = two_pattern_images(40);
  const auto basis = fit_image_basis(data.images, 8);
  ASSERT_EQ(basis.count(), 2);  // the other six directions have no spread at all
  EXPECT_GT(basis.stddev[0].item<double>(), 2 * basis.stddev[1].item<double>());
  // The components are the patterns (up to sign), orthonormal.
  const auto c = basis.components.flatten(1);
  EXPECT_TRUE(torch::allclose(torch::matmul(c, c.t()), torch::eye(2), 1e-5, 1e-5));
  EXPECT_NEAR(std::abs((c[0] * data.u.flatten()).sum().item<double>()), 1.0, 1e-4);
  EXPECT_NEAR(std::abs((c[1] * data.v.flatten()).sum().item<double>()), 1.0, 1e-4);
  // Images in the span come back exactly; an image off it comes back as its shadow in the span.
  const auto z = basis.project(data.images);
  EXPECT_EQ(z.sizes(), (std::vector<int64_t>{40, 2}));
  EXPECT_TRUE(torch::allclose(basis.reconstruct(z), data.images, 1e-5, 1e-5));
  // Whitened: the coefficients of the data have unit spread.
  EXPECT_NEAR(z.select(1, 0).std().item<double>(), 1.0, 1e-4);
  const auto off = data.mean + 0.2 * torch::ones({3, 8, 8});
  EXPECT_GT((basis.reconstruct(basis.project(off)).squeeze(0) - off).abs().max().item<double>(), 0.1);
  // The first k components share memory with the whole.
  EXPECT_EQ(basis.first(1).count(), 1);
  EXPECT_EQ(basis.first(0).count(), 2);
  EXPECT_EQ(basis.first(5).count(), 2);
  EXPECT_BRIVL_ERROR(fit_image_basis(data.images.narrow(0, 0, 1), 4), "at least 2 images");
  EXPECT_BRIVL_ERROR(fit_image_basis(torch::zeros({4, 1, 8, 8}), 4), "[N, 3, H, W]");
}

TEST(ImageBasis, SavedAndLoadedItIsTheSameAndBadFilesNameTheirFault) {
  test::TempDir dir;
  const auto basis = fit_image_basis(two_pattern_images(20).images, 4);
  const auto file = dir.file("image_basis.safetensors");
  save_image_basis(file, basis, {{"size", "8"}});
  const auto loaded = load_image_basis(file);
  EXPECT_TRUE(torch::equal(loaded.mean, basis.mean));
  EXPECT_TRUE(torch::equal(loaded.stddev, basis.stddev));
  EXPECT_TRUE(torch::allclose(loaded.components, basis.components, 0, 1e-3));  // stored as float16
  const auto save = [&](const std::string& name, std::vector<std::pair<std::string, torch::Tensor>> tensors) {
    save_safetensors(dir.file(name), tensors);
    return dir.file(name);
  };
  EXPECT_BRIVL_ERROR(load_image_basis(save("a.safetensors", {{"mean", basis.mean}, {"stddev", basis.stddev}})),
                     "a.safetensors", "no tensor 'components'");
  EXPECT_BRIVL_ERROR(load_image_basis(save("b.safetensors", {{"mean", basis.mean},
                                                              {"components", basis.components.narrow(0, 0, 1)},
                                                              {"stddev", basis.stddev}})),
                     "b.safetensors", "'components' must be [2, 3, 8, 8]");
  EXPECT_BRIVL_ERROR(load_image_basis(save("c.safetensors", {{"mean", basis.mean},
                                                              {"components", basis.components},
                                                              {"stddev", basis.stddev.flip(0)}})),
                     "c.safetensors", "descending");
  auto nan_mean = basis.mean.clone();
  nan_mean[0][0][0] = std::nan("");
  EXPECT_BRIVL_ERROR(load_image_basis(save("d.safetensors", {{"mean", nan_mean},
                                                              {"components", basis.components},
                                                              {"stddev", basis.stddev}})),
                     "d.safetensors", "'mean'", "not finite");
}

TEST(BasisParameterization, StartsAtTheInitImagesProjectionAndPassesGradientsToItsCoefficients) {
  const auto data = two_pattern_images(30);
  auto basis = std::make_shared<const ImageBasis>(fit_image_basis(data.images, 2));
  auto gen = at::detail::createCPUGenerator(1);
  const auto init = data.images[3];
  BasisParameterization exact(basis, BasisOptions().width(8).height(8), gen, init, 1.0);
  EXPECT_TRUE(torch::allclose(exact.image().squeeze(0), init.clamp(0, 1), 1e-5, 1e-5));
  // Upsampled to the output size; the random start is a typical image of the data.
  BasisParameterization random(basis, BasisOptions().width(16).height(12), gen);
  const auto image = random.image();
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{1, 3, 12, 16}));
  EXPECT_GE(image.min().item<double>(), 0.0);
  EXPECT_LE(image.max().item<double>(), 1.0);
  image.mean().backward();
  const auto grad = random.coefficients().grad();
  ASSERT_TRUE(grad.defined());
  EXPECT_GT(grad.abs().sum().item<double>(), 0.0);
}

// A bundle folder holding an image basis: the basis is found, and it is not taken for a second checkpoint.
TEST(ImageBasis, ABundlesBasisIsFoundAndIsNoCheckpoint) {
  test::TempDir dir;
  for (const char* name : {"config.yml", "checkpoint.pth", "vocab.txt"})
    fs::copy_file(test::fixture_model_file(name), dir.file(name));
  EXPECT_TRUE(ModelFiles::resolve(dir.path().string()).image_basis.empty());
  save_image_basis(dir.file(kImageBasisFile), fit_image_basis(two_pattern_images(10).images, 2));
  const auto files = ModelFiles::resolve(dir.path().string());
  EXPECT_EQ(files.image_basis, dir.file(kImageBasisFile));
  EXPECT_EQ(files.checkpoint, dir.file("checkpoint.pth"));
}

// `brivl basis`'s job on a folder of images, then imaginations in the basis on the fixture model:
// they climb the similarity, repeat exactly, and a model without a basis says how to make one.
TEST(Imagine, BasisImaginationsClimbAndRepeatExactly) {
  test::TempDir dir;
  const auto images = dir.path() / "images";
  fs::create_directories(images);
  for (const auto& path : test::fixture_image_paths()) fs::copy_file(path, images / fs::path(path).filename());
  ImageBasisJob job;
  job.data = images.string();
  job.out = dir.file(kImageBasisFile);
  job.size = 16;
  job.components = 64;
  job.val_split = 0;
  const auto summary = run_image_basis_job(job);
  const auto count = static_cast<int64_t>(test::fixture_image_paths().size());
  EXPECT_EQ(summary.images, count);
  EXPECT_EQ(summary.components, count - 1);
  EXPECT_NEAR(summary.explained, 1.0, 1e-3);

  EmbedderOptions o;
  o.device = "cpu";
  auto embedder = std::make_shared<Embedder>(Embedder::load(test::fixture_model_files(), o));
  Imaginer imaginer(embedder, test::fixture_model_files().checkpoint, 0, job.out);
  ImagineSettings s;
  s.prompt = "红色的圆";
  s.param = "basis";
  s.width = s.height = 32;
  s.steps = 20;
  s.lr = 0.1;
  s.augment.cutouts = 1, s.augment.min_scale = 1, s.augment.jitter = 0, s.augment.rotate_degrees = 0;
  std::vector<double> similarity;
  ImagineHooks hooks;
  hooks.on_progress = [&](const ImagineProgress& p) { similarity.push_back(p.similarity); };
  auto again = s;
  const auto a = imaginer.run(s, hooks);
  ASSERT_EQ(similarity.size(), 20u);
  std::printf("basis: clean similarity %.3f -> %.3f\n", similarity.front(), similarity.back());
  EXPECT_GT(similarity.back(), similarity.front() + 0.02);
  EXPECT_EQ(imaginer.run(again).pixels, a.pixels);
  // The prior pulls the coefficients towards the data's mean image.
  auto pulled = s;
  pulled.basis_prior = 100;
  pulled.basis_components = 3;
  EXPECT_NE(imaginer.run(pulled).pixels, a.pixels);
  Imaginer without(embedder, test::fixture_model_files().checkpoint);
  auto none = s;
  EXPECT_BRIVL_ERROR(without.run(none), "--param basis", kImageBasisFile, "brivl basis");
}

}  // namespace
}  // namespace brivl
