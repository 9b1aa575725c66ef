#pragma once
// Everything that defines a training run besides the model config and the data. Saved into the
// run directory (train_options.json) so that `--resume` continues with exactly the same recipe.
#include <cstdint>
#include <string>

namespace brivl {

// Training-time image augmentation. Defaults are OFF for colour: the official recipe
// (ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8, RandomGrayscale p 0.2) destroys the colour words
// of captions like "红色圆形"; `official()` gives it back for photo data.
struct AugmentOptions {
  double color_jitter_p = 0.0;
  double brightness = 0.4, contrast = 0.4, saturation = 0.4, hue = 0.1;
  double grayscale_p = 0.0;
  // Gaussian pixel noise (randomized-smoothing training, Cohen et al. 2019): with probability
  // noise_p an image gets noise of a standard deviation drawn uniformly from [0, noise_std] (pixel
  // units, before normalisation, not clipped). A tower trained to see through heavy noise answers
  // to shapes and colour fields rather than to pixel texture (docs/IMAGINE_QUALITY.md).
  double noise_p = 0.0;
  double noise_std = 0.0;
  static AugmentOptions official();
  static AugmentOptions none() { return {}; }
  bool any() const { return color_jitter_p > 0 || grayscale_p > 0 || (noise_p > 0 && noise_std > 0); }
};

// Adversarial training (docs/TRAINING.md, "Robust models"): PGD images under an L-inf budget in
// pixel units. With objective "contrastive" (CLIPAG-style, `brivl train --adversarial EPS`) the
// attack lowers each image's similarity to its own caption and the contrastive loss is taken on
// the attacked images; with "fare" (`brivl robustify`) see TrainOptions::objective.
struct AdversarialOptions {
  double eps = 0;            // L-inf radius in [0, 1] pixel units (4/255 = 0.0157); 0: off
  int64_t steps = 2;         // PGD steps per batch
  double step_size = 0;      // pixel units per step; 0: 2.5 * eps / steps
  int64_t start_step = 0;    // clean steps before the first attack
  int64_t ramp_steps = 0;    // eps grows linearly from 0 over these steps after start_step
};

// Perceptually aligned gradients, taught directly (Ganz, Kawar & Elad, ICML 2023, "Do perceptually
// aligned gradients imply robustness?", their one-image-per-class targets): besides the
// contrastive loss, the image tower's input gradient of cos(image, caption) is pulled towards the
// straight way from the current image to that caption's training image. The current images are
// what an imagination passes through: mixtures of a training image and noise around grey (the
// imagination's start), with their own or another image's caption. docs/TRAINING.md.
struct AlignedGradientOptions {
  double weight = 0;      // weight of the loss 1 - cos(gradient, way); 0: off
  double other_p = 0.5;   // share of points that aim at another image's caption
  double noise_std = 0.5; // the start's noise around grey: standard deviation drawn from [0, noise_std]
  // Alignment is measured on the gradient and the way average-pooled by this factor: the coarse
  // picture (what imagination on a grid of side IMG_SIZE / pool follows, `--param-size`) must
  // point the right way; finer detail is left free.
  int64_t pool = 4;
  // Share of points whose target is the difference of two pictures: the gradient of
  // cos(point, caption b) - cos(point, caption c) should point along picture b - picture c. A
  // plain target is mostly shared by every caption (a white ground, a centred object: the mean
  // emoji); this share teaches the part that tells one caption's picture from another's.
  double rival_p = 0.5;
  // In an image basis instead of pixels (`brivl basis`'s image_basis.safetensors; "" = pixels):
  // the points are blends of the basis, mean + z * spread * components, and the gradient with
  // respect to their whitened coefficients z is pulled towards z(picture) - z(point), the way
  // `brivl imagine --param basis` climbs. `noise_std` is then the start's spread in whitened units
  // (1: a typical image of the data's Gaussian) and `pool` is unused.
  std::string basis;
  int64_t basis_components = 256;  // the first this many components (0: all the file holds)
  bool any() const { return weight > 0; }
};

// Imagined negatives (short-run EBM training, Nijkamp et al. 2019; Du & Mordatch 2019): each
// training caption keeps an imagination chain in an image basis, the same climb `brivl imagine
// --param basis` makes from noise; every visit continues it a few steps, and the tower is taught
// to like the caption's picture more than the chain's image. What imagination would end in is
// what the model learns to dislike, until the only maximum left is the picture.
struct ImaginedNegativeOptions {
  double weight = 0;          // weight of the loss; 0: off
  std::string basis;          // image_basis.safetensors the chains live in (required when on)
  int64_t basis_components = 64;  // its first this many components (0: all)
  int64_t per_batch = 8;      // captions of each micro-batch whose chains are continued
  int64_t steps = 10;         // climbing steps per visit
  double step_size = 0.05;    // each step: the coefficient gradient scaled to this root mean square
  double restart_p = 0.1;     // chance that a visited chain starts again from noise
  double init_std = 1.0;      // a fresh chain's coefficients: N(0, init_std^2), as imagination's start
  // A fresh chain starts at picture_start * z(its caption's picture) + the noise above instead of
  // at the noise alone: 1 with restart_p 1 climbs away from the picture on every visit, and the
  // loss teaches the tower that the picture is a local maximum of its similarity in the basis (an
  // imagination started at a render's projection otherwise climbs away from it: IMAGINE_QUALITY,
  // seventeenth round). 0: from noise.
  double picture_start = 0;
  // The chains climb cos - prior * mean(z^2), as `brivl imagine --basis-prior` does: 0 lets them
  // wander to saturated blends far outside the data (whitened: a training image has mean(z^2) ~ 1).
  double prior = 0;
  double scale = 10;          // the loss: softplus(scale * (cos(imagined, caption) - cos(picture, caption)))
  bool any() const { return weight > 0; }
};

struct TrainOptions {
  std::string data;             // CSV / TSV / JSONL of image-text pairs
  std::string out;              // run directory
  std::string config;           // model config.yml; empty: the default model's
  std::string vocab;            // vocab.txt; empty: next to the config
  std::string init_checkpoint;  // start from these weights (official layout or safetensors)

  int64_t epochs = 40;
  int64_t batch_size = 32;
  int64_t accumulate = 1;       // micro-batches per optimizer step
  double lr = 1e-3;             // peak learning rate (AdamW)
  double weight_decay = 0.01;
  int64_t warmup_steps = 50;
  double clip_norm = 1.0;       // 0: no clipping
  double max_minutes = 0;       // 0: no time limit; else stop (with a checkpoint) when reached
  double val_split = 0.1;
  uint64_t seed = 0;
  std::string device = "auto";
  int threads = 0;              // intra-op threads, 0: $BRIVL_THREADS, else all cores
  int workers = 2;              // data-loading threads
  bool amp = true;              // bf16 autocast on CUDA (ignored on the CPU)
  // Data-parallel runs (several processes, train/distributed/): how they talk. Not part of the
  // recipe: a run continues on any number of processes.
  std::string backend = "auto";  // auto | gloo | nccl
  double dist_timeout_s = 1800;  // a collective waiting longer than this ends the run with an error

  // The recipe (see docs/TRAINING.md for why each part is there).
  std::string freeze = "none";  // none | official (brivl-nmi init_param: only the top blocks learn)
  int64_t queue_size = 0;       // 0: MODEL.QUEUE_SIZE
  double momentum = -1;         // <0: MODEL.MOMENTUM
  double temperature = -1;      // <0: MODEL.TEMPERATURE
  double moco_weight = 0.2;     // weight of the queue (MoCo) loss (docs/TRAINING.md: why not 1)
  double in_batch_weight = 1.0; // weight of the in-batch loss between the two online towers
  bool mask_same_text = true;   // a negative with the positive's exact caption is not a negative
  int64_t hard_negatives = 0;   // >= 2: batches built from groups of this many near captions; 0: off
  int64_t bn_recalibration_batches = 8;  // BatchNorm statistics re-estimated before eval/save
  // BatchNorm of the image towers while training: "batch" normalises with each batch's own
  // statistics (per process in data-parallel runs: each sees its share of the batch);
  // "frozen" keeps the running statistics of the starting weights (--init), as detection and
  // fine-tuning recipes do with small per-device batches; then a run on N processes computes
  // exactly what one process does (docs/TRAINING.md, "Several processes").
  std::string batchnorm = "batch";

  int64_t log_every = 10;       // steps between metrics lines
  int64_t eval_every = 0;       // steps between evaluations (+checkpoints); 0: once per epoch
  int64_t keep_last = 2;        // checkpoints kept besides the best
  AugmentOptions augment;

  // What is learned. "contrastive": BriVL's cross-modal MoCo (both towers). "fare": unsupervised
  // adversarial fine-tuning of the image tower alone (Schlarmann et al. 2024): a frozen copy of
  // the init_checkpoint's image tower is the teacher, and the loss is the squared distance of the
  // attacked image's embedding to the teacher's clean one; BatchNorm statistics stay the
  // teacher's and the text tower is untouched, so texts embed exactly as before.
  std::string objective = "contrastive";
  AdversarialOptions adversarial;
  AlignedGradientOptions aligned_gradients;
  ImaginedNegativeOptions imagined_negatives;

  // Throws brivl::Error naming the option for out-of-range values.
  void validate() const;
};

std::string train_options_to_json(const TrainOptions& options);
// `source` names the file in errors.
TrainOptions train_options_from_json(const std::string& json_text, const std::string& source);

}  // namespace brivl
