#include "imagine/imagine_settings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "imagine/blob_kind.h"
#include "text/colour_words.h"
#include "util/error.h"
#include "util/json_number.h"
#include "util/splitmix.h"

namespace brivl {
namespace {

using Json = nlohmann::ordered_json;

Json augment_json(const AugmentSettings& a) {
  return Json{{"cutouts", a.cutouts},         {"min_scale", a.min_scale}, {"max_scale", a.max_scale},
              {"jitter", a.jitter},           {"rotate_degrees", a.rotate_degrees},
              {"color_jitter", a.color_jitter}, {"noise", a.noise}, {"perspective", a.perspective}};
}

template <typename T>
void take(const Json& j, const char* key, T& out, const std::string& source) {
  if (!j.contains(key)) return;  // older files may lack newer keys: keep the default
  BRIVL_CHECK(json_holds<T>(j.at(key)), source, ": imagine setting '", key, "' has the wrong type or is out of range (",
              j.at(key).dump(), ")");
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    BRIVL_FAIL(source, ": imagine setting '", key, "' has the wrong type (", j.at(key).dump(), ")");
  }
}

void check_known(const Json& j, std::initializer_list<const char*> keys, const std::string& where) {
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* key : keys) known |= k == key;
    BRIVL_CHECK(known, where, ": unknown imagine setting '", k, "'");
  }
}

}  // namespace

std::string ImagineSettings::to_json() const {
  Json j{{"engine_version", engine_version}, {"prompt", prompt},       {"to", to},
         {"steps", steps},
         {"width", width},                   {"height", height},       {"seed", seed},
         {"lr", lr},                         {"optimizer", optimizer}, {"param", param},         {"param_size", param_size},
         {"basis_components", basis_components}, {"basis_prior", basis_prior},
         {"basis_noise", basis_noise},
         {"blobs", blobs},                   {"primitives", primitives}, {"starts", starts},       {"start_steps", start_steps},
         {"screen", screen},                 {"contrast", contrast},   {"colour_rivals", colour_rivals},
         {"colour_gate", colour_gate},
         {"init_image", init_image},
         {"init_strength", init_strength},   {"tv_weight", tv_weight}, {"range_weight", range_weight},
         {"bn_prior", bn_prior},
         {"augment", augment_json(augment)},
         {"max_text_len", max_text_len},     {"model_fingerprint", model_fingerprint},
         {"basis_fingerprint", basis_fingerprint}};
  return j.dump();
}

ImagineSettings ImagineSettings::from_json(const std::string& text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    BRIVL_FAIL(source, ": imagine settings are not valid JSON (", e.what(), ")");
  }
  BRIVL_CHECK(j.is_object(), source, ": imagine settings are not a JSON object");
  check_known(j, {"engine_version", "prompt", "to", "steps", "width", "height", "seed", "lr", "optimizer", "param", "param_size", "basis_components", "basis_prior", "basis_noise", "blobs", "primitives", "starts", "start_steps", "screen", "contrast", "colour_rivals", "colour_gate", "init_image",
                  "init_strength", "tv_weight", "range_weight", "bn_prior", "augment", "max_text_len", "model_fingerprint", "basis_fingerprint"},
              source);
  ImagineSettings s;
  take(j, "engine_version", s.engine_version, source);
  take(j, "prompt", s.prompt, source);
  take(j, "to", s.to, source);
  take(j, "steps", s.steps, source);
  take(j, "width", s.width, source);
  take(j, "height", s.height, source);
  take(j, "seed", s.seed, source);
  take(j, "lr", s.lr, source);
  take(j, "optimizer", s.optimizer, source);
  take(j, "param", s.param, source);
  take(j, "param_size", s.param_size, source);
  take(j, "basis_components", s.basis_components, source);
  take(j, "basis_prior", s.basis_prior, source);
  take(j, "basis_noise", s.basis_noise, source);
  take(j, "blobs", s.blobs, source);
  take(j, "primitives", s.primitives, source);
  take(j, "starts", s.starts, source);
  take(j, "start_steps", s.start_steps, source);
  take(j, "screen", s.screen, source);
  take(j, "contrast", s.contrast, source);
  s.colour_rivals.clear();  // absent: made before the rivals existed, and replayed as it was made
  take(j, "colour_rivals", s.colour_rivals, source);
  s.colour_gate = false;  // absent: made before the gate existed
  take(j, "colour_gate", s.colour_gate, source);
  take(j, "init_image", s.init_image, source);
  take(j, "init_strength", s.init_strength, source);
  take(j, "tv_weight", s.tv_weight, source);
  take(j, "range_weight", s.range_weight, source);
  take(j, "bn_prior", s.bn_prior, source);
  take(j, "max_text_len", s.max_text_len, source);
  take(j, "model_fingerprint", s.model_fingerprint, source);
  take(j, "basis_fingerprint", s.basis_fingerprint, source);  // absent: not recorded then
  if (j.contains("augment")) {
    const auto& a = j.at("augment");
    BRIVL_CHECK(a.is_object(), source, ": imagine setting 'augment' is not an object");
    check_known(a, {"cutouts", "min_scale", "max_scale", "jitter", "rotate_degrees", "color_jitter", "noise", "perspective"},
                source);
    take(a, "cutouts", s.augment.cutouts, source);
    take(a, "min_scale", s.augment.min_scale, source);
    take(a, "max_scale", s.augment.max_scale, source);
    take(a, "jitter", s.augment.jitter, source);
    take(a, "rotate_degrees", s.augment.rotate_degrees, source);
    take(a, "color_jitter", s.augment.color_jitter, source);
    take(a, "noise", s.augment.noise, source);
    take(a, "perspective", s.augment.perspective, source);
  }
  return s;
}

void ImagineSettings::validate() const {
  BRIVL_CHECK(!prompt.empty(), "imagine: the prompt is empty");
  BRIVL_CHECK(to.empty() || to.find_first_not_of(" \t\r\n") != std::string::npos,
              "--to: the morph's second prompt is blank (leave --to out for no morph)");
  BRIVL_CHECK(steps >= 1 && steps <= 100000, "--steps ", steps, " must be in [1, 100000]");
  BRIVL_CHECK(width >= 16 && width <= 4096 && height >= 16 && height <= 4096, "--size ", width, "x", height,
              " must be within 16..4096 on each side");
  BRIVL_CHECK(std::isfinite(lr) && lr > 0 && lr <= 10, "--lr ", lr, " must be in (0, 10]");
  BRIVL_CHECK(optimizer == "adam" || optimizer == "gd", "--optimizer '", optimizer, "' is not one of adam, gd");
  BRIVL_CHECK(param == "fourier" || param == "pixel" || param == "blobs" || param == "basis", "--param '", param,
              "' is not one of fourier, pixel, blobs, basis");
  BRIVL_CHECK(basis_components >= 0 && basis_components <= 100000, "--basis-components ", basis_components,
              " must be 0 (all) or in [1, 100000]");
  BRIVL_CHECK(basis_prior >= 0 && std::isfinite(basis_prior), "--basis-prior ", basis_prior, " must be >= 0");
  BRIVL_CHECK(basis_noise >= 0 && basis_noise <= 10, "--basis-noise ", basis_noise, " must be in [0, 10]");
  BRIVL_CHECK(blobs >= 1 && blobs <= 1024, "--blobs ", blobs, " must be in [1, 1024]");
  parse_blob_kinds(primitives, "--primitives");
  parse_colour_words(colour_rivals, "--colour-rivals");
  BRIVL_CHECK(starts >= 1 && starts <= 256, "--starts ", starts, " must be in [1, 256]");
  BRIVL_CHECK(start_steps >= 1 && start_steps <= 100000, "--start-steps ", start_steps, " must be in [1, 100000]");
  BRIVL_CHECK(starts == 1 || start_steps < steps, "--start-steps ", start_steps, " must be below --steps ", steps,
              " (the best start goes on to --steps)");
  BRIVL_CHECK(screen == 0 || (screen >= starts && screen <= 4096), "--screen ", screen,
              " must be 0 (off) or in [--starts ", starts, ", 4096]");
  BRIVL_CHECK(param != "blobs" || init_image.empty(), "--init needs --param fourier or pixel (blobs start from a random sketch)");
  BRIVL_CHECK(param_size == 0 || (param_size >= 8 && param_size <= 4096), "--param-size ", param_size,
              " must be 0 (the output size) or in [8, 4096]");
  BRIVL_CHECK(init_strength >= 0 && init_strength <= 1, "--init-strength ", init_strength, " must be in [0, 1]");
  BRIVL_CHECK(tv_weight >= 0 && std::isfinite(tv_weight), "--tv ", tv_weight, " must be >= 0");
  BRIVL_CHECK(range_weight >= 0 && std::isfinite(range_weight), "--range ", range_weight, " must be >= 0");
  BRIVL_CHECK(bn_prior >= 0 && std::isfinite(bn_prior), "--bn-prior ", bn_prior, " must be >= 0");
  const auto& a = augment;
  BRIVL_CHECK(a.cutouts >= 1 && a.cutouts <= 256, "--cutouts ", a.cutouts, " must be in [1, 256]");
  BRIVL_CHECK(a.min_scale > 0 && a.min_scale <= a.max_scale && a.max_scale <= 1, "cutout scales [", a.min_scale,
              ", ", a.max_scale, "] must satisfy 0 < min <= max <= 1");
  BRIVL_CHECK(a.jitter >= 0 && a.rotate_degrees >= 0 && a.color_jitter >= 0 && a.noise >= 0,
              "augmentation strengths must be >= 0");
  // At 0.5 the homography's denominator reaches 0 in a corner of the view; 0.4 keeps it >= 0.2.
  BRIVL_CHECK(a.perspective >= 0 && a.perspective <= 0.4, "--perspective ", a.perspective, " must be in [0, 0.4]");
  BRIVL_CHECK(max_text_len >= 2, "--max-text-len must be at least 2");
}

uint64_t start_seed(uint64_t seed, int k) { return splitmix64_mix(seed + kSplitMixGamma * static_cast<uint64_t>(k)); }

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"draft", "normal", "best", "layout"};
  return names;
}

void apply_preset(ImagineSettings& s, const std::string& preset, bool gpu) {
  BRIVL_CHECK(std::find(preset_names().begin(), preset_names().end(), preset) != preset_names().end(), "--preset '",
              preset, "' is not one of draft, normal, best, layout");
  // The recipe's fields start from the defaults (the Fourier image), so switching presets never
  // keeps half of another recipe.
  const ImagineSettings defaults;
  s.param = defaults.param;
  s.basis_components = defaults.basis_components;
  s.basis_prior = defaults.basis_prior;
  s.basis_noise = defaults.basis_noise;
  s.blobs = defaults.blobs;
  s.primitives = defaults.primitives;
  s.screen = defaults.screen;
  s.starts = defaults.starts;
  s.start_steps = defaults.start_steps;
  s.lr = defaults.lr;
  s.optimizer = defaults.optimizer;
  s.augment.min_scale = defaults.augment.min_scale;
  s.augment.max_scale = defaults.augment.max_scale;
  if (preset == "layout") {
    s.steps = 100;
    s.width = s.height = 256;
    s.augment.cutouts = gpu ? 16 : 4;
    s.param = "blobs";
    s.blobs = 1;
    s.screen = 256;
    // The eight best screened starts each get their sweeps and 25 steps; the best goes on
    // (docs/IMAGINE_QUALITY.md: four starts in the sixth round, colour 0.653 -> 0.694, position
    // 0.819 -> 0.861; eight with the colour gate in the eighth, 0.861 -> 0.917 and 0.875 -> 0.889).
    s.starts = 8;
    s.start_steps = 25;
    s.augment.min_scale = 0.9;
    s.augment.max_scale = 1.0;
  } else if (preset == "draft") {
    s.steps = 100;
    s.width = s.height = 192;
    s.augment.cutouts = gpu ? 16 : 2;
  } else if (preset == "normal") {
    s.steps = 300;
    s.width = s.height = 256;
    s.augment.cutouts = gpu ? 32 : 4;
  } else if (preset == "best") {
    s.steps = 1000;
    s.width = s.height = 384;
    s.augment.cutouts = gpu ? 64 : 8;
  }
}

bool fit_search_to_steps(ImagineSettings& s, bool keep_starts) {
  if (s.starts <= 1 || s.start_steps < s.steps) return false;
  s.start_steps = std::max(1, s.steps / 4);
  if (s.start_steps >= s.steps && !keep_starts) s.starts = 1;
  return true;
}

}  // namespace brivl
