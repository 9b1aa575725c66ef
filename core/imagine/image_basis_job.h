#pragma once
// `brivl basis`: fits a model's image basis (imagine/image_basis.h) to its training images and
// writes it into the bundle. Torch-free, for the CLI.
#include <cstdint>
#include <functional>
#include <string>

namespace brivl {

struct ImageBasisJob {
  std::string data;        // the training data (CSV / TSV / JSONL) or a folder of images
  std::string out;         // the .safetensors file to write (atomically)
  int size = 48;           // side the images are reduced to (area average) before fitting
  int components = 256;    // components kept (fewer when there are fewer images)
  // The images the model was trained on: the same split as `brivl train` (its --val-split and
  // --seed), so the validation images stay out of the prior as they stayed out of training.
  double val_split = 0.1;
  uint64_t seed = 0;
};

struct ImageBasisSummary {
  int64_t images = 0;         // fitted on
  int64_t components = 0;     // kept
  double explained = 0;       // share of the images' variance the kept components hold
};

// Throws brivl::Error naming the file for unreadable data, images that do not decode, fewer than
// two images, or an output that cannot be written. `log` (may be empty) hears progress lines.
ImageBasisSummary run_image_basis_job(const ImageBasisJob& job, const std::function<void(const std::string&)>& log = {});

}  // namespace brivl
