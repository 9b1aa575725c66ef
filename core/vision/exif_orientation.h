#pragma once
// EXIF orientation of JPEG files, for display only. The model never sees it applied (the official
// pipeline's PIL convert('RGB') ignores it, and so does decode_image_bytes), but a thumbnail of a
// phone photo shown sideways looks broken.
#include <string>

#include "vision/image_decode.h"

namespace brivl {

// The Orientation tag (1-8) of a JPEG's EXIF block; 1 (as stored) for other formats, JPEGs
// without EXIF or with an unreadable or out-of-range tag: a damaged tag must not hide the image.
int exif_orientation(const std::string& encoded);

// `image` turned the way orientation `o` (1-8, TIFF/EXIF convention) says it should be shown;
// 5-8 swap width and height. Other values return the image unchanged.
RgbImage apply_orientation(const RgbImage& image, int o);

}  // namespace brivl
