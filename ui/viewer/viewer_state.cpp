#include "ui/viewer/viewer_state.h"

#include <algorithm>

namespace brivl::viewer {

ViewerState::ViewerState(size_t max_points) : max_points_(std::max<size_t>(4, max_points)) {}

void ViewerState::push_image(const RgbImage& image, int64_t step) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++version_;
  image_ = image;
  image_step_ = step;
  ++image_version_;
}

ViewerState::Series& ViewerState::series_locked(const std::string& name) {
  for (auto& s : series_)
    if (s.name == name) return s;
  series_.push_back(Series{name, {}, {}, 1, 0, 0, 0});
  return series_.back();
}

void ViewerState::push_point(const std::string& name, double x, double y) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++version_;
  auto& s = series_locked(name);
  s.last_x = x, s.last_y = y;
  if (s.pushed++ % s.stride != 0) return;
  s.x.push_back(x), s.y.push_back(y);
  if (s.x.size() <= max_points_) return;
  // Full: keep the points at even positions (the first one included), double the stride.
  size_t kept = 0;
  for (size_t i = 0; i < s.x.size(); i += 2, ++kept) s.x[kept] = s.x[i], s.y[kept] = s.y[i];
  s.x.resize(kept), s.y.resize(kept);
  s.stride *= 2;
}

void ViewerState::set_status(std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++version_;
  status_ = std::move(text);
}

void ViewerState::set_note(std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++version_;
  note_ = std::move(text);
}

bool ViewerState::paused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return paused_;
}

bool ViewerState::stop_requested() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

bool ViewerState::wait_while_paused() {
  std::unique_lock<std::mutex> lock(mutex_);
  resumed_.wait(lock, [this] { return !paused_ || stop_; });
  return !stop_;
}

void ViewerState::set_paused(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++version_;
    paused_ = paused && !stop_;
  }
  resumed_.notify_all();
}

void ViewerState::toggle_paused() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++version_;
    paused_ = !paused_ && !stop_;
  }
  resumed_.notify_all();
}

void ViewerState::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++version_;
    stop_ = true;
    paused_ = false;
  }
  resumed_.notify_all();
}

bool ViewerState::take_image(uint64_t& version, RgbImage& out, int64_t& step) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (image_version_ == version) return false;
  version = image_version_;
  out = image_;
  step = image_step_;
  return true;
}

bool ViewerState::has_image() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return image_version_ > 0;
}

std::vector<SeriesSnapshot> ViewerState::series(const std::vector<std::string>& names) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<SeriesSnapshot> out;
  out.reserve(names.size());
  for (const auto& name : names) {
    SeriesSnapshot snap{name, {}, {}};
    for (const auto& s : series_) {
      if (s.name != name) continue;
      snap.x = s.x, snap.y = s.y;
      if (s.pushed > 0 && (s.pushed - 1) % s.stride != 0) snap.x.push_back(s.last_x), snap.y.push_back(s.last_y);
    }
    out.push_back(std::move(snap));
  }
  return out;
}

std::string ViewerState::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

uint64_t ViewerState::version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return version_;
}

std::string ViewerState::note() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return note_;
}

}  // namespace brivl::viewer
