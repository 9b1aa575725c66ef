#pragma once
// Model layouts and weight initialisation shared by the benchmarks.
#include <sys/resource.h>
#include <sys/utsname.h>

#include <cstdlib>
#include <map>
#include <unistd.h>
#include <fstream>
#include <sstream>
#include <thread>

#include <cmath>
#include <stdexcept>
#include <string>

#include "embed/embedder.h"
#include "model/brivl_model.h"

namespace brivl::bench {

// The environment variables that steer threads and kernels (OMP_*, OPENBLAS_*, MKL_*, ONEDNN_*,
// DNNL_*, BRIVL_*), as name -> value: recorded with every number.
inline std::map<std::string, std::string> kernel_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    const std::string name = kv.substr(0, eq);
    for (const char* prefix : {"OMP_", "OPENBLAS_", "MKL_", "ONEDNN_", "DNNL_", "BRIVL_"}) {
      if (name.rfind(prefix, 0) == 0 && eq != std::string::npos) out[name] = kv.substr(eq + 1);
    }
  }
  return out;
}

// Peak resident memory of this process so far, GiB (ru_maxrss is in KiB on Linux).
inline double peak_rss_gib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1048576.0;
}

// Official-style config text for a random bundle.
inline std::string layout_yaml(const std::string& layout) {
  const std::string common =
      "  TEXT_TRANSFORMER_HEAD: 4\n  TEXT_TRANSFORMER_LAYER: 4\n  MAX_TEXT_LEN: 80\n  IMG_TRANSFORMER_HEAD: 4\n"
      "  IMG_TRANSFORMER_LAYER: 4\n  MAX_IMG_LEN: 37\n  BOX_GRID: 6\n  TOPK: 1\n  QUEUE_SIZE: 9600\n"
      "  MOMENTUM: 0.99\n  TEMPERATURE: 0.07\n  GRID_SIZE: 4\n";
  if (layout == "b5") {  // the released model: tf_efficientnet_b5_ns @456 + RoBERTa-wwm-ext base
    return "MODEL:\n  NAME: VL\n  ENCODER: 'hfl/chinese-roberta-wwm-ext'\n  TEXT_FEATURE_DIM: 768\n"
           "  CNN: 'tf_efficientnet_b5_ns'\n  IMG_SIZE: 456\n  IMG_FEATURE_DIM: 2048\n" + common;
  }
  if (layout == "b0") {  // a small model: full B0 @160 + a 4-layer, 256-wide BERT
    return "MODEL:\n  NAME: VL\n  ENCODER: 'hfl/chinese-roberta-wwm-ext'\n  TEXT_FEATURE_DIM: 256\n"
           "  CNN: 'tf_efficientnet_b0'\n  IMG_SIZE: 160\n  IMG_FEATURE_DIM: 1280\n" + common +
           "  BERT_HIDDEN: 256\n  BERT_LAYERS: 4\n  BERT_HEADS: 4\n  BERT_INTERMEDIATE: 1024\n";
  }
  throw std::runtime_error("unknown --layout " + layout + " (tiny, b0, b5)");
}

// timm's EfficientNet init keeps activations at a trained network's scale (see
// EfficientNetImpl::init_weights_like_timm): benchmarks on LibTorch's default init would measure
// denormal floats, not the model.
inline void realistic_init(brivl::BriVLImpl& model) { model.imgencoder->backbone->init_weights_like_timm(); }

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// Which BLAS the dynamic linker gave LibTorch (Debian's alternatives decide).
inline std::string blas_in_use() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    for (const char* flavour : {"openblas-openmp", "openblas-pthread", "openblas-serial", "/blas/libblas"}) {
      if (line.find(flavour) != std::string::npos) return flavour;
    }
  }
  return "unknown";
}

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

// "machine: ...\nruntime: ...\n": recorded with every number in docs/PERFORMANCE.md.
inline std::string machine_description() {
  utsname u{};
  uname(&u);
  std::ostringstream s;
  s << "machine: " << cpu_model() << ", " << std::thread::hardware_concurrency() << " cpus, " << u.sysname << " "
    << u.release << "\n"
    << "runtime: " << brivl::runtime_description() << "; BLAS: " << blas_in_use()
    << "; OPENBLAS_CORETYPE=" << env_or("OPENBLAS_CORETYPE", "-") << " OMP_NUM_THREADS=" << env_or("OMP_NUM_THREADS", "-")
    << " OMP_WAIT_POLICY=" << env_or("OMP_WAIT_POLICY", "-") << "\n";
  return s.str();
}

}  // namespace brivl::bench
