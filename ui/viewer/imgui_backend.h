#pragma once
// A GLFW window with an OpenGL 3 context and a Dear ImGui context on it (Debian's libimgui-dev:
// the GLFW and OpenGL 3 backends are in its static library). Main thread only: GLFW requires it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vision/image_decode.h"  // RgbImage

struct GLFWwindow;

namespace brivl::viewer {

// The keys the viewer reacts to, as pressed since the last frame (physical US positions).
enum class Key { space, s, q, escape };

class ImGuiWindow {
 public:
  // Opens the window, or returns null with *why set: "no display" when neither $DISPLAY nor
  // $WAYLAND_DISPLAY is set or GLFW cannot initialise, otherwise what failed. `glyphs` are UTF-8
  // texts whose characters the font must have (e.g. a Chinese prompt).
  static std::unique_ptr<ImGuiWindow> open(const std::string& title, int width, int height, const std::string& glyphs,
                                           std::string* why);
  ~ImGuiWindow();
  ImGuiWindow(const ImGuiWindow&) = delete;
  ImGuiWindow& operator=(const ImGuiWindow&) = delete;

  // Waits up to `wait_s` for input (keys, resizing, exposure, or any other window event).
  void wait_events(double wait_s);
  // Whether a key, a resize or an exposure happened since the last call (the frame is stale).
  bool take_activity();
  void begin_frame();
  // Renders the frame; when `capture` is given, also reads the rendered framebuffer into it.
  void end_frame(RgbImage* capture = nullptr);
  bool close_requested() const;  // the window's close button
  void hide();
  std::vector<Key> take_keys();

  // Creates (texture == 0) or updates an RGB texture; returns its id.
  unsigned upload_texture(unsigned texture, const RgbImage& image);

 private:
  ImGuiWindow() = default;
  static void on_key(GLFWwindow* window, int key, int scancode, int action, int mods);
  static void on_refresh(GLFWwindow* window);
  static void on_resize(GLFWwindow* window, int width, int height);

  GLFWwindow* window_ = nullptr;
  bool imgui_ready_ = false;
  std::vector<unsigned> textures_;
  std::vector<Key> keys_;
  bool activity_ = true;
};

}  // namespace brivl::viewer
