#pragma once
// --watch: the live viewer window (ui/viewer, Dear ImGui + GLFW) of a long command. The window
// runs on this (the main) thread, the engine on a worker thread; they share only the viewer's
// state. Without a display, or in a build without the viewer, one line on stderr and the command
// runs exactly as without --watch.
#include <functional>
#include <memory>
#include <string>

#include "imagine/imaginer.h"
#include "train/trainer.h"

namespace brivl::cli {

class Watch {
 public:
  explicit Watch(bool requested);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // Opens the window for an imagination and wraps the hooks: previews and the similarity curves
  // go to the window, Space pauses between steps, S saves OUT-stepN.png next to `out`, Esc/Q
  // cancels. The engine's own previews (frames, video, contact sheet) are unchanged.
  void attach(ImagineHooks& hooks, const ImagineSettings& settings, const std::string& out);
  // Opens the window for training: loss and recall@1 curves, status; Q stops with a checkpoint.
  void attach(TrainHooks& hooks, const std::string& run_dir);

  // Runs `work` on a worker thread while the window runs here (or directly when there is no
  // window) and returns its result or rethrows its exception. An imagination cancelled from the
  // window ends the process with status 130, like Ctrl-C.
  RgbImage run(const std::function<RgbImage()>& work);
  TrainResult run(const std::function<TrainResult()>& work);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brivl::cli
