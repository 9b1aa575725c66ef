#include "ui/viewer/imgui_backend.h"

#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace brivl::viewer {
namespace {

std::string glfw_error_text;
void on_glfw_error(int, const char* text) { glfw_error_text = text ? text : "unknown GLFW error"; }

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

// A font with the CJK ideographs (the Latin of these fonts is fine too): $BRIVL_VIEWER_FONT, then
// the ones Debian's font packages install. Index: the face inside a .ttc (Noto's SC face is 2).
struct FontFile {
  std::string path;
  int index;
};
FontFile find_cjk_font() {
  if (const char* f = std::getenv("BRIVL_VIEWER_FONT"); f && *f) return {f, 0};
  const FontFile candidates[] = {
      {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2},      // fonts-noto-cjk
      {"/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0},
      {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0},              // fonts-wqy-microhei
      {"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0},                // fonts-wqy-zenhei
      {"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0},   // fonts-droid-fallback
      {"/usr/share/fonts/truetype/arphic/uming.ttc", 0},                  // fonts-arphic-uming
  };
  std::error_code ec;
  for (const auto& c : candidates)
    if (std::filesystem::is_regular_file(c.path, ec)) return c;
  return {"", 0};
}

// Loads the font with only the glyphs needed: Latin, punctuation and the characters of `glyphs`
// (a whole CJK range would make a 20k-glyph atlas for a prompt of a few characters).
void load_fonts(const std::string& glyphs, std::vector<ImWchar>& ranges) {
  ImGuiIO& io = ImGui::GetIO();
  const auto font = find_cjk_font();
  if (font.path.empty()) return;  // ImGui's built-in font: ASCII only
  ImFontGlyphRangesBuilder builder;
  builder.AddRanges(io.Fonts->GetGlyphRangesDefault());
  builder.AddText("·…—–→←≈°×");
  builder.AddText(glyphs.c_str());
  ImVector<ImWchar> built;
  builder.BuildRanges(&built);
  ranges.assign(built.begin(), built.end());
  ImFontConfig config;
  config.FontNo = font.index;
  config.OversampleH = 2;
  if (!io.Fonts->AddFontFromFileTTF(font.path.c_str(), 17.0f, &config, ranges.data())) io.Fonts->AddFontDefault();
  io.Fonts->Build();
}

}  // namespace

std::unique_ptr<ImGuiWindow> ImGuiWindow::open(const std::string& title, int width, int height,
                                               const std::string& glyphs, std::string* why) {
  if (!env_set("DISPLAY") && !env_set("WAYLAND_DISPLAY")) {
    *why = "no display";
    return nullptr;
  }
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    *why = "no display";
    return nullptr;
  }
  // OpenGL 3.0 and GLSL 130, like Dear ImGui's GLFW + OpenGL 3 example on Linux.
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  std::unique_ptr<ImGuiWindow> w(new ImGuiWindow());
  w->window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (!w->window_) {
    *why = "cannot open an OpenGL 3 window (" + glfw_error_text + ")";
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(w->window_);
  glfwSwapInterval(1);
  glfwSetWindowUserPointer(w->window_, w.get());
  glfwSetKeyCallback(w->window_, on_key);  // before ImGui's backend, which chains to it
  glfwSetWindowRefreshCallback(w->window_, on_refresh);
  glfwSetFramebufferSizeCallback(w->window_, on_resize);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini in the user's folder
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.FrameRounding = 3;
  style.WindowPadding = ImVec2(12, 10);
  static std::vector<ImWchar> ranges;  // the atlas keeps a pointer to them
  load_fonts(glyphs, ranges);
  ImGui_ImplGlfw_InitForOpenGL(w->window_, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  w->imgui_ready_ = true;
  return w;
}

ImGuiWindow::~ImGuiWindow() {
  if (imgui_ready_) {
    if (!textures_.empty()) glDeleteTextures(static_cast<GLsizei>(textures_.size()), textures_.data());
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

void ImGuiWindow::on_refresh(GLFWwindow* window) {
  if (auto* self = static_cast<ImGuiWindow*>(glfwGetWindowUserPointer(window))) self->activity_ = true;
}

void ImGuiWindow::on_resize(GLFWwindow* window, int, int) { on_refresh(window); }

void ImGuiWindow::on_key(GLFWwindow* window, int key, int, int action, int) {
  auto* self = static_cast<ImGuiWindow*>(glfwGetWindowUserPointer(window));
  if (!self) return;
  self->activity_ = true;
  if (action != GLFW_PRESS) return;
  switch (key) {
    case GLFW_KEY_SPACE: self->keys_.push_back(Key::space); break;
    case GLFW_KEY_S: self->keys_.push_back(Key::s); break;
    case GLFW_KEY_Q: self->keys_.push_back(Key::q); break;
    case GLFW_KEY_ESCAPE: self->keys_.push_back(Key::escape); break;
    default: break;
  }
}

std::vector<Key> ImGuiWindow::take_keys() {
  std::vector<Key> keys;
  keys.swap(keys_);
  return keys;
}

void ImGuiWindow::wait_events(double wait_s) {
  if (wait_s > 0) glfwWaitEventsTimeout(wait_s);
  else glfwPollEvents();
}

bool ImGuiWindow::take_activity() {
  const bool a = activity_;
  activity_ = false;
  return a;
}

void ImGuiWindow::begin_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void ImGuiWindow::end_frame(RgbImage* capture) {
  ImGui::Render();
  int fb_w = 0, fb_h = 0;
  glfwGetFramebufferSize(window_, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (capture && fb_w > 0 && fb_h > 0) {
    // glReadPixels rows run bottom-up: read, then flip.
    std::vector<uint8_t> rows(static_cast<size_t>(fb_w) * static_cast<size_t>(fb_h) * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, fb_w, fb_h, GL_RGB, GL_UNSIGNED_BYTE, rows.data());
    capture->width = fb_w, capture->height = fb_h;
    capture->pixels.resize(rows.size());
    const size_t stride = static_cast<size_t>(fb_w) * 3;
    for (int y = 0; y < fb_h; ++y)
      std::copy_n(rows.data() + static_cast<size_t>(fb_h - 1 - y) * stride, stride,
                  capture->pixels.data() + static_cast<size_t>(y) * stride);
  }
  glfwSwapBuffers(window_);
}

bool ImGuiWindow::close_requested() const { return glfwWindowShouldClose(window_) != 0; }

void ImGuiWindow::hide() {
  glfwHideWindow(window_);
  glfwPollEvents();
}

unsigned ImGuiWindow::upload_texture(unsigned texture, const RgbImage& image) {
  if (texture == 0) {
    GLuint id = 0;
    glGenTextures(1, &id);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // enlarged pixels stay crisp
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    textures_.push_back(id);
    texture = id;
  }
  glBindTexture(GL_TEXTURE_2D, texture);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB, image.width, image.height, 0, GL_RGB, GL_UNSIGNED_BYTE, image.pixels.data());
  return texture;
}

}  // namespace brivl::viewer
