// Tests for progression animations (core/export/animation.h): GIF through giflib, decoded back with
// stb_image as an independent reader; MP4 where OpenCV videoio with FFmpeg is built in.
#include "export/animation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.h"
#include "util/error.h"
#include "vision/image_decode.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;

RgbImage filled(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image;
  image.width = width;
  image.height = height;
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

// A smooth gradient that moves with `t` and has far more than 256 colours, like a progression frame.
RgbImage gradient_frame(int t, int width = 37, int height = 29) {
  RgbImage image;
  image.width = width;
  image.height = height;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.pixels.push_back(static_cast<uint8_t>((x * 255 / (width - 1) + 20 * t) % 256));
      image.pixels.push_back(static_cast<uint8_t>(y * 255 / (height - 1)));
      image.pixels.push_back(static_cast<uint8_t>(128 + 100 * ((x + y + t) % 7) / 6 - 50));
    }
  }
  return image;
}

// Four flat quadrants (well separated colours: reproduced exactly).
RgbImage quadrants(int width, int height, int t) {
  RgbImage image = filled(width, height, 0, 0, 0);
  const uint8_t colours[4][3] = {{255, 0, 0}, {0, 200, 40}, {10, 20, 250}, {250, 250, static_cast<uint8_t>(t * 30)}};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const uint8_t* c = colours[(y >= height / 2) * 2 + (x >= width / 2)];
      std::copy(c, c + 3, image.pixels.begin() + (static_cast<size_t>(y) * width + x) * 3);
    }
  }
  return image;
}

struct DecodedGif {
  int width = 0, height = 0, frames = 0;
  std::vector<int> delays_ms;
  std::vector<RgbImage> images;
};

// stb_image's decoder: all frames composited to RGBA, delays in ms.
DecodedGif decode_gif(const std::string& gif) {
  DecodedGif out;
  int* delays = nullptr;
  int comp = 0;
  stbi_uc* data = stbi_load_gif_from_memory(reinterpret_cast<const stbi_uc*>(gif.data()), static_cast<int>(gif.size()),
                                            &delays, &out.width, &out.height, &out.frames, &comp, 4);
  if (data == nullptr) {
    ADD_FAILURE() << "stb_image cannot decode the GIF: " << stbi_failure_reason();
    return out;
  }
  const size_t pixels = static_cast<size_t>(out.width) * out.height;
  for (int f = 0; f < out.frames; ++f) {
    out.delays_ms.push_back(delays[f]);
    RgbImage image;
    image.width = out.width;
    image.height = out.height;
    for (size_t p = 0; p < pixels; ++p) {
      const stbi_uc* px = data + (static_cast<size_t>(f) * pixels + p) * 4;
      image.pixels.insert(image.pixels.end(), {px[0], px[1], px[2]});
      EXPECT_EQ(px[3], 255) << "frame " << f << " pixel " << p << " is transparent";
    }
    out.images.push_back(std::move(image));
  }
  stbi_image_free(data);
  stbi_image_free(delays);
  return out;
}

double mean_abs_difference(const RgbImage& a, const RgbImage& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return sum / static_cast<double>(a.pixels.size());
}

int max_abs_difference(const RgbImage& a, const RgbImage& b) {
  int worst = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(int(a.pixels[i]) - int(b.pixels[i])));
  return worst;
}

// --- Quantizer ------------------------------------------------------------------------------------------

TEST(Quantize, FewWellSeparatedColoursComeBackExactly) {
  const RgbImage image = quadrants(9, 7, 3);
  const IndexedImage indexed = quantize_median_cut(image);
  EXPECT_EQ(indexed.palette.size(), 4u);
  ASSERT_EQ(indexed.indices.size(), 63u);
  for (size_t p = 0; p < indexed.indices.size(); ++p) {
    const auto& colour = indexed.palette.at(indexed.indices[p]);
    EXPECT_EQ(std::vector<uint8_t>(colour.begin(), colour.end()),
              std::vector<uint8_t>(image.pixels.begin() + 3 * p, image.pixels.begin() + 3 * p + 3));
  }
  EXPECT_EQ(quantize_median_cut(filled(3, 2, 7, 8, 9)).palette.size(), 1u);
}

TEST(Quantize, ManyColoursUseAtMostMaxColoursWithASmallError) {
  const RgbImage image = gradient_frame(0, 128, 96);
  for (int max_colors : {256, 16, 2}) {
    const IndexedImage indexed = quantize_median_cut(image, max_colors);
    EXPECT_EQ(indexed.palette.size(), static_cast<size_t>(max_colors));
    RgbImage back = image;
    for (size_t p = 0; p < indexed.indices.size(); ++p) {
      ASSERT_LT(indexed.indices[p], indexed.palette.size());
      std::copy(indexed.palette[indexed.indices[p]].begin(), indexed.palette[indexed.indices[p]].end(),
                back.pixels.begin() + 3 * p);
    }
    // ~7500 colours spread through the RGB cube: 256 boxes leave about +-8 per channel (giflib's
    // GifQuantizeBuffer: mean 12.4 on this image).
    if (max_colors == 256) {
      EXPECT_LT(mean_abs_difference(back, image), 9.0);
      EXPECT_LT(max_abs_difference(back, image), 40);
    }
  }
}

TEST(Quantize, BadArgumentsAreErrors) {
  EXPECT_BRIVL_ERROR(quantize_median_cut(filled(2, 2, 0, 0, 0), 1), "max_colors 1");
  EXPECT_BRIVL_ERROR(quantize_median_cut(filled(2, 2, 0, 0, 0), 257), "max_colors 257");
  EXPECT_BRIVL_ERROR(quantize_median_cut(RgbImage{}), "bad image");
}

// --- GIF ------------------------------------------------------------------------------------------------

TEST(Gif, DecodesToAllFramesWithTheirSizeDelayAndColours) {
  std::vector<RgbImage> frames;
  for (int t = 0; t < 5; ++t) frames.push_back(gradient_frame(t));
  const DecodedGif gif = decode_gif(encode_gif(frames, 120));
  ASSERT_EQ(gif.frames, 5);
  EXPECT_EQ(gif.width, 37);
  EXPECT_EQ(gif.height, 29);
  EXPECT_THAT(gif.delays_ms, ::testing::Each(120));
  for (int t = 0; t < 5; ++t) {
    SCOPED_TRACE("frame " + std::to_string(t));
    EXPECT_LT(mean_abs_difference(gif.images[t], frames[t]), 8.0);  // quantization, see Quantize above
    EXPECT_LT(max_abs_difference(gif.images[t], frames[t]), 40);
  }
}

TEST(Gif, FlatColoursAreExactAndDelaysRoundToCentiseconds) {
  const std::vector<RgbImage> frames{quadrants(10, 6, 0), quadrants(10, 6, 1), filled(10, 6, 1, 2, 3)};
  const DecodedGif gif = decode_gif(encode_gif(frames, 44));
  ASSERT_EQ(gif.frames, 3);
  EXPECT_THAT(gif.delays_ms, ::testing::Each(40));
  for (int f = 0; f < 3; ++f) EXPECT_EQ(gif.images[f].pixels, frames[f].pixels) << "frame " << f;
  EXPECT_EQ(decode_gif(encode_gif({frames[2]}, 20)).frames, 1);
}

TEST(Gif, IsGif89aThatLoopsForeverAndIsDeterministic) {
  const std::vector<RgbImage> frames{gradient_frame(0), gradient_frame(1)};
  const std::string gif = encode_gif(frames, 100);
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  const size_t netscape = gif.find("NETSCAPE2.0");
  ASSERT_NE(netscape, std::string::npos);
  EXPECT_EQ(gif.substr(netscape - 3, 3), "\x21\xFF\x0B");  // extension introducer, application label, size 11
  EXPECT_EQ(gif.substr(netscape + 11, 5), std::string("\x03\x01\x00\x00\x00", 5));  // loop count 0 = forever
  EXPECT_EQ(gif.back(), ';');
  EXPECT_EQ(encode_gif(frames, 100), gif);
}

TEST(Gif, BadFramesAndDelaysAreErrorsNamingTheProblem) {
  EXPECT_BRIVL_ERROR(encode_gif({}, 100), "no frames");
  EXPECT_BRIVL_ERROR(encode_gif({filled(4, 4, 0, 0, 0), filled(4, 5, 0, 0, 0)}, 100), "frame 1 is 4x5",
                     "frame 0 is 4x4", "same size");
  RgbImage short_buffer = filled(4, 4, 0, 0, 0);
  short_buffer.pixels.resize(10);
  EXPECT_BRIVL_ERROR(encode_gif({filled(4, 4, 0, 0, 0), short_buffer}, 100), "frame 1 has 10 RGB bytes");
  EXPECT_BRIVL_ERROR(encode_gif({filled(4, 4, 0, 0, 0)}, 10), "frame time 10 ms", "20-655350");
  EXPECT_BRIVL_ERROR(encode_gif({filled(4, 4, 0, 0, 0)}, 700000), "frame time 700000 ms");
}

// --- Files ----------------------------------------------------------------------------------------------

TEST(Animation, FormatComesFromTheExtension) {
  EXPECT_EQ(animation_format_for_path("run/progress.gif"), AnimationFormat::gif);
  EXPECT_EQ(animation_format_for_path("progress.MP4"), AnimationFormat::mp4);
  EXPECT_BRIVL_ERROR(animation_format_for_path("progress.webm"), "progress.webm", ".gif", ".mp4");
  test::TempDir dir;
  EXPECT_BRIVL_ERROR(write_animation(dir.file("p.avi"), {filled(4, 4, 0, 0, 0)}, 100), "p.avi", ".gif");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Animation, WritesAGifFileAtomically) {
  test::TempDir dir;
  const std::string path = dir.file("进度.gif");
  const std::vector<RgbImage> frames{quadrants(8, 8, 0), quadrants(8, 8, 2)};
  write_animation(path, frames, 250);
  EXPECT_EQ(test::read_bytes(path), encode_gif(frames, 250));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);  // no temp file
  const RgbImage first = decode_image_file(path);  // what the studio's decoder sees
  EXPECT_EQ(first.width, 8);
  EXPECT_EQ(first.pixels, frames[0].pixels);
  EXPECT_BRIVL_ERROR(write_animation(dir.file("fast.gif"), frames, 5), "fast.gif", "frame time 5 ms");
  EXPECT_FALSE(fs::exists(dir.file("fast.gif")));
}

TEST(Animation, Mp4IsWrittenWhenVideoioIsThereElseAClearError) {
  test::TempDir dir;
  const std::string path = dir.file("progress.mp4");
  std::vector<RgbImage> frames;
  for (int t = 0; t < 6; ++t) frames.push_back(gradient_frame(t, 33, 25));  // odd size: padded to 34x26
  if (!video_export_available()) {
    EXPECT_BRIVL_ERROR(write_animation(path, frames, 100), "progress.mp4", "OpenCV videoio with FFmpeg", ".gif");
    EXPECT_TRUE(fs::is_empty(dir.path()));
    return;
  }
  write_animation(path, frames, 100);
  const std::string mp4 = test::read_bytes(path);
  ASSERT_GT(mp4.size(), 100u);
  EXPECT_EQ(mp4.substr(4, 4), "ftyp");  // ISO base media file
  EXPECT_NE(mp4.find("moov"), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);  // no temp file
  EXPECT_BRIVL_ERROR(write_animation(dir.file("bad.mp4"), {filled(4, 4, 0, 0, 0), filled(6, 4, 0, 0, 0)}, 100),
                     "bad.mp4", "frame 1 is 6x4");
  EXPECT_BRIVL_ERROR(write_video(dir.file("zero.mp4"), frames, 0), "zero.mp4", "frame rate 0");
  EXPECT_FALSE(fs::exists(dir.file("bad.mp4")));
}

}  // namespace
}  // namespace brivl
