#pragma once
// What the engine thread and the viewer's window thread share: the latest image, the curves, the
// status text and the pause / stop flags, behind one mutex. No GUI and no torch here, so the logic
// is tested without a display (tests/ui/viewer_state_test.cpp).
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "vision/image_decode.h"  // RgbImage

namespace brivl::viewer {

// One curve as the window draws it: the kept points, then the newest point when decimation
// dropped it (so a line always reaches the current value).
struct SeriesSnapshot {
  std::string name;
  std::vector<double> x, y;
};

class ViewerState {
 public:
  // Each series keeps at most `max_points` points (at least 4): when full, every second point is
  // dropped and from then on only every second new point is kept, so the kept points stay evenly
  // spread over the whole run in bounded memory.
  explicit ViewerState(size_t max_points = 2048);

  // --- engine side (any thread; never blocks longer than a copy) ---
  void push_image(const RgbImage& image, int64_t step = -1);
  void push_point(const std::string& series, double x, double y);
  void set_status(std::string text);
  void set_note(std::string text);  // a secondary line: the last notable event
  bool paused() const;
  bool stop_requested() const;
  // Blocks while paused; returns at once (false) when a stop is or gets requested. The imagination
  // loop calls it between steps: that is how the viewer pauses an engine that has no pause.
  bool wait_while_paused();

  // --- window side ---
  void set_paused(bool paused);
  void toggle_paused();
  void request_stop();  // also ends a pause
  // Copies the latest image into `out` (and its step) when it is newer than `version`, which is
  // then updated. Returns whether it copied.
  bool take_image(uint64_t& version, RgbImage& out, int64_t& step) const;
  bool has_image() const;
  // Snapshots of the named series, in the given order (an unknown name gives an empty series).
  std::vector<SeriesSnapshot> series(const std::vector<std::string>& names) const;
  std::string status() const;
  std::string note() const;
  size_t max_points() const { return max_points_; }
  // Grows with every change (push, status, note, flags): the window redraws only when it moved.
  uint64_t version() const;

 private:
  struct Series {
    std::string name;
    std::vector<double> x, y;
    int64_t stride = 1;  // every stride-th pushed point is kept
    int64_t pushed = 0;
    double last_x = 0, last_y = 0;
  };
  Series& series_locked(const std::string& name);

  const size_t max_points_;
  mutable std::mutex mutex_;
  std::condition_variable resumed_;
  RgbImage image_;
  int64_t image_step_ = -1;
  uint64_t image_version_ = 0;
  uint64_t version_ = 0;
  std::vector<Series> series_;
  std::string status_, note_;
  bool paused_ = false;
  bool stop_ = false;
};

}  // namespace brivl::viewer
