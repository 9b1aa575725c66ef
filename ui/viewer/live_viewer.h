#pragma once
// The live viewer of `brivl imagine --watch` and `brivl train --watch`: a small Dear ImGui + GLFW
// window showing the latest image, curves and a status line, for machines without the studio.
// Torch-free. The window runs on the thread that opened it (the main thread: GLFW requires it);
// the engine runs on another thread and only touches the shared ViewerState (push_* / set_* /
// paused / stop_requested), so a slow or paused window never holds the engine up beyond a copy.
//
//   keys: Space pause / resume (when can_pause), S save the current image as PNG (when save_stem
//   is set), Esc or Q stop (request_stop: the engine cancels or checkpoints); closing the window
//   also stops.
//
// Developer aid (screenshots in docs/): BRIVL_VIEWER_SCREENSHOT=FILE.png writes the window's
// framebuffer on its last frame, or on frame N with BRIVL_VIEWER_SCREENSHOT_FRAME=N.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ui/viewer/viewer_state.h"

namespace brivl::viewer {

class ImGuiWindow;

struct PlotSpec {
  std::string title;                // drawn in the plot's corner
  std::vector<std::string> series;  // names given to push_point, drawn in this order
};

struct LiveViewerOptions {
  std::string title = "brivl";  // window title
  std::string heading;          // first line in the window (e.g. the prompt)
  int width = 960, height = 560;
  bool show_image = false;  // the latest push_image on the left
  std::vector<PlotSpec> plots;
  bool can_pause = false;     // Space toggles paused(); the engine must call wait_while_paused()
  std::string save_stem;      // S writes <save_stem>-step<N>.png; empty: no S
  std::string stop_note = "stopping ...";  // shown once Esc/Q was pressed
  size_t max_points = 2048;   // per series (see ViewerState)
};

class LiveViewer {
 public:
  // Opens the window, or returns null with *why set ("no display" when there is none).
  static std::unique_ptr<LiveViewer> open(const LiveViewerOptions& options, std::string* why);
  ~LiveViewer();
  LiveViewer(const LiveViewer&) = delete;
  LiveViewer& operator=(const LiveViewer&) = delete;

  // --- engine side: any thread ---
  void push_image(const RgbImage& image, int64_t step = -1) { state_.push_image(image, step); }
  void push_point(const std::string& series, double x, double y) { state_.push_point(series, x, y); }
  void set_status(std::string text) { state_.set_status(std::move(text)); }
  void set_note(std::string text) { state_.set_note(std::move(text)); }
  bool paused() const { return state_.paused(); }
  bool stop_requested() const { return state_.stop_requested(); }
  bool wait_while_paused() { return state_.wait_while_paused(); }
  void request_stop() { state_.request_stop(); }

  // --- window side: the thread that called open() ---
  // Draws frames (about 20 per second) until engine_done() returns true, after drawing the final
  // state once, or until the window is closed, which requests a stop and hides the window.
  // Returns whether the engine finished.
  bool run_until_closed(const std::function<bool()>& engine_done);

 private:
  LiveViewer(const LiveViewerOptions& options, std::unique_ptr<ImGuiWindow> window);
  void handle_keys();
  void save_current_image();
  void draw(bool engine_done);

  LiveViewerOptions options_;
  std::unique_ptr<ImGuiWindow> window_;
  ViewerState state_;
  // The window thread's copy of the latest image (what S saves) and its texture.
  RgbImage image_;
  int64_t image_step_ = -1;
  uint64_t image_version_ = 0;
  unsigned texture_ = 0;
};

}  // namespace brivl::viewer
