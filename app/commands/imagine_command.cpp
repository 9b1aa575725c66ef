// brivl imagine: optimise an image until the model sees the prompt in it; PNG / JPEG / WebP with
// the settings embedded, replayable with --replay; the progression as frames, GIF/MP4 or a sheet.
#include <cmath>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "commands.h"
#include "export/animation.h"
#include "export/contact_sheet.h"
#include "export/image_export.h"  // kSettingsKey, shared with the studio's exports
#include "export/png_export.h"
#include "imagine/imagine_recommendation.h"
#include "imagine/imaginer.h"
#include "model/model_files.h"
#include "model_options.h"
#include "util/error.h"
#include "watch.h"

namespace brivl::cli {
namespace {

struct ImagineArgs {
  ModelArgs model;
  ImagineSettings settings;
  std::string out, preset, size, replay, frames, contact_sheet, video;
  int save_every = 0;
  int frame_ms = 100;
  bool jsonl = false;
  bool watch = false;
  CLI::App* command = nullptr;
};

bool given(const CLI::App& cmd, const char* name) { return cmd.get_option(name)->count() > 0; }

void parse_size(const std::string& text, ImagineSettings& s) {
  int w = 0, h = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%dx%d%c", &w, &h, &extra) == 2) {
    s.width = w;
    s.height = h;
  } else if (std::sscanf(text.c_str(), "%d%c", &w, &extra) == 1) {
    s.width = s.height = w;
  } else {
    BRIVL_FAIL("--size '", text, "' is not N or WxH (e.g. 256 or 320x240)");
  }
}

// Settings from the command line: defaults, then the preset (--preset, else the one the model's
// imagine.json recommends, else none), then explicit options.
ImagineSettings settings_from_args(const ImagineArgs& a, const std::string& preset_name, bool gpu) {
  ImagineSettings s = a.settings;  // holds explicit values (and defaults for the rest)
  if (!preset_name.empty()) {
    ImagineSettings preset = s;
    apply_preset(preset, preset_name, gpu);
    const auto& cmd = *a.command;
    // The preset's recipe, except what the command line says explicitly.
    if (!given(cmd, "--steps")) s.steps = preset.steps;
    if (!given(cmd, "--cutouts")) s.augment.cutouts = preset.augment.cutouts;
    if (!given(cmd, "--size")) {
      s.width = preset.width;
      s.height = preset.height;
    }
    if (!given(cmd, "--param")) s.param = preset.param;
    if (!given(cmd, "--basis-components")) s.basis_components = preset.basis_components;
    if (!given(cmd, "--basis-prior")) s.basis_prior = preset.basis_prior;
    if (!given(cmd, "--basis-noise")) s.basis_noise = preset.basis_noise;
    if (!given(cmd, "--blobs")) s.blobs = preset.blobs;
    if (!given(cmd, "--primitives")) s.primitives = preset.primitives;
    if (!given(cmd, "--screen")) s.screen = preset.screen;
    if (!given(cmd, "--starts")) s.starts = preset.starts;
    if (!given(cmd, "--start-steps")) s.start_steps = preset.start_steps;
    // A shorter run than the recipe's (--steps given): its search shrinks with it. Options the
    // user gave are never changed: an impossible pair of them is still refused by validate().
    if (given(cmd, "--steps") && !given(cmd, "--start-steps")) fit_search_to_steps(s, given(cmd, "--starts"));
    if (!given(cmd, "--lr")) s.lr = preset.lr;
    if (!given(cmd, "--optimizer")) s.optimizer = preset.optimizer;
    s.augment.min_scale = preset.augment.min_scale;  // no options of their own
    s.augment.max_scale = preset.augment.max_scale;
  }
  if (!a.size.empty()) parse_size(a.size, s);
  s.max_text_len = a.model.max_text_len;
  return s;
}

// `shown_similarity`: the last similarity computed, which the progress line keeps showing between.
void print_progress(const ImagineProgress& p, bool jsonl, bool tty, double& shown_similarity) {
  if (p.step > 0 && std::isfinite(p.similarity)) shown_similarity = p.similarity;  // not a screening score
  if (jsonl) {
    char robust[32] = "null";
    if (std::isfinite(p.robust_similarity)) std::snprintf(robust, sizeof(robust), "%.6f", p.robust_similarity);
    std::printf("{\"step\":%d,\"steps\":%d,\"loss\":%.6f,\"similarity\":%.6f,\"robust_similarity\":%s,\"lr\":%.6g,"
                "\"it_per_s\":%.3f,\"start\":%d,\"screened\":%d,\"morph\":%.4f}\n",
                p.step, p.steps, p.loss, p.similarity, robust, p.lr, p.steps_per_second, p.start, p.screened, p.morph);
    std::fflush(stdout);
  } else if (tty && p.step == 0 && p.screen > 0) {
    std::fprintf(stderr, "\rscreening: candidate %d/%d   ", p.screened, p.screen);
  } else if (tty) {
    char similarity[32] = "  …   ";  // before the first one is computed
    if (std::isfinite(shown_similarity)) std::snprintf(similarity, sizeof(similarity), "%.4f", shown_similarity);
    std::fprintf(stderr, "\rstep %d/%d  similarity %s  loss %.4f  %.2f it/s  ETA %.0f s   ", p.step, p.steps,
                 similarity, p.loss, p.steps_per_second, p.eta_seconds);
    if (std::isfinite(p.robust_similarity)) std::fprintf(stderr, "held-out %.4f   ", p.robust_similarity);
    if (p.morph > 0) std::fprintf(stderr, "morph %.0f%%   ", 100 * p.morph);
    if (p.starts > 1) {
      if (p.start >= 0) std::fprintf(stderr, "searching: start %d/%d   ", p.start + 1, p.starts);
      else std::fprintf(stderr, "refining the best start   ");
    }
    if (p.step == p.steps) std::fputc('\n', stderr);
  }
}

// Output formats are checked before any work: a typo in an extension never costs a run.
void check_outputs(const ImagineArgs& a) {
  BRIVL_CHECK(!a.out.empty(), "imagine: give an output file with -o OUT.png (or .jpg, .webp)");
  const auto format = image_format_for_path(a.out);
  BRIVL_CHECK(image_format_available(format), "-o ", a.out, ": ", image_format_name(format),
              " export is not available in this build (it needs OpenCV); use .png or .jpg");
  BRIVL_CHECK(a.save_every >= 0, "--save-every must be >= 0");
  BRIVL_CHECK(a.save_every == 0 || !a.frames.empty(), "--save-every needs --frames DIR");
  if (!a.video.empty()) {
    if (animation_format_for_path(a.video) == AnimationFormat::mp4)
      BRIVL_CHECK(video_export_available(), "--video ", a.video,
                  ": MP4 needs OpenCV videoio with FFmpeg, which this build lacks; use a .gif");
    BRIVL_CHECK(a.frame_ms >= kMinGifFrameMs && a.frame_ms <= kMaxGifFrameMs, "--frame-ms ", a.frame_ms,
                ": expected ", kMinGifFrameMs, "..", kMaxGifFrameMs);
  }
}

// --preset, else the model's recommendation (said on stderr, with how to leave it), else none. An
// explicit --param chooses the image space itself: no recommended recipe is mixed into it.
std::string preset_for(const ImagineArgs& a, const ModelFiles& files) {
  if (!a.preset.empty()) return a.preset;
  if (given(*a.command, "--param")) return "";
  const auto recommended = read_imagine_recommendation(files.imagine);
  if (!recommended) return "";
  std::cerr << "brivl: --preset " << recommended->preset << ", as the model recommends (" << recommended->file
            << "); --preset normal gives the Fourier image\n";
  return recommended->preset;
}

void run_imagine(ImagineArgs& a) {
  check_outputs(a);
  const auto files = resolve_model_files(a.model);
  ImagineSettings settings;
  std::string preset;
  if (!a.replay.empty()) {
    for (const char* option : {"prompt", "--preset", "--steps", "--size", "--seed", "--lr", "--optimizer", "--cutouts", "--param", "--param-size", "--basis-components", "--basis-prior", "--basis-noise", "--blobs", "--primitives", "--contrast", "--colour-rivals", "--colour-gate",
                               "--starts", "--start-steps", "--screen", "--to",
                               "--init", "--init-strength", "--tv", "--range", "--bn-prior", "--perspective"}) {
      BRIVL_CHECK(!given(*a.command, option), "--replay reproduces the run stored in ", a.replay, "; ", option,
                  " cannot be changed (start a new run instead)");
    }
    const auto stored = read_image_settings(a.replay);
    BRIVL_CHECK(stored.has_value(), a.replay, ": no BriVL settings in this image or a ", settings_sidecar_path(a.replay),
                " next to it (not made by brivl imagine?); a settings .json file is accepted too");
    settings = ImagineSettings::from_json(*stored, a.replay);
  } else {
    preset = preset_for(a, files);
    settings = settings_from_args(a, preset, false);
  }
  settings.validate();  // bad values fail before the model is loaded
  auto imaginer = Imaginer::load(files, embedder_options(a.model));
  if (a.replay.empty() && imaginer.on_gpu()) settings = settings_from_args(a, preset, true);
  if (!a.replay.empty() && settings.model_fingerprint != imaginer.model_fingerprint()) {
    std::cerr << "brivl: warning: " << a.replay << " was made with another checkpoint (" << settings.model_fingerprint
              << "); the result will differ\n";
  }
  if (!a.replay.empty() && settings.param == "basis" && !settings.basis_fingerprint.empty()) {
    const auto now = imaginer.basis_fingerprint();  // reads the file: once
    if (settings.basis_fingerprint != now)
      std::cerr << "brivl: warning: " << a.replay << " was made with another image basis (" << settings.basis_fingerprint
                << "; the model's " << kImageBasisFile << " is " << (now.empty() ? std::string("missing") : now)
                << "); the result will differ\n";
  }
  if (!a.frames.empty()) std::filesystem::create_directories(a.frames);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  ImagineHooks hooks;
  double shown_similarity = std::numeric_limits<double>::quiet_NaN();
  hooks.on_progress = [&](const ImagineProgress& p) { print_progress(p, a.jsonl, tty, shown_similarity); };
  // The clean image's similarity costs a forward pass: every step for --jsonl and --watch (their
  // curves), every 10th for the progress line, else only at the end.
  hooks.similarity_every = a.jsonl || a.watch ? 1 : tty ? 10 : std::numeric_limits<int>::max();
  // Previews feed the frames folder, the animation (40 frames by default) and the contact sheet.
  const int default_every = std::max(1, settings.steps / (a.video.empty() ? 12 : 40));
  hooks.preview_every = a.save_every > 0 ? a.save_every : default_every;
  std::vector<RgbImage> progression;
  if (a.save_every > 0 || !a.contact_sheet.empty() || !a.video.empty()) {
    hooks.on_preview = [&](int step, const RgbImage& image) {
      if (!a.frames.empty() && a.save_every > 0) {
        char name[32];
        std::snprintf(name, sizeof(name), "frame_%06d.png", step);
        write_png((std::filesystem::path(a.frames) / name).string(), image);
      }
      progression.push_back(image);
    };
  }
  Watch watch(a.watch);
  watch.attach(hooks, settings, a.out);
  const auto image = watch.run([&] { return imaginer.run(settings, hooks); });
  if (!a.contact_sheet.empty()) {
    write_png(a.contact_sheet, make_contact_sheet(progression));
    std::cerr << "wrote " << a.contact_sheet << " (" << progression.size() << " frames)\n";
  }
  if (!a.video.empty()) {
    write_animation(a.video, progression, a.frame_ms);
    std::cerr << "wrote " << a.video << " (" << progression.size() << " frames, " << a.frame_ms << " ms each)\n";
  }
  write_image_with_settings(a.out, image, settings.to_json());
  std::cerr << "wrote " << a.out << " (" << image.width << "x" << image.height << ", " << settings.steps
            << " steps, seed " << settings.seed << ")\n";
}

}  // namespace

void add_imagine_command(CLI::App& app, const std::string& executable) {
  auto a = std::make_shared<ImagineArgs>();
  a->model.executable = executable;
  auto* cmd = app.add_subcommand("imagine", "optimise an image until the model sees the prompt in it");
  a->command = cmd;
  auto& s = a->settings;
  cmd->add_option("prompt", s.prompt, "prompt: '猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3'");
  cmd->add_option("--to", s.to,
                  "morph: over the steps the target moves from the prompt to this prompt (spherical interpolation); "
                  "--video or --frames keep the way");
  cmd->add_option("-o,--out", a->out, "output .png / .jpg / .webp (settings embedded for --replay; JPEG and WebP also get OUT.json)");
  cmd->add_option("--preset", a->preset,
                  "draft | normal | best (the Fourier image: steps, size, views for the device) | layout (one flat "
                  "shape placed and coloured by screening: prompts naming a colour and a place); default: the "
                  "one the model's imagine.json recommends (the default model: layout), else none");
  cmd->add_option("--steps", s.steps, "optimisation steps")->capture_default_str();
  cmd->add_option("--size", a->size, "output size N or WxH (default 256)");
  cmd->add_option("--seed", s.seed, "random seed (same seed, same image on the CPU)")->capture_default_str();
  cmd->add_option("--lr", s.lr, "step size (learning rate)")->capture_default_str();
  cmd->add_option("--optimizer", s.optimizer,
                  "adam (every pixel moves about --lr) | gd (the gradient itself, scaled to --lr: keeps the picture it points at; "
                  "for models trained with --aligned-gradients)")
      ->capture_default_str();
  cmd->add_option("--cutouts", s.augment.cutouts, "augmented views per step")->capture_default_str();
  cmd->add_option("--param", s.param,
                  "fourier | pixel | blobs (soft coloured shapes: shapes and colours, no texture) | basis (a blend of "
                  "the principal components of the model's training images: its image_basis.safetensors)")
      ->capture_default_str();
  cmd->add_option("--basis-components", s.basis_components, "components of --param basis optimised (0: all)")
      ->capture_default_str();
  cmd->add_option("--basis-prior", s.basis_prior,
                  "weight of the Gaussian prior on --param basis's coefficients (keeps the image typical of the "
                  "training images; 0 = off)")
      ->capture_default_str();
  cmd->add_option("--basis-noise", s.basis_noise,
                  "randomized smoothing of --param basis: each view gets a random blend of the components of this "
                  "spread (whitened units; 0 = off)")
      ->capture_default_str();
  cmd->add_option("--blobs", s.blobs, "number of shapes of --param blobs")->capture_default_str();
  cmd->add_option("--contrast", s.contrast,
                  "caption list (one per line): maximise the prompt's probability among these captions "
                  "(the model's own contrastive loss) instead of the bare similarity");
  cmd->add_option("--colour-rivals", s.colour_rivals,
                  "colour sweep of screened starts: a prompt naming one colour tries saturated colours, ranked by "
                  "the prompt against itself in these colours (comma-separated colour words; \"\" = all 39 "
                  "colours by similarity alone)")
      ->capture_default_str();
  cmd->add_option("--colour-gate", s.colour_gate,
                  "layout search with colour rivals: the start that goes on must show the named colour (the "
                  "prompt above its rivals on held-out views) when any start does (on | off)")
      ->capture_default_str();
  cmd->add_option("--primitives", s.primitives,
                  "kinds of shape of --param blobs, comma-separated: ellipse, rectangle, triangle, star "
                  "(with several, screened starts also sweep each shape's kind)")
      ->capture_default_str();
  cmd->add_option("--starts", s.starts,
                  "layout search: random starts tried for --start-steps each; the one the model scores best goes on")
      ->capture_default_str();
  cmd->add_option("--start-steps", s.start_steps, "steps each start of the layout search runs before they are compared")
      ->capture_default_str();
  cmd->add_option("--screen", s.screen,
                  "score this many random starts by one forward pass each and give the best --starts to the search "
                  "(0: off; pays with --param blobs)")
      ->capture_default_str();
  cmd->add_option("--param-size", s.param_size,
                  "side of the optimised grid, upsampled to --size (0: --size itself)")
      ->capture_default_str();
  cmd->add_option("--init", s.init_image, "start from this image (image-to-image)");
  cmd->add_option("--init-strength", s.init_strength, "how much of --init to keep, 0..1")->capture_default_str();
  cmd->add_option("--tv", s.tv_weight, "total-variation weight (smoothness)")->capture_default_str();
  cmd->add_option("--range", s.range_weight, "range weight: keeps pixels out of the saturated ends (blown-out colour)")
      ->capture_default_str();
  cmd->add_option("--bn-prior", s.bn_prior,
                  "feature-statistics prior: keeps the image tower's activations near what its BatchNorm layers saw in "
                  "training (DeepInversion; 0 = off)")
      ->capture_default_str();
  cmd->add_option("--perspective", s.augment.perspective, "random perspective of the views, 0..0.4 (0 = off)")
      ->capture_default_str();
  cmd->add_option("--save-every", a->save_every, "write a frame every K steps (needs --frames)");
  cmd->add_option("--frames", a->frames, "folder for the frames");
  cmd->add_option("--contact-sheet", a->contact_sheet, "also write the progression as one grid PNG");
  cmd->add_option("--video", a->video, "also write the progression as an animation (.gif, or .mp4 where OpenCV has FFmpeg)");
  cmd->add_option("--frame-ms", a->frame_ms, "duration of one animation frame")->capture_default_str();
  cmd->add_option("--replay", a->replay, "re-run the settings stored in an image made by brivl imagine (PNG, JPEG or WebP), or in a settings JSON file (the OUT.json sidecar, edited or not)");
  cmd->add_flag("--jsonl", a->jsonl, "print one JSON progress line per step to stdout");
  cmd->add_flag("--watch", a->watch, "show the image and curves in a live window (Space pause, S save, Esc stop)");
  add_model_file_options(*cmd, a->model, true);
  add_runtime_options(*cmd, a->model);
  cmd->callback([a] { run_imagine(*a); });
}

}  // namespace brivl::cli
