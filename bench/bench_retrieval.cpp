// Retrieval benchmark: first index vs re-index of an unchanged folder of generated images (fixture
// model), and search over synthetic clustered unit vectors of the released dimension (2048):
// exact fp32, exact fp16 and FAISS, with latency, recall@10 against exact fp32, build time and
// memory. Not a test: results go to docs/PERFORMANCE.md.
//
//   bench_retrieval [--images N] [--decode-threads N[,N...]] [--vectors N[,N...]] [--queries N] [--engine all|exact|exact-fp16|faiss]
//                   [--nprobe N[,N...]] [--threads N] [--factory IVF1024,SQ8] [--rerank-gib 2]
//
// Peak RSS is the process's: for one engine's own memory run it alone, e.g.
//   bench_retrieval --images 0 --vectors 1000000 --engine faiss
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "bench_models.h"
#include "embed/embedder.h"
#include "export/image_export.h"
#include "export/png_export.h"
#include "retrieval/indexer.h"
#include "retrieval/vector_index.h"
#include "util/fingerprint.h"
#include "util/allocator_tuning.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// N distinct 64x64 noise PNGs (distinct content, so no vector is reused).
// N distinct 640x480 JPEGs (camera-like decode cost; distinct content, so no vector is reused):
// a per-image colour gradient with mild noise. The settings sidecars the JPEG writer adds are
// .json files, which the scanner ignores.
void make_images(const std::filesystem::path& dir, int n) {
  std::filesystem::create_directories(dir);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    brivl::RgbImage image;
    image.width = 640;
    image.height = 480;
    image.pixels.resize(640 * 480 * 3);
    const int r0 = static_cast<int>(rng() % 256), g0 = static_cast<int>(rng() % 256), b0 = static_cast<int>(rng() % 256);
    for (int y = 0; y < 480; ++y)
      for (int x = 0; x < 640; ++x) {
        uint8_t* p = &image.pixels[(static_cast<size_t>(y) * 640 + x) * 3];
        const int noise = static_cast<int>(rng() % 16);
        p[0] = static_cast<uint8_t>((r0 + x / 3 + noise) % 256);
        p[1] = static_cast<uint8_t>((g0 + y / 2 + noise) % 256);
        p[2] = static_cast<uint8_t>((b0 + (x + y) / 5) % 256);
      }
    brivl::write_image_with_settings((dir / ("img_" + std::to_string(i) + ".jpg")).string(), image, "{}", 90);
  }
}

// First index of n images with each number of decode threads (a fresh catalog each time), then
// a re-index of the unchanged folder.
void bench_index(int n, const std::vector<int64_t>& decode_threads) {
  const auto root = std::filesystem::temp_directory_path() / "brivl-bench-index";
  std::filesystem::remove_all(root);
  make_images(root / "photos", n);
  const auto files = brivl::ModelFiles::resolve(BRIVL_SOURCE_DIR "/models/brivl-official-tiny");
  brivl::EmbedderOptions options;
  options.device = "cpu";
  options.threads = static_cast<int>(std::thread::hardware_concurrency());  // also used by the searches
  auto embedder = brivl::Embedder::load(files, options);
  brivl::IndexOptions o;
  o.roots = {(root / "photos").string()};
  double first_s = 0;
  for (const auto threads : decode_threads) {
    std::filesystem::remove(root / "index.db");
    auto catalog = brivl::Catalog::open((root / "index.db").string(), true);
    brivl::bind_model(catalog, files, brivl::file_fingerprint(files.checkpoint), 128);
    o.decode_threads = static_cast<int>(threads);
    const auto t = Clock::now();
    const auto first = brivl::update_index(catalog, embedder, o);
    first_s = seconds_since(t);
    std::cout << std::fixed << std::setprecision(3) << "index " << n << " images (fixture model, " << threads
              << " decode threads): " << first_s << " s (" << first.embedded / first_s << " images/s)\n";
  }
  auto catalog = brivl::Catalog::open((root / "index.db").string(), false);
  const auto t = Clock::now();
  const auto again = brivl::update_index(catalog, embedder, o);
  const double again_s = seconds_since(t);
  std::cout << "unchanged re-index: " << again_s << " s (" << 100.0 * again_s / first_s << " % of the last first index; "
            << again.unchanged << " unchanged)\n";
  std::filesystem::remove_all(root);
}

// Resident memory now (not the peak), GiB: what an index keeps after its build.
double current_rss_gib() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 30);
}

// Synthetic photo embeddings, clustered at two levels like a photo collection: 256 topics (a kind
// of scene) and, inside them, small clusters of 1..16 rows (one event, a burst of shots), plus a
// direction every vector shares (real embeddings are anisotropic). Cosines: same cluster ~0.6,
// same topic ~0.4, unrelated ~0.15; so a top 10 holds a query's cluster plus the best of its topic,
// which lies in several inverted lists, and recall depends on how many an engine visits (with
// plain Gaussian clusters of 100+ rows any IVF setting finds everything and the number says nothing).
// Rows are generated in chunks from a per-chunk seed (a cluster never spans chunks), so any chunk
// can be made again and 1M x 2048 never exists as float32 at once (8 GiB): the engines read the
// rows through a RowSource as often as they need.
class ClusteredVectors {
 public:
  static constexpr int64_t kDim = 2048, kChunk = 16384, kTopics = 256, kLargestCluster = 16;

  explicit ClusteredVectors(int64_t n) : n_(n) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
    topics_ = unit_rows(torch::randn({kTopics, kDim}, gen, torch::kFloat32));
    shared_ = unit_rows(torch::randn({1, kDim}, gen, torch::kFloat32));
  }

  int64_t size() const { return n_; }
  int64_t chunks() const { return (n_ + kChunk - 1) / kChunk; }

  torch::Tensor chunk(int64_t c) const {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(1000 + c);
    const int64_t rows = std::min(kChunk, n_ - c * kChunk);
    // Cut the rows into clusters of 1..16.
    std::vector<int64_t> cluster_of;
    for (int64_t id = 0; static_cast<int64_t>(cluster_of.size()) < rows; ++id) {
      const int64_t length = torch::randint(1, kLargestCluster + 1, {1}, gen, torch::kLong).item<int64_t>();
      for (int64_t i = 0; i < length && static_cast<int64_t>(cluster_of.size()) < rows; ++i) cluster_of.push_back(id);
    }
    const int64_t clusters = cluster_of.back() + 1;
    const auto topic = torch::randint(kTopics, {clusters}, gen, torch::kLong);
    const auto centres = unit_rows(0.5 * shared_ + 0.7 * topics_.index_select(0, topic) +
                                   0.6 * unit_rows(torch::randn({clusters, kDim}, gen, torch::kFloat32)));
    const auto spread = torch::rand({clusters}, gen, torch::kFloat32) * 0.4 + 0.5;  // noise norm / centre norm
    const auto member = torch::from_blob(cluster_of.data(), {rows}, torch::kLong);
    const auto noise = unit_rows(torch::randn({rows, kDim}, gen, torch::kFloat32)) * spread.index_select(0, member).unsqueeze(1);
    return unit_rows(centres.index_select(0, member) + noise);
  }

  brivl::RowSource source() const {
    return [this](const brivl::RowSink& sink) {
      for (int64_t c = 0; c < chunks(); ++c) {
        const auto rows = chunk(c);
        sink(rows.data_ptr<float>(), rows.size(0));
      }
    };
  }

  std::vector<std::string> paths() const {
    std::vector<std::string> p(static_cast<size_t>(n_));
    for (int64_t i = 0; i < n_; ++i) p[static_cast<size_t>(i)] = "/p/" + std::to_string(i) + ".jpg";  // short: no heap
    return p;
  }

 private:
  static torch::Tensor unit_rows(const torch::Tensor& x) {
    return torch::nn::functional::normalize(x, torch::nn::functional::NormalizeFuncOptions().dim(1));
  }
  int64_t n_;
  torch::Tensor topics_, shared_;
};

// Queries: data vectors of the first chunk moved by relative noise 0.3 (cosine ~0.96 to their
// source), so they are near the collection but never in it verbatim.
torch::Tensor make_queries(const ClusteredVectors& data, int count) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(99);
  const auto first = data.chunk(0);
  const auto source = torch::randperm(first.size(0), gen, torch::kLong).narrow(0, 0, std::min<int64_t>(count, first.size(0)));
  const auto q = first.index_select(0, source) +
                 torch::randn({source.size(0), ClusteredVectors::kDim}, gen, torch::kFloat32) * (0.3 / std::sqrt(2048.0));
  return torch::nn::functional::normalize(q, torch::nn::functional::NormalizeFuncOptions().dim(1)).contiguous();
}

// The exact float32 top 10 of every query, streamed chunk by chunk (one pass, no index).
struct GroundTruth {
  torch::Tensor scores, rows;  // [queries, 10], best first
};
GroundTruth ground_truth(const ClusteredVectors& data, const torch::Tensor& queries) {
  torch::Tensor best_scores, best_rows;
  for (int64_t c = 0; c < data.chunks(); ++c) {
    const auto s = torch::mm(queries, data.chunk(c).t());  // [q, rows]
    const auto top = s.topk(std::min<int64_t>(10, s.size(1)), 1);
    auto scores = std::get<0>(top), rows = std::get<1>(top) + c * ClusteredVectors::kChunk;
    if (best_scores.defined()) {
      scores = torch::cat({best_scores, scores}, 1);
      rows = torch::cat({best_rows, rows}, 1);
    }
    const auto merged = scores.topk(std::min<int64_t>(10, scores.size(1)), 1);
    best_scores = std::get<0>(merged);
    best_rows = rows.gather(1, std::get<1>(merged));
  }
  return {best_scores, best_rows};
}

enum class Engine { exact32, exact16, faiss };
const char* engine_label(Engine e) { return e == Engine::exact32 ? "exact" : e == Engine::exact16 ? "exact-fp16" : "faiss"; }

struct SearchStats {
  double p50 = 0, p99 = 0, recall = 0, worst_error = 0;
};

SearchStats measure(const brivl::VectorIndex& index, const torch::Tensor& queries, const GroundTruth& truth) {
  const int64_t nq = queries.size(0), dim = queries.size(1);
  auto query = [&](int64_t i) { return std::vector<float>(queries[i].data_ptr<float>(), queries[i].data_ptr<float>() + dim); };
  for (int64_t i = 0; i < std::min<int64_t>(3, nq); ++i) index.search(query(i), 10, -1.0f);  // warm-up
  std::vector<double> ms;
  SearchStats stats;
  for (int64_t i = 0; i < nq; ++i) {
    const auto q = query(i);
    const auto t = Clock::now();
    const auto hits = index.search(q, 10, -1.0f);
    ms.push_back(seconds_since(t) * 1000);
    std::set<int64_t> want;
    for (int64_t j = 0; j < truth.rows.size(1); ++j) want.insert(truth.rows[i][j].item<int64_t>());
    for (const auto& h : hits) {
      if (!want.count(h.row)) continue;
      stats.recall += 1.0 / static_cast<double>(truth.rows.size(1) * nq);
      for (int64_t j = 0; j < truth.rows.size(1); ++j) {  // score error where both found the row
        if (truth.rows[i][j].item<int64_t>() == h.row)
          stats.worst_error = std::max(stats.worst_error, std::abs(static_cast<double>(h.score) - truth.scores[i][j].item<double>()));
      }
    }
  }
  std::sort(ms.begin(), ms.end());
  stats.p50 = ms[ms.size() / 2];
  stats.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return stats;
}

struct SearchBenchOptions {
  int queries = 100, threads = 0;
  std::vector<int> nprobes;  // FAISS settings to measure on one build; empty: the engine's choice
  brivl::VectorIndexOptions index;  // factory and re-ranking copy limit for the FAISS engine
};

void bench_search(int64_t n, Engine engine, const SearchBenchOptions& options) {
  const int64_t dim = ClusteredVectors::kDim;
  const ClusteredVectors data(n);
  std::cout << std::fixed << std::setprecision(2);
  if (engine == Engine::exact32 && n * dim * 4 > (int64_t{4} << 30)) {
    std::cout << "exact fp32, " << n << " x " << dim << ": skipped (" << n * dim * 4.0 / (1 << 30)
              << " GiB of float32 is over the 4 GB goal; exact fp16 is the exact reference at this size)\n";
    return;
  }
  auto t = Clock::now();
  const auto q = make_queries(data, options.queries);
  const auto truth = ground_truth(data, q);
  const double truth_s = seconds_since(t);
  brivl::VectorIndexOptions o = options.index;
  o.engine = engine == Engine::faiss ? brivl::SearchEngine::faiss : brivl::SearchEngine::exact;
  o.precision = engine == Engine::exact16 ? brivl::Precision::fp16 : brivl::Precision::fp32;
  o.threads = options.threads;
  const double rss_before = current_rss_gib();
  t = Clock::now();
  const auto index = brivl::make_vector_index(data.paths(), dim, data.source(), o);
  const double build_s = seconds_since(t);
  const double resident = current_rss_gib() - rss_before;
  std::vector<int> settings = engine == Engine::faiss && !options.nprobes.empty() ? options.nprobes : std::vector<int>{0};
  for (int probes : settings) {
    if (probes > 0) index->set_probes(probes);
    const auto s = measure(*index, q, truth);
    std::cout << index->describe() << ", " << n << " x " << dim << ": build " << build_s << " s (ground truth "
              << truth_s << " s), p50 " << s.p50 << " ms, p99 " << s.p99 << " ms over " << q.size(0)
              << " queries, recall@10 " << std::setprecision(3) << s.recall << ", max |score error| "
              << std::setprecision(5) << s.worst_error << std::setprecision(2) << ", index RSS +" << resident
              << " GiB, peak RSS " << brivl::bench::peak_rss_gib() << " GiB\n";
  }
}

}  // namespace

std::vector<int64_t> number_list(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) out.push_back(std::stoll(item));
  return out;
}

int main(int argc, char** argv) {
  brivl::keep_freed_memory_for_reuse();  // as the programs do (util/allocator_tuning.h)
  int images = 2000;
  std::vector<int64_t> decode_threads = {1, 2, 4};
  SearchBenchOptions search;
  search.threads = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<int64_t> sizes = {10000, 100000};
  std::string engine = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--images") images = std::stoi(v);
    else if (k == "--decode-threads") decode_threads = number_list(v);
    else if (k == "--queries") search.queries = std::stoi(v);
    else if (k == "--vectors") sizes = number_list(v);
    else if (k == "--engine") engine = v;
    else if (k == "--threads") search.threads = std::stoi(v);
    else if (k == "--factory") search.index.faiss_factory = v;
    else if (k == "--rerank-gib") search.index.rerank_copy_limit_gib = std::stod(v);
    else if (k == "--nprobe") {
      for (auto p : number_list(v)) search.nprobes.push_back(static_cast<int>(p));
    } else {
      std::cerr << "unknown option " << k << "\n";
      return 1;
    }
  }
  std::vector<Engine> engines;
  for (Engine e : {Engine::exact32, Engine::exact16, Engine::faiss}) {
    if (engine == "all" || engine == engine_label(e)) engines.push_back(e);
  }
  if (engines.empty()) {
    std::cerr << "--engine " << engine << ": expected all, exact, exact-fp16 or faiss\n";
    return 1;
  }
  if (!brivl::faiss_available() && engines.back() == Engine::faiss) {
    std::cerr << "note: built without FAISS (BRIVL_WITH_FAISS): the faiss engine is left out\n";
    engines.pop_back();
  }
  at::set_num_threads(search.threads);
  std::cout << brivl::bench::machine_description();
  if (images > 0) bench_index(images, decode_threads);
  for (auto n : sizes) {
    if (n <= 0) continue;  // --vectors 0: the index benchmark only
    for (Engine e : engines) bench_search(n, e, search);
  }
  return 0;
}
