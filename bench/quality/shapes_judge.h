#pragma once
// A classical judge of imaginations of shapes prompts ("右下角的大蓝色正方形"): no neural network,
// so nothing it measures can be fooled by optimising through a network. Kept out of core: the
// judge is never used inside any optimisation (design §2).
//
//   smoothing   a box blur of radius side/40, so pixel noise and fine texture average out;
//   background  the per-channel median of the image;
//   salience    a pixel's RGB distance to the background;
//   the object  the most salient pixels: salience >= half the 99th percentile and at least the
//               90th percentile (so at most ~10 % of the image);
//   colour      majority vote of the object's pixels, each voting for the palette colour whose
//               direction from the background is closest to its own (cosine), so a faint red is
//               still red and a white shape on grey is white;
//   position    the salience-weighted centroid of the object, nearest of the five positions
//               (quadrant centres at 27 % / 73 % of the side, or the centre).
// On real renders of `brivl dataset shapes` it is right every time (tests/quality).
#include <array>
#include <string>

#include "vision/image_decode.h"

namespace brivl::quality {

struct ShapesVerdict {
  int colour = -1;    // index into shapes_vocabulary().colours
  int position = -1;  // index into shapes_vocabulary().positions
  double centroid_x = 0, centroid_y = 0;  // object centroid, fractions of width and height
  double colour_share = 0;                // fraction of the object's votes the winning colour got
};

ShapesVerdict judge_shapes(const RgbImage& image);

// The attributes a shapes prompt names, found by the vocabulary's words (-1 when a word is absent):
// "右下角的大蓝色正方形" -> colour 蓝色, position 右下角.
struct ShapesPromptWords {
  int colour = -1, position = -1;
};
ShapesPromptWords shapes_prompt_words(const std::string& prompt);

}  // namespace brivl::quality
