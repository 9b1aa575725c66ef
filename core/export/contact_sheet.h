#pragma once
// A contact sheet: the progression of an imagination run as one image, frames in a grid.
#include <vector>

#include "vision/image_decode.h"

namespace brivl {

struct ContactSheetOptions {
  int columns = 6;
  int cell = 160;    // each frame is scaled to fit a cell x cell square, aspect kept
  int gap = 4;       // pixels between cells and around the sheet
  uint8_t background = 32;
};

// Frames in order, row by row. Throws brivl::Error for no frames or bad options.
RgbImage make_contact_sheet(const std::vector<RgbImage>& frames, const ContactSheetOptions& options = {});

// Box-filter resize (averages the source pixels each target pixel covers): used for thumbnails.
RgbImage resize_area(const RgbImage& image, int width, int height);

}  // namespace brivl
