#include "train/train_options.h"

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/json_number.h"

namespace brivl {

AugmentOptions AugmentOptions::official() {
  AugmentOptions a;
  a.color_jitter_p = 0.8;
  a.grayscale_p = 0.2;
  return a;
}

void TrainOptions::validate() const {
  BRIVL_CHECK(epochs >= 1, "--epochs ", epochs, ": expected at least 1");
  BRIVL_CHECK(batch_size >= 2, "--batch ", batch_size, ": expected at least 2 (contrastive learning needs negatives)");
  BRIVL_CHECK(accumulate >= 1, "--accumulate ", accumulate, ": expected at least 1");
  BRIVL_CHECK(lr > 0 && lr < 1, "--lr ", lr, ": expected a value in (0, 1)");
  BRIVL_CHECK(weight_decay >= 0, "--weight-decay ", weight_decay, ": expected >= 0");
  BRIVL_CHECK(warmup_steps >= 0, "--warmup ", warmup_steps, ": expected >= 0");
  BRIVL_CHECK(clip_norm >= 0, "--clip ", clip_norm, ": expected >= 0");
  BRIVL_CHECK(max_minutes >= 0, "--max-minutes ", max_minutes, ": expected >= 0");
  BRIVL_CHECK(val_split >= 0 && val_split < 1, "--val-split ", val_split, ": expected a fraction in [0, 1)");
  BRIVL_CHECK(workers >= 1 && workers <= 64, "--workers ", workers, ": expected 1..64");
  BRIVL_CHECK(freeze == "none" || freeze == "official", "--freeze '", freeze, "': expected none or official");
  BRIVL_CHECK(queue_size >= 0, "--queue ", queue_size, ": expected >= 0");
  BRIVL_CHECK(momentum < 0 || momentum <= 1, "--momentum ", momentum, ": expected a value in [0, 1]");
  BRIVL_CHECK(temperature < 0 || temperature > 0, "--temperature: expected > 0");
  BRIVL_CHECK(moco_weight >= 0 && in_batch_weight >= 0 && moco_weight + in_batch_weight > 0,
              "--moco-weight / --in-batch-weight: expected >= 0, not both 0");
  BRIVL_CHECK(hard_negatives == 0 || (hard_negatives >= 2 && hard_negatives <= batch_size),
              "--hard-negatives ", hard_negatives, ": expected 0 (off) or a group size in 2..--batch (", batch_size, ")");
  BRIVL_CHECK(batchnorm == "batch" || batchnorm == "frozen", "--batchnorm '", batchnorm, "': expected batch or frozen");
  BRIVL_CHECK(batchnorm != "frozen" || !init_checkpoint.empty(),
              "--batchnorm frozen keeps the running statistics of the starting weights: give them with --init");
  BRIVL_CHECK(backend == "auto" || backend == "gloo" || backend == "nccl", "--backend '", backend,
              "': expected auto, gloo or nccl");
  BRIVL_CHECK(dist_timeout_s > 0, "--dist-timeout ", dist_timeout_s, ": expected a number of seconds above 0");
  BRIVL_CHECK(bn_recalibration_batches >= 0, "bn_recalibration_batches: expected >= 0");
  BRIVL_CHECK(log_every >= 1, "--log-every ", log_every, ": expected at least 1");
  BRIVL_CHECK(eval_every >= 0, "--eval-every ", eval_every, ": expected >= 0");
  BRIVL_CHECK(keep_last >= 1, "--keep ", keep_last, ": expected at least 1");
  for (double p : {augment.color_jitter_p, augment.grayscale_p})
    BRIVL_CHECK(p >= 0 && p <= 1, "augmentation probability ", p, ": expected a value in [0, 1]");
  BRIVL_CHECK(augment.hue >= 0 && augment.hue <= 0.5, "hue jitter ", augment.hue, ": expected [0, 0.5]");
  BRIVL_CHECK(augment.noise_p >= 0 && augment.noise_p <= 1, "--noise-p ", augment.noise_p, ": expected a probability in [0, 1]");
  BRIVL_CHECK(augment.noise_std >= 0 && augment.noise_std <= 2, "--noise ", augment.noise_std,
              ": expected a standard deviation in pixel units, [0, 2] (e.g. 0.5)");
  BRIVL_CHECK(objective == "contrastive" || objective == "fare", "objective '", objective, "': expected contrastive or fare");
  BRIVL_CHECK(objective != "fare" || !init_checkpoint.empty(),
              "robustify (objective fare) needs the weights to start from (--model or --init)");
  const auto& a = adversarial;
  BRIVL_CHECK(a.eps >= 0 && a.eps <= 0.25, "--eps ", a.eps, ": expected a pixel budget in [0, 0.25] (e.g. 4/255)");
  BRIVL_CHECK(a.steps >= 1 && a.steps <= 100, "--pgd-steps ", a.steps, ": expected 1..100");
  BRIVL_CHECK(a.step_size >= 0 && a.step_size <= 0.25, "--pgd-step-size ", a.step_size, ": expected [0, 0.25] (0: automatic)");
  BRIVL_CHECK(a.start_step >= 0, "--adv-start ", a.start_step, ": expected >= 0");
  BRIVL_CHECK(a.ramp_steps >= 0, "--adv-ramp ", a.ramp_steps, ": expected >= 0");
  const auto& g = aligned_gradients;
  BRIVL_CHECK(g.weight >= 0 && g.weight <= 100, "--aligned-gradients ", g.weight, ": expected a loss weight in [0, 100] (e.g. 1)");
  BRIVL_CHECK(g.other_p >= 0 && g.other_p <= 1, "--aligned-other ", g.other_p, ": expected a probability in [0, 1]");
  BRIVL_CHECK(g.noise_std >= 0 && g.noise_std <= 2, "--aligned-noise ", g.noise_std,
              ": expected a standard deviation in pixel units, [0, 2] (e.g. 0.5)");
  BRIVL_CHECK(g.rival_p >= 0 && g.rival_p <= 1, "--aligned-rivals ", g.rival_p, ": expected a probability in [0, 1]");
  BRIVL_CHECK(g.pool >= 1 && g.pool <= 32, "--aligned-pool ", g.pool, ": expected 1..32");
  BRIVL_CHECK(g.basis_components >= 0, "--aligned-basis-components ", g.basis_components, ": expected >= 0 (0: all)");
  BRIVL_CHECK(g.basis.empty() || g.any(), "--aligned-basis ", g.basis, " needs --aligned-gradients W > 0");
  BRIVL_CHECK(!g.any() || objective == "contrastive", "--aligned-gradients belongs to brivl train (objective contrastive), not to ",
              objective);
  const auto& n = imagined_negatives;
  BRIVL_CHECK(n.weight >= 0 && n.weight <= 100, "--imagined-negatives ", n.weight, ": expected a loss weight in [0, 100] (e.g. 1)");
  BRIVL_CHECK(!n.any() || !n.basis.empty(), "--imagined-negatives needs --imagined-basis FILE (brivl basis's image_basis.safetensors)");
  BRIVL_CHECK(n.basis.empty() || n.any(), "--imagined-basis ", n.basis, " needs --imagined-negatives W > 0");
  BRIVL_CHECK(n.basis_components >= 0, "--imagined-components ", n.basis_components, ": expected >= 0 (0: all)");
  BRIVL_CHECK(n.per_batch >= 1 && n.per_batch <= 4096, "--imagined-per-batch ", n.per_batch, ": expected 1..4096");
  BRIVL_CHECK(n.steps >= 1 && n.steps <= 1000, "--imagined-steps ", n.steps, ": expected 1..1000");
  BRIVL_CHECK(n.step_size > 0 && n.step_size <= 10, "--imagined-step ", n.step_size, ": expected (0, 10] (e.g. 0.05)");
  BRIVL_CHECK(n.restart_p >= 0 && n.restart_p <= 1, "--imagined-restart ", n.restart_p, ": expected a probability in [0, 1]");
  BRIVL_CHECK(n.init_std >= 0 && n.init_std <= 10, "--imagined-init-std ", n.init_std, ": expected [0, 10] (e.g. 1)");
  BRIVL_CHECK(n.picture_start >= 0 && n.picture_start <= 1, "--imagined-from-pictures ", n.picture_start,
              ": expected [0, 1] (1: chains start at their picture's projection)");
  BRIVL_CHECK(n.prior >= 0 && n.prior <= 100, "--imagined-prior ", n.prior, ": expected [0, 100] (e.g. 0.3)");
  BRIVL_CHECK(n.scale > 0 && n.scale <= 1000, "--imagined-scale ", n.scale, ": expected (0, 1000] (e.g. 10)");
  BRIVL_CHECK(!n.any() || objective == "contrastive", "--imagined-negatives belongs to brivl train (objective contrastive), not to ",
              objective);
}

namespace {
using nlohmann::json;

json augment_json(const AugmentOptions& a) {
  return {{"color_jitter_p", a.color_jitter_p}, {"brightness", a.brightness}, {"contrast", a.contrast},
          {"saturation", a.saturation},         {"hue", a.hue},               {"grayscale_p", a.grayscale_p},
          {"noise_p", a.noise_p},                 {"noise_std", a.noise_std}};
}

template <typename T>
void read(const json& j, const char* key, T& value, const std::string& source) {
  if (!j.contains(key)) return;  // older files: keep the default
  BRIVL_CHECK(json_holds<T>(j.at(key)), source, ": field '", key, "' has the wrong type or is out of range (",
              j.at(key).dump(), ")");
  try {
    value = j.at(key).get<T>();
  } catch (const json::exception& e) {
    BRIVL_FAIL(source, ": field '", key, "' has the wrong type (", e.what(), ")");
  }
}
}  // namespace

std::string train_options_to_json(const TrainOptions& o) {
  json j = {{"data", o.data},
            {"out", o.out},
            {"config", o.config},
            {"vocab", o.vocab},
            {"init_checkpoint", o.init_checkpoint},
            {"epochs", o.epochs},
            {"batch_size", o.batch_size},
            {"accumulate", o.accumulate},
            {"lr", o.lr},
            {"weight_decay", o.weight_decay},
            {"warmup_steps", o.warmup_steps},
            {"clip_norm", o.clip_norm},
            {"max_minutes", o.max_minutes},
            {"val_split", o.val_split},
            {"seed", o.seed},
            {"device", o.device},
            {"threads", o.threads},
            {"workers", o.workers},
            {"amp", o.amp},
            {"backend", o.backend},
            {"dist_timeout_s", o.dist_timeout_s},
            {"batchnorm", o.batchnorm},
            {"freeze", o.freeze},
            {"queue_size", o.queue_size},
            {"momentum", o.momentum},
            {"temperature", o.temperature},
            {"moco_weight", o.moco_weight},
            {"in_batch_weight", o.in_batch_weight},
            {"mask_same_text", o.mask_same_text},
            {"hard_negatives", o.hard_negatives},
            {"bn_recalibration_batches", o.bn_recalibration_batches},
            {"log_every", o.log_every},
            {"eval_every", o.eval_every},
            {"keep_last", o.keep_last},
            {"augment", augment_json(o.augment)},
            {"objective", o.objective},
            {"adversarial", {{"eps", o.adversarial.eps}, {"steps", o.adversarial.steps}, {"step_size", o.adversarial.step_size},
                             {"start_step", o.adversarial.start_step}, {"ramp_steps", o.adversarial.ramp_steps}}},
            {"aligned_gradients", {{"weight", o.aligned_gradients.weight}, {"other_p", o.aligned_gradients.other_p},
                                   {"noise_std", o.aligned_gradients.noise_std}, {"pool", o.aligned_gradients.pool},
                                   {"rival_p", o.aligned_gradients.rival_p}, {"basis", o.aligned_gradients.basis},
                                   {"basis_components", o.aligned_gradients.basis_components}}},
            {"imagined_negatives", {{"weight", o.imagined_negatives.weight}, {"basis", o.imagined_negatives.basis},
                                    {"basis_components", o.imagined_negatives.basis_components},
                                    {"per_batch", o.imagined_negatives.per_batch}, {"steps", o.imagined_negatives.steps},
                                    {"step_size", o.imagined_negatives.step_size}, {"restart_p", o.imagined_negatives.restart_p},
                                    {"init_std", o.imagined_negatives.init_std}, {"picture_start", o.imagined_negatives.picture_start},
                                    {"prior", o.imagined_negatives.prior},
                                    {"scale", o.imagined_negatives.scale}}}};
  return j.dump(2) + "\n";
}

TrainOptions train_options_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    BRIVL_FAIL(source, ": not valid JSON (", e.what(), ")");
  }
  BRIVL_CHECK(j.is_object(), source, ": expected a JSON object of training options");
  TrainOptions o;
  read(j, "data", o.data, source);
  read(j, "out", o.out, source);
  read(j, "config", o.config, source);
  read(j, "vocab", o.vocab, source);
  read(j, "init_checkpoint", o.init_checkpoint, source);
  read(j, "epochs", o.epochs, source);
  read(j, "batch_size", o.batch_size, source);
  read(j, "accumulate", o.accumulate, source);
  read(j, "lr", o.lr, source);
  read(j, "weight_decay", o.weight_decay, source);
  read(j, "warmup_steps", o.warmup_steps, source);
  read(j, "clip_norm", o.clip_norm, source);
  read(j, "max_minutes", o.max_minutes, source);
  read(j, "val_split", o.val_split, source);
  read(j, "seed", o.seed, source);
  read(j, "device", o.device, source);
  read(j, "threads", o.threads, source);
  read(j, "workers", o.workers, source);
  read(j, "amp", o.amp, source);
  read(j, "backend", o.backend, source);
  read(j, "dist_timeout_s", o.dist_timeout_s, source);
  read(j, "batchnorm", o.batchnorm, source);
  read(j, "freeze", o.freeze, source);
  read(j, "queue_size", o.queue_size, source);
  read(j, "momentum", o.momentum, source);
  read(j, "temperature", o.temperature, source);
  read(j, "moco_weight", o.moco_weight, source);
  read(j, "in_batch_weight", o.in_batch_weight, source);
  read(j, "mask_same_text", o.mask_same_text, source);
  read(j, "hard_negatives", o.hard_negatives, source);
  read(j, "bn_recalibration_batches", o.bn_recalibration_batches, source);
  read(j, "log_every", o.log_every, source);
  read(j, "eval_every", o.eval_every, source);
  read(j, "keep_last", o.keep_last, source);
  if (j.contains("augment")) {
    const auto& a = j.at("augment");
    BRIVL_CHECK(a.is_object(), source, ": field 'augment' must be an object");
    read(a, "color_jitter_p", o.augment.color_jitter_p, source);
    read(a, "brightness", o.augment.brightness, source);
    read(a, "contrast", o.augment.contrast, source);
    read(a, "saturation", o.augment.saturation, source);
    read(a, "hue", o.augment.hue, source);
    read(a, "grayscale_p", o.augment.grayscale_p, source);
    read(a, "noise_p", o.augment.noise_p, source);
    read(a, "noise_std", o.augment.noise_std, source);
  }
  read(j, "objective", o.objective, source);
  if (j.contains("adversarial")) {
    const auto& a = j.at("adversarial");
    BRIVL_CHECK(a.is_object(), source, ": field 'adversarial' must be an object");
    read(a, "eps", o.adversarial.eps, source);
    read(a, "steps", o.adversarial.steps, source);
    read(a, "step_size", o.adversarial.step_size, source);
    read(a, "start_step", o.adversarial.start_step, source);
    read(a, "ramp_steps", o.adversarial.ramp_steps, source);
  }
  if (j.contains("aligned_gradients")) {
    const auto& a = j.at("aligned_gradients");
    BRIVL_CHECK(a.is_object(), source, ": field 'aligned_gradients' must be an object");
    read(a, "weight", o.aligned_gradients.weight, source);
    read(a, "other_p", o.aligned_gradients.other_p, source);
    read(a, "noise_std", o.aligned_gradients.noise_std, source);
    read(a, "pool", o.aligned_gradients.pool, source);
    read(a, "rival_p", o.aligned_gradients.rival_p, source);
    read(a, "basis", o.aligned_gradients.basis, source);  // absent: pixels, as runs made before it
    read(a, "basis_components", o.aligned_gradients.basis_components, source);
  }
  if (j.contains("imagined_negatives")) {  // absent in runs made before it: off
    const auto& a = j.at("imagined_negatives");
    BRIVL_CHECK(a.is_object(), source, ": field 'imagined_negatives' must be an object");
    auto& n = o.imagined_negatives;
    read(a, "weight", n.weight, source);
    read(a, "basis", n.basis, source);
    read(a, "basis_components", n.basis_components, source);
    read(a, "per_batch", n.per_batch, source);
    read(a, "steps", n.steps, source);
    read(a, "step_size", n.step_size, source);
    read(a, "restart_p", n.restart_p, source);
    read(a, "init_std", n.init_std, source);
    read(a, "picture_start", n.picture_start, source);  // absent in runs made before it: from noise
    read(a, "scale", n.scale, source);
    read(a, "prior", n.prior, source);
  }
  try {
    o.validate();
  } catch (const Error& e) {
    BRIVL_FAIL(source, ": ", e.what());
  }
  return o;
}

}  // namespace brivl
