// Retrieval benchmark: first index vs re-index of an unchanged folder of generated images (fixture
// model), and exact search latency over synthetic normalised vectors of the released dimension.
// Not a test: results go to docs/PERFORMANCE.md.
//
//   bench_retrieval [--images N] [--vectors N[,N...]] [--queries N]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "bench_models.h"
#include "embed/embedder.h"
#include "export/png_export.h"
#include "retrieval/exact_index.h"
#include "retrieval/indexer.h"
#include "util/fingerprint.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// N distinct 64x64 noise PNGs (distinct content, so no vector is reused).
void make_images(const std::filesystem::path& dir, int n) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    brivl::RgbImage image;
    image.width = image.height = 64;
    image.pixels.resize(64 * 64 * 3);
    for (auto& p : image.pixels) p = static_cast<uint8_t>(rng());
    brivl::write_png((dir / ("img_" + std::to_string(i) + ".png")).string(), image);
  }
}

void bench_index(int n) {
  const auto root = std::filesystem::temp_directory_path() / "brivl-bench-index";
  std::filesystem::remove_all(root);
  make_images(root / "photos", n);
  const auto files = brivl::ModelFiles::resolve(BRIVL_SOURCE_DIR "/models/brivl-official-tiny");
  brivl::EmbedderOptions options;
  options.device = "cpu";
  options.threads = static_cast<int>(std::thread::hardware_concurrency());  // also used by the searches
  auto embedder = brivl::Embedder::load(files, options);
  auto catalog = brivl::Catalog::open((root / "index.db").string(), true);
  brivl::bind_model(catalog, files, brivl::file_fingerprint(files.checkpoint), 128);
  brivl::IndexOptions o;
  o.roots = {(root / "photos").string()};
  auto t = Clock::now();
  const auto first = brivl::update_index(catalog, embedder, o);
  const double first_s = seconds_since(t);
  t = Clock::now();
  const auto again = brivl::update_index(catalog, embedder, o);
  const double again_s = seconds_since(t);
  std::cout << std::fixed << std::setprecision(3) << "index " << n << " images (fixture model): first " << first_s
            << " s (" << first.embedded / first_s << " images/s), unchanged re-index " << again_s << " s ("
            << 100.0 * again_s / first_s << " % of the first; " << again.unchanged << " unchanged)\n";
  std::filesystem::remove_all(root);
}

void bench_search(int64_t n, int queries) {
  const int64_t dim = 2048;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> data(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int64_t k = 0; k < dim; ++k) norm += std::pow(data[i * dim + k] = normal(rng), 2);
    for (int64_t k = 0; k < dim; ++k) data[i * dim + k] /= static_cast<float>(std::sqrt(norm));
  }
  std::vector<std::string> paths(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) paths[i] = "/photos/" + std::to_string(i) + ".jpg";
  std::vector<std::vector<float>> qs;
  for (int q = 0; q < queries; ++q) qs.emplace_back(data.begin() + q * dim, data.begin() + (q + 1) * dim);
  brivl::ExactIndex index(std::move(paths), std::move(data), dim);
  std::vector<double> ms;
  for (const auto& q : qs) {
    const auto t = Clock::now();
    index.search(q, 10, -1.0f);
    ms.push_back(seconds_since(t) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::cout << std::fixed << std::setprecision(2) << "exact search, " << n << " x " << dim << ": p50 "
            << ms[ms.size() / 2] << " ms, p99 " << ms[std::min(ms.size() - 1, ms.size() * 99 / 100)] << " ms, peak RSS "
            << brivl::bench::peak_rss_gib() << " GiB\n";
}

}  // namespace

int main(int argc, char** argv) {
  int images = 2000, queries = 50;
  std::vector<int64_t> sizes = {10000, 100000};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--images") images = std::stoi(v);
    else if (k == "--queries") queries = std::stoi(v);
    else if (k == "--vectors") {
      sizes.clear();
      std::stringstream list(v);
      for (std::string n; std::getline(list, n, ',');) sizes.push_back(std::stoll(n));
    } else {
      std::cerr << "unknown option " << k << "\n";
      return 1;
    }
  }
  std::cout << brivl::runtime_description() << "\n";
  if (images > 0) bench_index(images);
  for (auto n : sizes) bench_search(n, queries);
  return 0;
}
