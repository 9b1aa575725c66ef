// Contact sheets and the box-filter resize used for their thumbnails.
#include "export/contact_sheet.h"

#include "test_support.h"

namespace brivl {
namespace {

RgbImage solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image;
  image.width = w;
  image.height = h;
  for (int i = 0; i < w * h; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

const uint8_t* pixel(const RgbImage& image, int x, int y) { return &image.pixels[(static_cast<size_t>(y) * image.width + x) * 3]; }

TEST(ContactSheet, LaysFramesOutRowByRowWithGaps) {
  ContactSheetOptions o;
  o.columns = 2;
  o.cell = 10;
  o.gap = 2;
  const auto sheet = make_contact_sheet({solid(20, 20, 255, 0, 0), solid(20, 20, 0, 255, 0), solid(20, 20, 0, 0, 255)}, o);
  EXPECT_EQ(sheet.width, 2 * 12 + 2);
  EXPECT_EQ(sheet.height, 2 * 12 + 2);
  EXPECT_EQ(pixel(sheet, 0, 0)[0], o.background);          // border
  EXPECT_EQ(pixel(sheet, 2 + 5, 2 + 5)[0], 255);           // first frame, top left
  EXPECT_EQ(pixel(sheet, 14 + 5, 2 + 5)[1], 255);          // second frame, top right
  EXPECT_EQ(pixel(sheet, 2 + 5, 14 + 5)[2], 255);          // third frame, second row
  EXPECT_EQ(pixel(sheet, 14 + 5, 14 + 5)[0], o.background);  // empty cell
}

TEST(ContactSheet, KeepsAspectRatioInsideTheCell) {
  ContactSheetOptions o;
  o.columns = 1;
  o.cell = 10;
  o.gap = 0;
  const auto sheet = make_contact_sheet({solid(40, 20, 200, 200, 200)}, o);  // becomes 10 x 5, centred
  EXPECT_EQ(pixel(sheet, 5, 1)[0], o.background);
  EXPECT_EQ(pixel(sheet, 5, 5)[0], 200);
}

TEST(ContactSheet, ResizeAreaAveragesCoveredPixels) {
  RgbImage checker = solid(2, 2, 0, 0, 0);
  checker.pixels[0] = checker.pixels[9] = 255;  // red of (0,0) and (1,1)
  const auto one = resize_area(checker, 1, 1);
  EXPECT_EQ(one.pixels[0], 128);
  EXPECT_EQ(one.pixels[1], 0);
}

TEST(ContactSheet, RejectsNoFrames) { EXPECT_BRIVL_ERROR(make_contact_sheet({}), "no frames"); }

}  // namespace
}  // namespace brivl
