#pragma once
// Everything that determines an imagination run. Serialised as JSON into the exported PNG, so a
// run can be replayed from its image; torch-free so the CLI and the studio can hold it.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace brivl {

struct AugmentSettings {
  int cutouts = 4;             // views per step, batched in one forward
  double min_scale = 0.3;      // cutout side as a fraction of the image side
  double max_scale = 1.0;
  double jitter = 0.05;        // translation, fraction of the cutout side
  double rotate_degrees = 5;   // uniform in [-r, r]
  double color_jitter = 0.05;  // per-view brightness/contrast offsets
  double noise = 0.01;         // Gaussian pixel noise
  // Keystone perspective: each view is seen through a random homography whose corners move by up
  // to this fraction of the view's half-side (0 = off, the affine views above only).
  double perspective = 0.0;
};

struct ImagineSettings {
  std::string prompt;            // "猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3"
  // Morph (empty = off): a second prompt, same syntax. Screening and the layout search aim at
  // `prompt`; over the `steps` that follow, the target moves from `prompt`'s embedding to this one's
  // along the great circle (spherical interpolation), so the frames show one image turning into
  // the other. The last step aims at `to` alone.
  std::string to;
  int steps = 300;
  int width = 256, height = 256;  // output size, independent of the model's IMG_SIZE
  uint64_t seed = 42;
  double lr = 0.02;               // step size; linear warm-up over the first 10 %, cosine decay to 10 %
  // How a step follows the gradient. "adam": per-parameter normalised (each moves about lr,
  // whatever its share of the gradient). "gd": the gradient itself (for the pixel grid: of the
  // image's logits, undoing the colour decorrelation), divided by its root mean square so that lr
  // means the same typical step: the picture the gradient points at keeps its proportions, which
  // a tower trained with `brivl train --aligned-gradients` needs.
  std::string optimizer = "adam";
  std::string param = "fourier";  // fourier | pixel | blobs | basis
  // param "basis": how many of the model's image-basis components are optimised (0 = all the
  // bundle's image_basis.safetensors holds), and the weight of the Gaussian prior on their whitened
  // coefficients (mean z^2: 1 for a typical training image; 0 = off). See imagine/image_basis.h.
  int basis_components = 0;
  double basis_prior = 0.0;
  // param "basis": randomized smoothing in the basis. Every view gets its own random blend of the
  // components (whitened coefficients of this spread), so a step climbs the similarity averaged
  // over images nearby *in the data's directions*, not at one point: 0 = off.
  double basis_noise = 0.0;
  int blobs = 24;                 // param "blobs": the number of shapes
  // param "blobs": the kinds of shape each is drawn from, comma-separated, of ellipse, rectangle,
  // triangle, star. With more than one, a screened start also has its shapes' kinds swept (each
  // tries every kind, upright and regular) before its colours.
  std::string primitives = "ellipse";
  // Layout search: `starts` random starts (seed, then seeds derived from it) each run
  // `start_steps` steps; the one the model scores highest on held-out views goes on to `steps`.
  // Gradient descent keeps a shape near where it began, so where things go is chosen by search,
  // not by the gradient (docs/IMAGINE_QUALITY.md). 1 = a single start, as before.
  int starts = 1;
  int start_steps = 40;
  // Screening before the search: `screen` random starts (seed, then start_seed(seed, k)) are each
  // scored by one forward pass of their clean image, no optimisation; the `starts` best of them are
  // the starts above. It only pays for a parameterisation whose random start already is a layout
  // (blobs): a random ellipse of the wrong colour is not pulled to the right one by the gradient,
  // but the model ranks the right one first (docs/IMAGINE_QUALITY.md). Each start the screening
  // passes on then has its ellipses' colours swept: each takes the best of 39 generic colours
  // (12 hues saturated, dark and pale; white, black, grey) by the same one-pass score, or, for a
  // prompt that names a hue and has colour_rivals, the best of the 15 saturated ones by the
  // prompt's probability among its rivals. 0 = off.
  int screen = 0;
  // Side of the optimised grid (fourier, pixel) on the longer side, upsampled (bilinear) to the
  // output size; 0 = the output size itself. A grid no finer than the model's input (e.g. 96 for
  // the default model) leaves no detail that reaches the model only through aliasing. Measured
  // with the judges it did not make the default model's imaginations recognisable
  // (docs/IMAGINE_QUALITY.md), so it is not the default.
  int param_size = 0;
  // Contrast texts (empty = off): a UTF-8 file of captions, one per line, that the image should
  // match *less* than the prompt: each step maximises the model's softmax probability of the
  // prompt among them (BriVL's own InfoNCE objective) instead of the bare cosine, and screening
  // and the sweeps rank by it. Lines equal to the prompt are left out.
  std::string contrast;
  // The colour sweep's rivals (comma-separated colour words; "" = off): where the prompt names one
  // colour word, the sweep ranks a colour by the prompt's log-probability among the prompt in
  // these colours (at the model's temperature), not by its bare similarity, and tries saturated
  // colours only (a hue's word; 粉色 and 棕色, tints, keep all). The default, six
  // colours: with the shipped model the six colours added last (橙色 青色 粉色 灰色 黑色 棕色) are
  // learned too loosely to rival well (docs/IMAGINE_QUALITY.md, seventh round). Settings stored
  // without this key (made before it existed) read as "", so they replay as they were made.
  std::string colour_rivals = "红色,黄色,绿色,蓝色,紫色,白色";
  // The named colour enforced (with colour rivals, for a prompt that names one): the colour sweep
  // always paints a swept colour (an ellipse never keeps its random start colour, a tint that
  // answers no colour word), and the layout search (starts > 1) continues the best start by
  // held-out similarity among those whose held-out views put the prompt above every rival (the
  // ones that show the named colour), or the best of all when none does: the bare similarity
  // alone prefers, for some colours, a start in a neighbouring one (docs/IMAGINE_QUALITY.md,
  // eighth round). Settings stored without this key read as false, so they replay as they were made.
  bool colour_gate = true;
  std::string init_image;         // optional start image (image-to-image)
  double init_strength = 0.5;     // 1 = start exactly at the init image, 0 = ignore it
  double tv_weight = 0.0;         // total-variation regulariser
  // Range regulariser: penalises pixels pushed into the flat ends of the sigmoid (|logit| > 3,
  // i.e. beyond 4.7 % / 95.3 %), where they stop learning and show as blown-out colour.
  double range_weight = 0.0;
  // Feature-statistics prior (DeepInversion): the weight of how far the views' activations at
  // every BatchNorm of the image tower stray from the running statistics it keeps of its training
  // images (model/batchnorm_deviation.h). 0 = off; models without BatchNorm are unaffected.
  double bn_prior = 0.0;
  AugmentSettings augment;
  int max_text_len = 32;
  // Filled in by the engine: what produced the image.
  std::string engine_version;
  std::string model_fingerprint;
  // param "basis": the image basis file's fingerprint (util/fingerprint.h); "" for other
  // parameterisations and for files made before it was recorded. A replay with another basis
  // differs, so the CLI warns as it does for another checkpoint.
  std::string basis_fingerprint;

  // JSON with every field above (stable key order).
  std::string to_json() const;
  // Parses to_json() output; unknown keys and wrong types are errors naming the key.
  static ImagineSettings from_json(const std::string& json, const std::string& source);
  // Range checks with messages naming the option (--steps, --size, ...).
  void validate() const;
};

// What a step reports (hooks of the imagination engine).
struct ImagineProgress {
  int step = 0, steps = 0;      // steps done and planned, the layout search's included
  int start = 0, starts = 1;    // the start this step belongs to while searching; -1 once refining the best
  // Screening (settings.screen > 0): reports with step 0 while candidates are scored, `screened`
  // of `screen` done; 0 / 0 when the run screens nothing.
  int screened = 0, screen = 0;
  double loss = 0;              // -mean cosine over the augmented views (+ regularisers)
  double similarity = 0;        // cosine of the clean, un-augmented image with the target
  // Morph (settings.to): where this step's target lies between the prompt (0) and `to` (1); 0
  // without a morph and while screening or searching.
  double morph = 0;
  // Mean cosine over held-out views (fixed random transforms never used for optimisation),
  // every 10 steps and at the end; NaN on other steps. A high clean similarity with a low
  // robust one means the image fools the encoder instead of showing the prompt.
  double robust_similarity = std::numeric_limits<double>::quiet_NaN();
  double lr = 0;
  double steps_per_second = 0;
  double eta_seconds = 0;
  // Where this step's time went (wall clock, ms): image + views, forward, backward + Adam.
  double transform_ms = 0, forward_ms = 0, backward_ms = 0;
};

// The seed of start k (> 0) of the layout search: a splitmix64 mix of the run's seed and k, so
// starts neither repeat each other nor the seeds of neighbouring runs (seed + 1, ...).
uint64_t start_seed(uint64_t seed, int k);

// Presets, each a whole recipe: steps, size, cutouts (for the device kind), the image space
// (param, blobs), screening and the layout search (screen, starts), lr and the view scales.
//   draft | normal | best  the Fourier image, cutouts of 30-100 % of the side, at three levels of
//                          steps, size and views;
//   layout                 one flat ellipse, placed and coloured by screening 256 random starts
//                          (the best eight then searched 25 steps each), views that keep the whole image (so 左上角 stays top left): for prompts
//                          that name a colour and a place, what the judges recognise best
//                          (docs/IMAGINE_QUALITY.md).
// Other fields (prompt, seed, regularisers, jitter, ...) are left as they are.
void apply_preset(ImagineSettings& settings, const std::string& preset, bool gpu);
// A run shorter than its layout search (start_steps >= steps with several starts, as when a
// preset's recipe meets fewer --steps): the search shrinks to a quarter of the steps per start,
// or (unless keep_starts) to one start when there are too few steps to share. Returns whether
// anything changed. Settings that validate() accepts are never changed.
bool fit_search_to_steps(ImagineSettings& settings, bool keep_starts = false);
// The names apply_preset accepts, in the order the studio lists them.
const std::vector<std::string>& preset_names();

inline constexpr const char* kImagineEngineVersion = "brivl-imagine 2";

}  // namespace brivl
