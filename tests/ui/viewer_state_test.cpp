// The live viewer's shared state (no window needed): pause / stop flags as the engine sees them,
// curve capping, image hand-over; and LiveViewer::open without a display.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

#include "ui/viewer/live_viewer.h"
#include "ui/viewer/viewer_state.h"

namespace brivl::viewer {
namespace {

using namespace std::chrono_literals;

TEST(ViewerState, NotPausedDoesNotBlock) {
  ViewerState state;
  EXPECT_FALSE(state.paused());
  EXPECT_FALSE(state.stop_requested());
  EXPECT_TRUE(state.wait_while_paused());
}

TEST(ViewerState, PauseBlocksTheEngineUntilResumed) {
  ViewerState state;
  state.toggle_paused();
  ASSERT_TRUE(state.paused());
  auto engine = std::async(std::launch::async, [&] { return state.wait_while_paused(); });
  EXPECT_EQ(engine.wait_for(100ms), std::future_status::timeout);  // held while paused
  state.toggle_paused();
  ASSERT_EQ(engine.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(engine.get());  // resumed, not stopped
}

TEST(ViewerState, StopReleasesAPausedEngine) {
  ViewerState state;
  state.set_paused(true);
  auto engine = std::async(std::launch::async, [&] { return state.wait_while_paused(); });
  EXPECT_EQ(engine.wait_for(100ms), std::future_status::timeout);
  state.request_stop();
  ASSERT_EQ(engine.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(engine.get());  // stop wins over pause
  EXPECT_TRUE(state.stop_requested());
  EXPECT_FALSE(state.paused());
  // Once stopping, the engine can no longer be paused (it would never get to its end).
  state.toggle_paused();
  state.set_paused(true);
  EXPECT_FALSE(state.paused());
  EXPECT_FALSE(state.wait_while_paused());
}

TEST(ViewerState, SeriesKeepEveryPointBelowTheCap) {
  ViewerState state(100);
  for (int i = 0; i < 50; ++i) state.push_point("loss", i, 2.0 * i);
  const auto s = state.series({"loss"});
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].x.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s[0].y[static_cast<size_t>(i)], 2.0 * i);
}

TEST(ViewerState, SeriesAreCappedEvenlyAndEndAtTheNewestPoint) {
  const size_t cap = 64;
  ViewerState state(cap);
  const int n = 10007;
  for (int i = 0; i < n; ++i) state.push_point("similarity", i, i * 0.5);
  const auto s = state.series({"similarity"})[0];
  ASSERT_LE(s.x.size(), cap + 1);  // the kept points, plus the newest when it was not kept
  ASSERT_GE(s.x.size(), cap / 2);
  EXPECT_EQ(s.x.front(), 0);
  EXPECT_EQ(s.x.back(), n - 1);
  EXPECT_EQ(s.y.back(), (n - 1) * 0.5);
  // Kept points are evenly spaced (one stride), except the appended newest one.
  const double stride = s.x[1] - s.x[0];
  EXPECT_GT(stride, 1);
  for (size_t i = 1; i + 1 < s.x.size(); ++i) EXPECT_EQ(s.x[i] - s.x[i - 1], stride) << i;
  EXPECT_LE(s.x.back() - s.x[s.x.size() - 2], stride);
}

TEST(ViewerState, SeriesComeInTheAskedOrderAndUnknownOnesAreEmpty) {
  ViewerState state;
  state.push_point("b", 1, 1);
  state.push_point("a", 1, 2);
  const auto s = state.series({"a", "missing", "b"});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "a");
  EXPECT_EQ(s[0].y, std::vector<double>{2});
  EXPECT_TRUE(s[1].x.empty());
  EXPECT_EQ(s[2].y, std::vector<double>{1});
}

TEST(ViewerState, ImagesAreHandedOverOncePerPush) {
  ViewerState state;
  EXPECT_FALSE(state.has_image());
  uint64_t version = 0;
  RgbImage out;
  int64_t step = -1;
  EXPECT_FALSE(state.take_image(version, out, step));
  RgbImage image{2, 1, {1, 2, 3, 4, 5, 6}};
  state.push_image(image, 7);
  EXPECT_TRUE(state.has_image());
  ASSERT_TRUE(state.take_image(version, out, step));
  EXPECT_EQ(out.pixels, image.pixels);
  EXPECT_EQ(step, 7);
  EXPECT_FALSE(state.take_image(version, out, step));  // nothing new
  image.pixels[0] = 9;
  state.push_image(image, 8);
  ASSERT_TRUE(state.take_image(version, out, step));
  EXPECT_EQ(out.pixels[0], 9);
  EXPECT_EQ(step, 8);
}

TEST(ViewerState, ConcurrentPushesAndReadsAreSafe) {
  ViewerState state(32);
  std::atomic<bool> done{false};
  std::thread engine([&] {
    for (int i = 0; i < 20000; ++i) {
      state.push_point("loss", i, 1.0 / (1 + i));
      if (i % 100 == 0) state.push_image(RgbImage{1, 1, {0, 0, 0}}, i);
      state.set_status("step " + std::to_string(i));
    }
    done = true;
  });
  uint64_t version = 0;
  RgbImage out;
  int64_t step = 0;
  while (!done) {
    const auto s = state.series({"loss"})[0];
    EXPECT_LE(s.x.size(), 33u);
    state.take_image(version, out, step);
    (void)state.status();
  }
  engine.join();
  EXPECT_EQ(state.series({"loss"})[0].x.back(), 19999);
  EXPECT_EQ(state.status(), "step 19999");
}

// Restores an environment variable when the test ends.
struct EnvGuard {
  explicit EnvGuard(const char* name) : name(name) {
    if (const char* v = std::getenv(name)) saved = v, had = true;
  }
  ~EnvGuard() {
    if (had) setenv(name, saved.c_str(), 1);
    else unsetenv(name);
  }
  const char* name;
  std::string saved;
  bool had = false;
};

TEST(LiveViewer, OpenWithoutADisplayReturnsNullAndSaysSo) {
  EnvGuard display("DISPLAY"), wayland("WAYLAND_DISPLAY");
  unsetenv("DISPLAY");
  unsetenv("WAYLAND_DISPLAY");
  std::string why;
  EXPECT_EQ(LiveViewer::open(LiveViewerOptions{}, &why), nullptr);
  EXPECT_EQ(why, "no display");
}

}  // namespace
}  // namespace brivl::viewer
