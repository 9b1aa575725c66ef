#pragma once
// A synthetic captioned-image dataset for training and testing small BriVL models: each image shows
// one big, clean, upright shape (circle, square, triangle or five-pointed star) in one of six
// saturated colours, at one of five positions, in one of two sizes, on a dark grey background; its
// caption names the four attributes in Chinese ("左上角的大红色圆形"). Big shapes and unambiguous
// attributes are meant to let a small CNN learn it in minutes.
//
// Everything is deterministic from the seed and independent of the compiler and standard library:
// the random numbers come from our own SplitMix64 (no std::*_distribution) and the rasteriser works in
// integer fixed point (1/64 pixel), so the same options give the same attributes, captions and pixels
// with every compiler and flag set, and byte-identical files with the same PNG encoder (stb).
// Sample i depends only on (seed, i): a larger count extends a dataset without changing its prefix.
//
// `brivl dataset shapes --out DIR --count N --seed S` writes
//   DIR/images/000000.png ...      one PNG per sample (six digits, more if the count needs them)
//   DIR/captions.csv               header `image,text`, one row per caption (paths relative to DIR)
//   DIR/attributes.csv             header `image,colour,shape,position,size`, attributes as words
// Torch-free (part of brivl_base).
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vision/image_decode.h"

namespace brivl {

struct ShapesOptions {
  int count = 1000;              // samples (images); 1 .. 10,000,000
  uint64_t seed = 0;
  int image_size = 96;           // square images, 16 .. 4096 pixels a side
  int captions_per_image = 1;    // >1: the same attributes in the next templates as extra CSV rows
                                 // (caption k uses template k); 1 .. shapes_template_count()
  // "dark": grey 30..60 behind every shape (the original set). "varied": a random, mildly tinted
  // grey of any lightness, at least kVariedMinDistance (RGB) away from the shape's colour: the
  // caption names the shape's colour, so a model cannot learn colour from the ground.
  std::string background = "dark";
  // "exact": every shape of a colour has its palette colour (ShapesVocabulary::colour_rgb). "spread":
  // each shape's colour is drawn from a band around it (hue, saturation, value; white: near-greys),
  // with gaps between the bands (no orange, cyan or pink), so a model learns colour regions, not six
  // points: imaginations through it are then pulled to a named colour from anywhere in its band.
  // "more": spread, over twelve colours: the six and 橙色 青色 粉色 棕色 灰色 黑色 in the gaps and at
  // the ends (shapes_vocabulary_more()), so yellow is told from orange and cyan by name.
  std::string colours = "exact";
};

// Indices into the ShapesVocabulary tables.
struct ShapeAttributes {
  int colour = 0;
  int shape = 0;
  int position = 0;
  int size = 0;
  bool operator==(const ShapeAttributes& o) const {
    return colour == o.colour && shape == o.shape && position == o.position && size == o.size;
  }
  bool operator!=(const ShapeAttributes& o) const { return !(*this == o); }
};

// The words (UTF-8 Chinese) of each attribute, in index order:
//   colours   红色 黄色 绿色 蓝色 紫色 白色
//   shapes    圆形 正方形 三角形 星形
//   positions 左上角 右上角 左下角 右下角 中间
//   sizes     大 小
struct ShapesVocabulary {
  std::vector<std::string> colours, shapes, positions, sizes;
  std::vector<std::array<uint8_t, 3>> colour_rgb;  // the fill colour of each entry of `colours`
};
const ShapesVocabulary& shapes_vocabulary();
// The same with twelve colours: the six above (same indices), then 橙色 青色 粉色 棕色 灰色 黑色
// (ShapesOptions::colours "more"). Attributes and captions accept colour indices 0..11.
const ShapesVocabulary& shapes_vocabulary_more();

// Number of caption templates (at least 3). Template 0 is "{position}的{size}{colour}{shape}".
int shapes_template_count();

// The caption of `attributes` in template `template_index`:
//   0 左上角的大红色圆形   1 一个大的红色圆形在左上角   2 红色的圆形，大，位于左上角   3 左上角有一个大红色圆形
// Throws brivl::Error for an attribute or template index out of range.
std::string shapes_caption(const ShapeAttributes& attributes, int template_index = 0);

// Where render_shape puts the shape, in pixels (centre of the shape's bounding square and its side).
// The shape lies fully inside the image with a margin of at least one pixel.
struct ShapeGeometry {
  double centre_x = 0, centre_y = 0;
  double extent = 0;  // side of the bounding square: ~40 % of the image for 大, ~22 % for 小
};
ShapeGeometry shape_geometry(const ShapeAttributes& attributes, int image_size, uint64_t seed,
                             const std::string& background = "dark");

// Renders one image: background grey 30..60 (per image; or varied, see ShapesOptions), the shape anti-aliased by 4x4 supersampled
// coverage, then per-pixel noise of ±6 on every channel. Positions are the quadrant centres
// (27 % / 73 % of the side) or the image centre, with jitter up to 4 % of the side; sizes jitter by
// up to 5 %. Shapes are upright: circle, axis-aligned square, equilateral triangle with its apex up,
// five-pointed star with a point up. Deterministic in (attributes, image_size, seed).
// Throws brivl::Error for attributes out of range or image_size outside 16 .. 4096.
// `background`: "dark" or "varied" (see ShapesOptions::background); `colours`: "exact" or "spread"
// (see ShapesOptions::colours; the geometry does not depend on it).
RgbImage render_shape(const ShapeAttributes& attributes, int image_size, uint64_t seed,
                      const std::string& background = "dark", const std::string& colours = "exact");

struct ShapesSample {
  std::string image_file;  // relative to the dataset folder: "images/000123.png"
  ShapeAttributes attributes;
  uint64_t render_seed = 0;           // the seed render_shape gets for this image
  std::vector<std::string> captions;  // captions_per_image captions, caption k in template k
};

// The dataset without any IO: attributes drawn uniformly and independently per sample.
// Throws brivl::Error naming the option for options out of range.
std::vector<ShapesSample> plan_shapes_dataset(const ShapesOptions& options);

// Writes the dataset to `dir` (created if needed) with atomic file writes: the images, then
// attributes.csv, then captions.csv last (so a folder with captions.csv holds a complete dataset).
// CSVs are UTF-8, '\n'-terminated rows, RFC 4180 quoting for fields with a comma, quote or line break.
// Refuses with a brivl::Error naming `dir` if dir/captions.csv exists and `overwrite` is false; with
// `overwrite`, image files of the form images/<digits>.png that the new dataset does not have are
// removed (nothing else is). `progress(done, total)` is called after each image.
void write_shapes_dataset(const std::string& dir, const ShapesOptions& options, bool overwrite = false,
                          const std::function<void(int done, int total)>& progress = {});

}  // namespace brivl
