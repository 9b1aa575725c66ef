#include "ui/viewer/live_viewer.h"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>

#include <unistd.h>

#include "export/png_export.h"
#include "ui/viewer/imgui_backend.h"

namespace brivl::viewer {
namespace {

ImVec2 add(ImVec2 a, ImVec2 b) { return ImVec2(a.x + b.x, a.y + b.y); }

const ImU32 kSeriesColors[] = {IM_COL32(90, 160, 255, 255), IM_COL32(255, 160, 60, 255), IM_COL32(110, 210, 120, 255),
                               IM_COL32(230, 100, 180, 255)};
const ImVec4 kPausedColor(1.0f, 0.82f, 0.25f, 1.0f);
const ImVec4 kStoppingColor(1.0f, 0.5f, 0.35f, 1.0f);

std::string value_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), std::fabs(v) >= 1000 || (v != 0 && std::fabs(v) < 0.001) ? "%.3g" : "%.3f", v);
  return buf;
}

// One plot: its series share the axes; x is the step. Drawn with the draw list rather than
// ImGui::PlotLines, which has no x values: the held-out similarity (every 10 steps) and recall
// (every evaluation) must line up with the per-step curves.
void draw_plot(const PlotSpec& spec, const std::vector<SeriesSnapshot>& series, ImVec2 size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 p1 = add(p0, size);
  ImGui::Dummy(size);
  dl->AddRectFilled(p0, p1, IM_COL32(28, 30, 34, 255), 4.0f);
  const float line = ImGui::GetTextLineHeight();

  // Header: title, then each series' colour, name and newest value.
  ImVec2 at = add(p0, ImVec2(8, 4));
  dl->AddText(at, IM_COL32(235, 235, 235, 255), spec.title.c_str());
  at.x += ImGui::CalcTextSize(spec.title.c_str()).x + 18;
  for (size_t i = 0; i < series.size(); ++i) {
    const ImU32 color = kSeriesColors[i % 4];
    std::string label = series[i].name;
    if (!series[i].y.empty()) label += " " + value_text(series[i].y.back());
    dl->AddRectFilled(add(at, ImVec2(0, line * 0.35f)), add(at, ImVec2(12, line * 0.35f + 3)), color);
    dl->AddText(add(at, ImVec2(16, 0)), IM_COL32(200, 200, 200, 255), label.c_str());
    at.x += 16 + ImGui::CalcTextSize(label.c_str()).x + 16;
  }

  const float left = 56, right = 12, top = line + 12, bottom = line + 8;
  const ImVec2 a(p0.x + left, p0.y + top), b(p1.x - right, p1.y - bottom);
  if (b.x - a.x < 20 || b.y - a.y < 20) return;
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min, y_min = x_min, y_max = -x_min;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x_min = std::min(x_min, s.x[i]), x_max = std::max(x_max, s.x[i]);
      y_min = std::min(y_min, s.y[i]), y_max = std::max(y_max, s.y[i]);
    }
  if (!std::isfinite(x_min)) {
    const char* waiting = "waiting for data ...";
    const ImVec2 t = ImGui::CalcTextSize(waiting);
    dl->AddText(ImVec2((a.x + b.x - t.x) / 2, (a.y + b.y - t.y) / 2), IM_COL32(140, 140, 140, 255), waiting);
    return;
  }
  if (x_max <= x_min) x_max = x_min + 1;
  const double pad = y_max > y_min ? 0.06 * (y_max - y_min) : std::max(1e-3, 0.05 * std::fabs(y_max));
  y_min -= pad, y_max += pad;
  auto to_screen = [&](double x, double y) {
    return ImVec2(a.x + static_cast<float>((x - x_min) / (x_max - x_min)) * (b.x - a.x),
                  b.y - static_cast<float>((y - y_min) / (y_max - y_min)) * (b.y - a.y));
  };

  // Grid at round y values (1, 2 or 5 times a power of ten) with labels; the x range below.
  const double raw = (y_max - y_min) / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double tick = (f <= 1.5 ? 1 : f <= 3 ? 2 : f <= 7 ? 5 : 10) * magnitude;
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(tick) + 1e-9)));
  for (double y = std::ceil(y_min / tick) * tick; y <= y_max; y += tick) {
    const float sy = to_screen(x_min, y).y;
    dl->AddLine(ImVec2(a.x, sy), ImVec2(b.x, sy), IM_COL32(255, 255, 255, std::fabs(y) < tick / 2 ? 70 : 22));
    char label[32];
    std::snprintf(label, sizeof(label), "%.*f", decimals, std::fabs(y) < tick / 2 ? 0.0 : y);
    dl->AddText(ImVec2(a.x - 6 - ImGui::CalcTextSize(label).x, sy - line / 2), IM_COL32(150, 150, 150, 255), label);
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "step %.0f", x_min);
  dl->AddText(ImVec2(a.x, b.y + 3), IM_COL32(150, 150, 150, 255), buf);
  std::snprintf(buf, sizeof(buf), "%.0f", x_max);
  dl->AddText(ImVec2(b.x - ImGui::CalcTextSize(buf).x, b.y + 3), IM_COL32(150, 150, 150, 255), buf);

  dl->PushClipRect(ImVec2(a.x - 4, a.y - 4), ImVec2(b.x + 4, b.y + 4), true);
  std::vector<ImVec2> points;
  for (size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    points.clear();
    for (size_t k = 0; k < s.x.size(); ++k)
      if (std::isfinite(s.x[k]) && std::isfinite(s.y[k])) points.push_back(to_screen(s.x[k], s.y[k]));
    if (points.empty()) continue;
    const ImU32 color = kSeriesColors[i % 4];
    // Earlier series are drawn wider, so one hidden under a later one still shows at its edges.
    const float wider = static_cast<float>(series.size() - 1 - i);
    if (points.size() > 1) dl->AddPolyline(points.data(), static_cast<int>(points.size()), color, 0, 1.6f + 2.4f * wider);
    if (points.size() < 40)  // sparse series (evaluations, held-out views): mark each point
      for (const auto& p : points) dl->AddCircleFilled(p, 3.0f + 1.8f * wider, color);
  }
  dl->PopClipRect();
}

}  // namespace

std::unique_ptr<LiveViewer> LiveViewer::open(const LiveViewerOptions& options, std::string* why) {
  auto window = ImGuiWindow::open(options.title, options.width, options.height, options.heading + options.title, why);
  if (!window) return nullptr;
  return std::unique_ptr<LiveViewer>(new LiveViewer(options, std::move(window)));
}

LiveViewer::LiveViewer(const LiveViewerOptions& options, std::unique_ptr<ImGuiWindow> window)
    : options_(options), window_(std::move(window)), state_(options.max_points) {}

LiveViewer::~LiveViewer() = default;

void LiveViewer::save_current_image() {
  if (options_.save_stem.empty()) return;
  if (image_.pixels.empty()) {
    state_.set_note("no image to save yet");
    return;
  }
  char suffix[40];
  std::snprintf(suffix, sizeof(suffix), "-step%04lld.png", static_cast<long long>(std::max<int64_t>(0, image_step_)));
  const std::string path = options_.save_stem + suffix;
  try {
    write_png(path, image_);
    state_.set_note("saved " + path);
    std::fprintf(stderr, "%sbrivl: --watch: saved %s\n", ::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "", path.c_str());
  } catch (const std::exception& e) {
    state_.set_note(std::string("cannot save: ") + e.what());
  }
}

void LiveViewer::handle_keys() {
  for (const Key key : window_->take_keys()) {
    switch (key) {
      case Key::space:
        if (options_.can_pause && !state_.stop_requested()) {
          state_.toggle_paused();
          state_.set_note(state_.paused() ? "paused (Space resumes)" : "resumed");
        }
        break;
      case Key::s: save_current_image(); break;
      case Key::q:
      case Key::escape:
        if (!state_.stop_requested()) {
          state_.request_stop();
          state_.set_note(options_.stop_note);
        }
        break;
    }
  }
}

void LiveViewer::draw(bool engine_done) {
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("##brivl-viewer", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  if (!options_.heading.empty()) ImGui::TextUnformatted(options_.heading.c_str());
  if (state_.paused()) {
    ImGui::TextColored(kPausedColor, "PAUSED");
    ImGui::SameLine();
  } else if (state_.stop_requested() && !engine_done) {
    ImGui::TextColored(kStoppingColor, "STOPPING");
    ImGui::SameLine();
  }
  const std::string status = state_.status();
  ImGui::TextUnformatted(status.empty() ? "starting ..." : status.c_str());
  ImGui::Separator();

  const float footer = ImGui::GetTextLineHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y + 2;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float body_h = std::max(60.0f, avail.y - footer);
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  float plots_w = avail.x;
  if (options_.show_image) {
    const float caption = ImGui::GetTextLineHeightWithSpacing();
    const float side = std::max(32.0f, std::min(body_h - caption, avail.x * 0.5f));
    ImGui::BeginGroup();
    const ImVec2 box = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(box, add(box, ImVec2(side, side)), IM_COL32(20, 20, 22, 255), 4.0f);
    if (texture_ != 0 && image_.width > 0 && image_.height > 0) {
      const float scale = std::min(side / static_cast<float>(image_.width), side / static_cast<float>(image_.height));
      const ImVec2 size(static_cast<float>(image_.width) * scale, static_cast<float>(image_.height) * scale);
      ImGui::SetCursorScreenPos(add(box, ImVec2((side - size.x) / 2, (side - size.y) / 2)));
      ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture_)), size);
      ImGui::SetCursorScreenPos(add(box, ImVec2(0, side + ImGui::GetStyle().ItemSpacing.y)));
      ImGui::Text("step %lld    %d x %d", static_cast<long long>(image_step_), image_.width, image_.height);
    } else {
      const char* waiting = "waiting for the first preview ...";
      const ImVec2 t = ImGui::CalcTextSize(waiting);
      ImGui::GetWindowDrawList()->AddText(add(box, ImVec2((side - t.x) / 2, (side - t.y) / 2)),
                                          IM_COL32(140, 140, 140, 255), waiting);
      ImGui::Dummy(ImVec2(side, side));
      ImGui::TextUnformatted("");
    }
    ImGui::EndGroup();
    ImGui::SameLine();
    plots_w = std::max(60.0f, avail.x - side - spacing);
  }
  ImGui::BeginGroup();
  const size_t n = std::max<size_t>(1, options_.plots.size());
  const float plot_h = (body_h - ImGui::GetStyle().ItemSpacing.y * static_cast<float>(n - 1)) / static_cast<float>(n);
  for (const auto& plot : options_.plots) draw_plot(plot, state_.series(plot.series), ImVec2(plots_w, plot_h));
  ImGui::EndGroup();

  ImGui::Separator();
  const std::string note = state_.note();
  ImGui::TextDisabled("%s", note.empty() ? " " : note.c_str());
  std::string keys;
  if (options_.can_pause) keys += "Space pause/resume    ";
  if (!options_.save_stem.empty()) keys += "S save image    ";
  keys += "Esc/Q stop";
  ImGui::TextDisabled("%s", keys.c_str());
  ImGui::End();
}

bool LiveViewer::run_until_closed(const std::function<bool()>& engine_done) {
  const char* shot_env = std::getenv("BRIVL_VIEWER_SCREENSHOT");
  std::string shot = shot_env ? shot_env : "";
  long long shot_frame = -1;
  if (const char* f = std::getenv("BRIVL_VIEWER_SCREENSHOT_FRAME"); f && *f) shot_frame = std::atoll(f);
  using Clock = std::chrono::steady_clock;
  auto last_draw = Clock::now();
  uint64_t drawn_version = ~uint64_t{0};
  int settle = 0;  // frames still to draw after a change
  for (long long frame = 0;;) {
    const bool done = engine_done();  // read first: the last frame shows the final state
    window_->wait_events(frame == 0 || done ? 0.0 : 0.05);
    handle_keys();
    // Draw at most ~20 frames a second and only when something changed (a software-rendered
    // window must not take CPU from the engine), plus a refresh every half second.
    const uint64_t version = state_.version();
    if (version != drawn_version || window_->take_activity()) settle = 2;
    const bool capture = !shot.empty() && (shot_frame >= 0 ? frame == shot_frame : done);
    if (done || capture || settle > 0 || Clock::now() - last_draw > std::chrono::milliseconds(500)) {
      int64_t step = image_step_;
      if (state_.take_image(image_version_, image_, step)) {
        image_step_ = step;
        texture_ = window_->upload_texture(texture_, image_);
      }
      window_->begin_frame();
      draw(done);
      RgbImage framebuffer;
      window_->end_frame(capture ? &framebuffer : nullptr);
      if (capture) {
        try {
          write_png(shot, framebuffer);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "brivl: --watch: screenshot: %s\n", e.what());
        }
        shot.clear();
      }
      drawn_version = version;
      settle = std::max(0, settle - 1);
      last_draw = Clock::now();
      ++frame;
    }
    if (done) return true;
    if (window_->close_requested()) {
      state_.request_stop();
      window_->hide();
      return false;
    }
  }
}

}  // namespace brivl::viewer
