#include "watch.h"

#include <cstdio>
#include <iostream>

#ifdef BRIVL_HAVE_VIEWER
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include <unistd.h>

#include "embed/embedder.h"  // Cancelled
#include "ui/viewer/live_viewer.h"
#endif

namespace brivl::cli {

#ifndef BRIVL_HAVE_VIEWER

struct Watch::Impl {};

Watch::Watch(bool requested) : impl_(std::make_unique<Impl>()) {
  if (requested) std::cerr << "brivl: --watch: this build has no viewer (needs libimgui-dev and libglfw3-dev)\n";
}
Watch::~Watch() = default;
void Watch::attach(ImagineHooks&, const ImagineSettings&, const std::string&) {}
void Watch::attach(TrainHooks&, const std::string&) {}
RgbImage Watch::run(const std::function<RgbImage()>& work) { return work(); }
TrainResult Watch::run(const std::function<TrainResult()>& work) { return work(); }

#else

namespace {

std::string clock_text(double seconds) {
  if (!(seconds >= 0)) return "--:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof(buf), "%lld:%02lld", s / 60, s % 60);
  return buf;
}

// Runs work() on a worker thread while the window draws on this one; the window closing (or
// Esc/Q) only asks the engine to stop, so this always waits for the worker.
template <typename T>
T run_on_worker(viewer::LiveViewer& viewer, const std::function<T()>& work) {
  std::optional<T> result;
  std::exception_ptr error;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    try {
      result = work();
    } catch (...) {
      error = std::current_exception();
    }
    done = true;
  });
  try {
    viewer.run_until_closed([&] { return done.load(); });
  } catch (...) {
    viewer.request_stop();
    worker.join();
    throw;
  }
  worker.join();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// The window closes as soon as the engine is done (the command's own writing follows).
struct CloseWhenDone {
  std::unique_ptr<viewer::LiveViewer>& viewer;
  ~CloseWhenDone() { viewer.reset(); }
};

}  // namespace

struct Watch::Impl {
  bool requested = false;
  std::unique_ptr<viewer::LiveViewer> viewer;
  std::atomic<int> last_step{0};
  // Training curves come from the run's metrics.jsonl (the lines behind on_progress, and the
  // evaluations, whose recall no hook carries), so a resumed run shows its whole history.
  std::string metrics_path, metrics_partial;
  std::streamoff metrics_offset = 0;

  // Pushes the loss and recall@1 of the metrics lines appended since the last call.
  void read_metrics() {
    std::ifstream in(metrics_path, std::ios::binary | std::ios::ate);
    if (!in) return;
    const std::streamoff size = in.tellg();
    if (size < metrics_offset) metrics_offset = 0, metrics_partial.clear();  // rewritten on resume
    if (size == metrics_offset) return;
    std::string chunk(static_cast<size_t>(size - metrics_offset), '\0');
    in.seekg(metrics_offset);
    if (!in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()))) return;
    metrics_offset = size;
    metrics_partial += chunk;
    size_t start = 0;
    for (size_t end; (end = metrics_partial.find('\n', start)) != std::string::npos; start = end + 1) {
      const auto j = nlohmann::json::parse(metrics_partial.begin() + static_cast<std::ptrdiff_t>(start),
                                           metrics_partial.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
      if (!j.is_object() || !j.contains("step") || !j["step"].is_number()) continue;
      const double step = j["step"].get<double>();
      const std::string type = j.value("type", std::string());
      if (type == "train" && j.contains("loss") && j["loss"].is_number()) {
        viewer->push_point("loss", step, j["loss"].get<double>());
      } else if (type == "eval") {
        auto r1 = [&](const char* way) { return j.contains(way) && j[way].is_object() ? j[way].value("r1", 0.0) : 0.0; };
        viewer->push_point("text->image", step, r1("t2i"));
        viewer->push_point("image->text", step, r1("i2t"));
      }
    }
    metrics_partial.erase(0, start);
  }

  bool open(const viewer::LiveViewerOptions& options) {
    if (!requested) return false;
    std::string why;
    viewer = viewer::LiveViewer::open(options, &why);
    if (!viewer) std::cerr << "brivl: --watch: " << why << "; continuing without the viewer\n";
    return viewer != nullptr;
  }
};

Watch::Watch(bool requested) : impl_(std::make_unique<Impl>()) { impl_->requested = requested; }
Watch::~Watch() = default;

void Watch::attach(ImagineHooks& hooks, const ImagineSettings& settings, const std::string& out) {
  viewer::LiveViewerOptions o;
  o.title = "brivl imagine: " + settings.prompt;
  o.heading = "prompt: " + settings.prompt;
  o.show_image = true;
  o.plots = {{"similarity", {"similarity", "held-out"}}, {"loss", {"loss"}}};
  o.can_pause = true;
  const std::filesystem::path out_path(out);
  o.save_stem = (out_path.parent_path() / out_path.stem()).string();
  o.stop_note = "stopping: the imagination is cancelled, nothing is written";
  if (!impl_->open(o)) return;
  auto* v = impl_->viewer.get();
  auto* impl = impl_.get();

  auto progress = hooks.on_progress;
  hooks.on_progress = [v, impl, progress](const ImagineProgress& p) {
    if (progress) progress(p);
    impl->last_step = p.step;
    v->push_point("similarity", p.step, p.similarity);
    if (std::isfinite(p.robust_similarity)) v->push_point("held-out", p.step, p.robust_similarity);
    v->push_point("loss", p.step, p.loss);
    char status[160];
    std::snprintf(status, sizeof(status), "step %d/%d    %.2f it/s    ETA %s    similarity %.4f", p.step, p.steps,
                  p.steps_per_second, clock_text(p.eta_seconds).c_str(), p.similarity);
    v->set_status(status);
  };
  // Space: the engine waits here, before its next step (after the previous step's preview, so
  // the window shows the image it paused on); Esc/Q also ends a pause.
  auto cancel = hooks.should_cancel;
  hooks.should_cancel = [v, cancel] { return !v->wait_while_paused() || (cancel && cancel()); };

  // Previews every few steps for the window; the command's own preview consumer still gets
  // exactly the steps it asked for (a multiple of the window's interval) and the final image.
  const int engine_every = hooks.preview_every;
  int every = 1;
  for (int d = 4; d > 1; --d)
    if (engine_every > 0 && engine_every % d == 0) {
      every = d;
      break;
    }
  hooks.preview_every = every;
  auto preview = hooks.on_preview;
  const int steps = settings.steps;
  hooks.on_preview = [v, preview, engine_every, steps](int step, const RgbImage& image) {
    v->push_image(image, step);
    if (preview && (step == steps || (engine_every > 0 && step % engine_every == 0))) preview(step, image);
  };
}

void Watch::attach(TrainHooks& hooks, const std::string& run_dir) {
  viewer::LiveViewerOptions o;
  o.title = "brivl train: " + run_dir;
  o.heading = "training " + run_dir;
  o.plots = {{"loss", {"loss"}}, {"recall@1", {"text->image", "image->text"}}};
  o.stop_note = "stopping: the trainer saves a checkpoint, then stops (continue with --resume)";
  if (!impl_->open(o)) return;
  auto* v = impl_->viewer.get();
  auto* impl = impl_.get();
  impl->metrics_path = (std::filesystem::path(run_dir) / "metrics.jsonl").string();

  auto stop = hooks.should_stop;
  hooks.should_stop = [v, stop] { return v->stop_requested() || (stop && stop()); };
  auto message = hooks.on_message;
  hooks.on_message = [v, message](const std::string& text) {
    if (message) message(text);
    v->set_note(text);
  };
  auto progress = hooks.on_progress;
  hooks.on_progress = [v, impl, progress](const TrainProgress& p) {
    if (progress) progress(p);
    impl->read_metrics();
    char status[256];
    if (p.phase != "train") {
      std::snprintf(status, sizeof(status), "%s at step %lld ...", p.phase == "eval" ? "evaluating" : "saving a checkpoint",
                    static_cast<long long>(p.step));
      v->set_status(status);
      return;
    }
    int n = std::snprintf(status, sizeof(status), "epoch %lld/%lld    step %lld/%lld    loss %.4f    lr %.2g    %.0f samples/s    ETA %s",
                          static_cast<long long>(p.epoch), static_cast<long long>(p.epochs), static_cast<long long>(p.step),
                          static_cast<long long>(p.total_steps), p.loss, p.lr, p.samples_per_s, clock_text(p.eta_s).c_str());
    if (p.last_eval && n > 0 && n < static_cast<int>(sizeof(status)))
      std::snprintf(status + n, sizeof(status) - static_cast<size_t>(n), "    R@1 t2i %.2f i2t %.2f", p.last_eval->t2i.r1,
                    p.last_eval->i2t.r1);
    v->set_status(status);
  };
}

RgbImage Watch::run(const std::function<RgbImage()>& work) {
  if (!impl_->viewer) return work();
  auto& v = *impl_->viewer;
  const CloseWhenDone close{impl_->viewer};
  try {
    return run_on_worker<RgbImage>(v, [&] {
      auto image = work();
      v.set_note("finished");
      return image;
    });
  } catch (const Cancelled&) {
    if (!v.stop_requested()) throw;
    impl_->viewer.reset();
    std::fprintf(stderr, "%sbrivl: imagine: cancelled in the viewer at step %d; nothing written\n",
                 ::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "", impl_->last_step.load());
    std::exit(130);
  }
}

TrainResult Watch::run(const std::function<TrainResult()>& work) {
  if (!impl_->viewer) return work();
  auto& v = *impl_->viewer;
  auto* impl = impl_.get();
  const CloseWhenDone close{impl_->viewer};
  return run_on_worker<TrainResult>(v, [&] {
    auto r = work();
    impl->read_metrics();  // the final evaluation
    v.set_status(r.state + " at step " + std::to_string(r.step));
    return r;
  });
}

#endif

}  // namespace brivl::cli
