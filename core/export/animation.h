#pragma once
// The progression of an imagination run as an animation (torch-free):
//   GIF: always available. Encoded by giflib (EGif*: GIF89a, NETSCAPE2.0 loop-forever extension,
//        a graphics control block with the delay per frame), each frame with its own 256-colour
//        palette from quantize_median_cut below, undithered.
//   MP4: H.264 ('avc1', else MPEG-4 Part 2 'mp4v') through OpenCV's videoio with its FFmpeg
//        backend, when built with it (BRIVL_HAVE_OPENCV_VIDEOIO) and FFmpeg is there at run time.
//
// The palette is our own median cut rather than giflib's GifQuantizeBuffer: upstream giflib made
// that function private in 5.2 (Debian patches it back in, other systems do not ship it), and its
// palette entries are the unweighted mean of the lower edges of 5-bit bins, i.e. 4-7 levels too
// dark on flat colours. Frames are not dithered: dither noise that changes from frame to frame
// flickers in an animation and makes the GIF larger.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vision/image_decode.h"

namespace brivl {

enum class AnimationFormat { gif, mp4 };

// By the extension, case-insensitive: .gif or .mp4. Throws brivl::Error naming the path and the
// supported extensions otherwise.
AnimationFormat animation_format_for_path(const std::string& path);

// GIF delays are in 1/100 s: frame_ms is rounded to the nearest 10 ms and must be 20-655350
// (browsers play shorter delays at 100 ms).
inline constexpr int kMinGifFrameMs = 20;
inline constexpr int kMaxGifFrameMs = 655350;

// An image with at most 256 colours: one palette index per pixel, row-major.
struct IndexedImage {
  int width = 0, height = 0;
  std::vector<uint8_t> indices;
  std::vector<std::array<uint8_t, 3>> palette;  // 1 to max_colors entries
};

// Median cut (Heckbert 1982) on a 5-bit-per-channel histogram: repeatedly splits the box with the
// largest squared error at the count median of its widest channel, until max_colors boxes (2-256)
// or every box holds one histogram bin. Each palette entry is the mean of the pixels in its box
// and each pixel gets the entry nearest to its bin's mean, so an image whose colours fall into
// distinct bins (e.g. at most 256 colours, each differing by >= 8 in some channel) comes back
// exactly. Throws brivl::Error for an empty image, a wrong buffer size or max_colors.
IndexedImage quantize_median_cut(const RgbImage& image, int max_colors = 256);

// Frames (all of the first frame's size, at most 65535 x 65535) as an animated GIF that loops
// forever, every frame shown frame_ms. Deterministic. Throws brivl::Error for no frames, frames
// of different sizes or bad buffers (naming the frame), a frame_ms out of range, or an encoder
// failure.
std::string encode_gif(const std::vector<RgbImage>& frames, int frame_ms);

// True when write_video can work: built with OpenCV videoio and its FFmpeg backend is present.
bool video_export_available();

// Frames as an MP4 video at `fps` (> 0), whatever the path's extension. Odd widths/heights are
// padded to even ones (H.264 with 4:2:0 chroma needs them) by repeating the last column/row.
// Written to `<path>.tmp-<pid>.mp4`, fsync'ed and renamed over `path`, so readers never see a
// partial video. Throws brivl::Error naming the path when videoio/FFmpeg is not available
// (telling the user to save a .gif instead), for bad frames or fps, or when no writer opens.
void write_video(const std::string& path, const std::vector<RgbImage>& frames, double fps);

// GIF (encode_gif, then write_file_atomically) or MP4 (write_video at 1000 / frame_ms fps, frame_ms
// >= 1) by the path's extension.
void write_animation(const std::string& path, const std::vector<RgbImage>& frames, int frame_ms);

}  // namespace brivl
