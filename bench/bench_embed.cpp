// Embedding benchmark: checkpoint load time vs raw file read, images/s and texts/s, peak memory,
// with and without the inference optimisations, side by side in one run. Not a test: numbers go
// to docs/PERFORMANCE.md together with the machine description this program prints.
//
//   bench_embed [--layout tiny|b0|b5] [--images N] [--texts N] [--batch N] [--threads N]
//               [--bundle-dir DIR] (keep the random bundle there, reuse it next time: the official
//               harness, ../shared/official/bench_official.py --model DIR, reads the same file)
//               [--bundle-only 1] (only write it)
//   bench_embed --json 1 --bundle DIR [--dtype fp32|bf16|fp16|int8] [--device cpu|cuda|cuda:N] [--default-images DIR] [--default-texts FILE] ...
//               one JSON line for bench/side_by_side.sh (see run_json)
#include <sys/resource.h>
#include <sys/utsname.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <thread>

#include "embed/embedder.h"
#include "io/checkpoint.h"
#include "io/zip_directory.h"
#include "model/brivl_model.h"
#include "model/state_loading.h"
#include "util/atomic_file.h"
#include "bench_models.h"
#include "util/allocator_tuning.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Reads the whole file into one buffer with fread: the floor for any loader of this file.
std::vector<char> raw_read(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<char> buffer(std::filesystem::file_size(path));
  buffer.resize(std::fread(buffer.data(), 1, buffer.size(), f));
  std::fclose(f);
  return buffer;
}

struct Args {
  std::string layout = "tiny";
  int images = 64, texts = 256, batch = 0, threads = 0;  // batch 0: the embedder's defaults
  std::string run_variant, bundle;  // internal: measure one variant in a fresh process
  std::string bundle_dir;           // keep the random bundle here (reused when it exists): the official harness reads it
  // --json: measure --bundle in this process with the optimized defaults and print one JSON line
  // (what ../shared/official/bench_official.py suite reads from a port); inputs as the official
  // harness picks them: the bundle's images/ (in images.txt order) and texts.txt when it has them,
  // else --default-images DIR / --default-texts FILE (its generated JPEGs and built-in captions).
  bool json = false;
  bool bundle_only = false;  // --bundle-only 1: write the random --bundle-dir bundle and stop
  std::string dtype = "fp32", device = "cpu", default_images, default_texts;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--layout") a.layout = v;
    else if (k == "--images") a.images = std::stoi(v);
    else if (k == "--texts") a.texts = std::stoi(v);
    else if (k == "--batch") a.batch = std::stoi(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else if (k == "--run-variant") a.run_variant = v;
    else if (k == "--bundle") a.bundle = v;
    else if (k == "--bundle-dir") a.bundle_dir = v;
    else if (k == "--json") a.json = v == "1" || v == "on";
    else if (k == "--bundle-only") a.bundle_only = v == "1" || v == "on";
    else if (k == "--dtype") a.dtype = v;
    else if (k == "--device") a.device = v;
    else if (k == "--default-images") a.default_images = v;
    else if (k == "--default-texts") a.default_texts = v;
    else throw std::runtime_error("unknown option " + k);
  }
  if (a.threads == 0) a.threads = static_cast<int>(std::thread::hardware_concurrency());
  return a;
}

// A random-weight bundle saved like the official file: online and (separately stored) momentum
// encoders, so load time and file size are those of a real checkpoint of this layout.
std::string make_random_bundle(const std::filesystem::path& dir, const std::string& layout) {
  std::filesystem::create_directories(dir);
  const std::string yaml = brivl::bench::layout_yaml(layout);
  brivl::write_file_atomically((dir / "config.yml").string(), yaml);
  std::filesystem::copy_file(BRIVL_SOURCE_DIR "/models/brivl-official-tiny/vocab.txt", dir / "vocab.txt",
                             std::filesystem::copy_options::overwrite_existing);
  brivl::BriVL model(brivl::parse_model_config(yaml, layout));
  brivl::bench::realistic_init(*model);
  std::vector<std::pair<std::string, torch::Tensor>> state;
  for (const auto& suffix : {"", "_mom"}) {
    for (auto& [k, v] : brivl::module_state(*model)) {
      const auto dot = k.find('.');
      state.emplace_back(k.substr(0, dot) + suffix + k.substr(dot), suffix[0] ? v.clone() : v);
    }
  }
  for (auto& entry : brivl::official_only_state(model->config())) state.push_back(std::move(entry));  // the official code loads it too
  brivl::save_official_checkpoint((dir / ("brivl-" + layout + "-random.pth")).string(), state);
  return dir.string();
}

std::vector<std::string> cycle(const std::vector<std::string>& items, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(items[static_cast<size_t>(i) % items.size()]);
  return out;
}

// One measurement in this (fresh) process, so peak RSS is the variant's own.
void run(const std::string& label, const brivl::ModelFiles& files, brivl::EmbedderOptions options, const Args& a,
         const std::vector<std::string>& images, const std::vector<std::string>& texts) {
  auto t = Clock::now();
  auto embedder = brivl::Embedder::load(files, options);
  const double load = seconds_since(t);
  const double rss_after_load = brivl::bench::peak_rss_gib();
  embedder.embed_images(cycle(images, std::min(2, a.images)));  // warm-up
  t = Clock::now();
  embedder.embed_images(cycle(images, a.images));
  const double image_rate = a.images / seconds_since(t);
  embedder.embed_texts(cycle(texts, std::min(32, a.texts)));
  t = Clock::now();
  embedder.embed_texts(cycle(texts, a.texts));
  const double text_rate = a.texts / seconds_since(t);
  std::cout << std::fixed << std::setprecision(2) << "| " << label << " | " << load << " s | " << image_rate
            << " | " << text_rate << " | " << rss_after_load << " GiB | " << brivl::bench::peak_rss_gib() << " GiB |\n";
}

}  // namespace

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> image_files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".webp") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) throw std::runtime_error("no images in " + dir);
  return out;
}

// --json: one measurement of --bundle, printed as one JSON line for the official harness's suite.
void run_json(const Args& a) {
  const std::filesystem::path dir(a.bundle);
  std::vector<std::string> images, texts;
  if (std::filesystem::is_directory(dir / "images")) {
    if (std::filesystem::exists(dir / "images.txt")) {
      for (const auto& l : lines_of((dir / "images.txt").string())) {
        if (!l.empty()) images.push_back((dir / "images" / l).string());
      }
    } else {
      images = image_files_in((dir / "images").string());
    }
  } else {
    if (a.default_images.empty()) throw std::runtime_error(a.bundle + " has no images/: pass --default-images DIR");
    images = image_files_in(a.default_images);
  }
  const std::string text_file = std::filesystem::exists(dir / "texts.txt") ? (dir / "texts.txt").string() : a.default_texts;
  if (text_file.empty()) throw std::runtime_error(a.bundle + " has no texts.txt: pass --default-texts FILE");
  texts = lines_of(text_file);
  brivl::EmbedderOptions options;
  options.device = a.device;  // the embeddings come back to the CPU: each call is timed with the GPU's work
  options.dtype = a.dtype;
  if (a.batch > 0) options.image_batch_size = options.text_batch_size = a.batch;
  options.threads = a.threads;
  auto t = Clock::now();
  auto embedder = brivl::Embedder::load(brivl::ModelFiles::resolve(a.bundle), options);
  const double load = seconds_since(t);
  embedder.embed_images(cycle(images, std::min(a.batch > 0 ? a.batch : 2, a.images)));  // warm-up: one batch
  t = Clock::now();
  embedder.embed_images(cycle(images, a.images));
  const double image_rate = a.images / seconds_since(t);
  embedder.embed_texts(cycle(texts, std::min(a.batch > 0 ? a.batch : 32, a.texts)));
  t = Clock::now();
  embedder.embed_texts(cycle(texts, a.texts));
  const double text_rate = a.texts / seconds_since(t);
  nlohmann::json j{{"kind", "embed"},
                   {"impl", "brivl " + a.dtype + " (BatchNorm folded, channels-last)"},
                   {"load_s", load},
                   {"images_per_s", image_rate},
                   {"texts_per_s", text_rate},
                   {"peak_rss_mb", brivl::bench::peak_rss_gib() * 1024},
                   {"settings", {{"threads", a.threads}, {"batch", a.batch}, {"images", a.images}, {"texts", a.texts},
                                 {"dtype", a.dtype}, {"device", a.device}, {"image_files", images.size()}, {"text_file", text_file}}},
                   {"runtime", brivl::runtime_description(a.threads)},
                   {"threads_info", {{"env", brivl::bench::kernel_environment()}}}};
  std::cout << j.dump() << std::endl;
}

// Child process: load the bundle with one variant's options and measure it.
void run_variant(const Args& a) {
  const std::string data = BRIVL_SOURCE_DIR "/tests/data/brivl-official-tiny";
  std::vector<std::string> images;
  for (const auto& l : lines_of(data + "/images.txt")) images.push_back(data + "/images/" + l);
  brivl::EmbedderOptions options;
  options.device = "cpu";
  if (a.batch > 0) options.image_batch_size = options.text_batch_size = a.batch;
  options.threads = a.threads;
  options.optimize = a.run_variant == "optimized";
  run(options.optimize ? "optimized (BatchNorm folded, channels-last)" : "plain (as the official code computes)",
      brivl::ModelFiles::resolve(a.bundle), options, a, images, lines_of(data + "/texts.txt"));
}

int main(int argc, char** argv) {
  brivl::keep_freed_memory_for_reuse();  // as the programs do (util/allocator_tuning.h)
  try {
    const auto a = parse(argc, argv);
    at::set_num_threads(a.threads);
    if (a.json) {
      run_json(a);
      return 0;
    }
    if (!a.run_variant.empty()) {
      run_variant(a);
      return 0;
    }
    std::string bundle = BRIVL_SOURCE_DIR "/models/brivl-official-tiny";
    const bool keep = !a.bundle_dir.empty();
    const auto scratch = keep ? std::filesystem::path(a.bundle_dir)
                              : std::filesystem::temp_directory_path() / ("brivl-bench-" + a.layout);
    if (a.layout != "tiny" && keep && std::filesystem::exists(scratch / "config.yml")) {
      bundle = scratch.string();
      std::cout << "reusing the random " << a.layout << " bundle in " << bundle << "\n";
    } else if (a.layout != "tiny") {
      const auto t = Clock::now();
      bundle = make_random_bundle(scratch, a.layout);
      std::cout << "created a random " << a.layout << " bundle in " << seconds_since(t) << " s\n";
    }
    if (a.bundle_only) return 0;
    const auto files = brivl::ModelFiles::resolve(bundle);
    std::cout << brivl::bench::machine_description()
              << "model: " << files.checkpoint << " (" << std::filesystem::file_size(files.checkpoint) / 1048576.0
              << " MiB); " << a.images << " images, " << a.texts << " texts, batch "
              << (a.batch > 0 ? std::to_string(a.batch) : std::string("default (1 image / 32 texts on CPU)")) << "\n";
    // Raw read of the whole checkpoint file, for scale (page cache warm after the first read).
    for (int i = 0; i < 2; ++i) {
      const auto t = Clock::now();
      const auto bytes = raw_read(files.checkpoint);
      std::cout << "raw read of the whole checkpoint (fread): " << seconds_since(t) << " s (" << bytes.size() / 1048576
                << " MiB)\n";
      // What the loader's integrity check adds: one CRC-32 pass over (almost) every byte.
      const auto c = Clock::now();
      const uint32_t crc = brivl::crc32_of(bytes.data(), bytes.size());
      std::cout << "CRC-32 of those bytes (zlib, as the loader checks every record): " << seconds_since(c) << " s (crc "
                << std::hex << crc << std::dec << ")\n";
    }
    std::cout << "\n| variant | load | images/s | texts/s | RSS after load | peak RSS |\n|---|---|---|---|---|---|\n"
              << std::flush;
    for (const auto* variant : {"plain", "optimized"}) {
      const std::string cmd = "'" + std::filesystem::canonical("/proc/self/exe").string() + "' --run-variant " +
                              variant + " --bundle '" + bundle + "' --images " + std::to_string(a.images) +
                              " --texts " + std::to_string(a.texts) + " --batch " + std::to_string(a.batch) +
                              " --threads " + std::to_string(a.threads);
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("variant " + std::string(variant) + " failed");
    }
    if (a.layout != "tiny" && !keep) std::filesystem::remove_all(scratch);
  } catch (const std::exception& e) {
    std::cerr << "bench_embed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
