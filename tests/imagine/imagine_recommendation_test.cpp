// A bundle's imagine.json: its recommended preset, read strictly (a typo is an error naming the
// file and the key, never a silently ignored recipe).
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <filesystem>

#include "imagine/imagine_recommendation.h"
#include "imagine/imagine_settings.h"
#include "model/model_files.h"
#include "test_support.h"

namespace brivl {
namespace {

TEST(ImagineRecommendation, ReadsEveryPresetAndItsReason) {
  for (const auto& name : preset_names()) {
    const auto r = parse_imagine_recommendation("{\"preset\": \"" + name + "\", \"why\": \"because\"}", "x/imagine.json");
    EXPECT_EQ(r.preset, name);
    EXPECT_EQ(r.why, "because");
    EXPECT_EQ(r.file, "x/imagine.json");
  }
  EXPECT_EQ(parse_imagine_recommendation("{\"preset\": \"draft\"}", "f").why, "");
}

TEST(ImagineRecommendation, RefusesWhatIsNotARecipeNamingTheFile) {
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"preset\": \"ultra\"}", "m/imagine.json"), "m/imagine.json",
                     "'ultra'", "draft, normal, best, layout");
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"preset\": 3}", "m/imagine.json"), "m/imagine.json", "\"preset\"");
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"why\": \"no preset\"}", "m/imagine.json"), "\"preset\" must be");
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"preset\": \"layout\", \"steps\": 9}", "m/imagine.json"),
                     "unknown key 'steps'");
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"preset\": \"layout\", \"why\": 1}", "m/imagine.json"),
                     "\"why\" must be a string");
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("[\"layout\"]", "m/imagine.json"), "JSON object");
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"preset\": \"layout\"", "m/imagine.json"), "m/imagine.json",
                     "not valid JSON");
}

TEST(ImagineRecommendation, ABundleHasOneOnlyWhenTheFileIsThere) {
  test::TempDir dir;
  for (const char* name : {"config.yml", "checkpoint.pth", "vocab.txt"}) test::write_bytes(dir.file(name), "x");
  EXPECT_EQ(ModelFiles::resolve(dir.path().string()).imagine, "");
  EXPECT_FALSE(read_imagine_recommendation("").has_value());
  test::write_bytes(dir.file("imagine.json"), "{\"preset\": \"best\"}");
  const auto files = ModelFiles::resolve(dir.path().string());
  EXPECT_EQ(files.imagine, dir.file("imagine.json"));
  EXPECT_EQ(read_imagine_recommendation(files.imagine)->preset, "best");
  EXPECT_BRIVL_ERROR(read_imagine_recommendation(dir.file("gone.json")), "gone.json", "cannot read");
}

// The shipped model draws with the layout preset (MODEL_CARD.md: colour 0.917 / position 0.889
// there, 0.17 / 0.25 with the Fourier image), so its bundle recommends it.
TEST(ImagineRecommendation, TheShippedModelRecommendsTheLayoutPreset) {
  const auto files = ModelFiles::resolve(BRIVL_SHIPPED_MODEL_DIR);
  const auto r = read_imagine_recommendation(files.imagine);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->preset, "layout");
  EXPECT_FALSE(r->why.empty());
  EXPECT_TRUE(ModelFiles::resolve(BRIVL_TEST_MODEL_DIR).imagine.empty());  // the official tiny layout: none
}

}  // namespace
}  // namespace brivl

namespace brivl {
namespace {

// Found by fuzz/fuzz_imagine_settings: a number too large for a double escaped the recipe reader
// as nlohmann's exception; and settings numbers that do not fit their field unchanged (a fraction
// for steps, -1 for the seed, 2^32 + 1 for an int) are refused, not truncated or wrapped.
TEST(ImagineSettingsJson, RefusesNumbersThatDoNotFitTheirField) {
  EXPECT_BRIVL_ERROR(parse_imagine_recommendation("{\"preset\": 1e999999}", "m/imagine.json"), "m/imagine.json",
                     "not valid JSON");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"steps\": 2.7}", "a.png"), "a.png", "'steps'", "out of range");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"steps\": 4294967297}", "a.png"), "'steps'");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"steps\": 1e40}", "a.png"), "'steps'");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"seed\": -1}", "a.png"), "'seed'");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"augment\": {\"cutouts\": 1.5}}", "a.png"), "'cutouts'");
  EXPECT_BRIVL_ERROR(ImagineSettings::from_json("{\"colour_gate\": 1}", "a.png"), "'colour_gate'");
  EXPECT_EQ(ImagineSettings::from_json("{\"seed\": 18446744073709551615}", "a.png").seed, 18446744073709551615ull);
  EXPECT_EQ(ImagineSettings::from_json("{\"lr\": 1}", "a.png").lr, 1.0);  // an integer is a fine real
  EXPECT_EQ(ImagineSettings::from_json("{\"steps\": 300}", "a.png").steps, 300);
}

}  // namespace
}  // namespace brivl
