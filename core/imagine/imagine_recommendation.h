#pragma once
// A model bundle's recommended imagination recipe: `imagine.json` beside config.yml, read like
// Hugging Face's generation_config.json. A model knows best what its image gradient can draw: the
// shipped default model paints recognisable shapes with the layout preset and textures with the
// Fourier image (docs/IMAGINE_QUALITY.md), so its bundle says {"preset": "layout"} and
// `brivl imagine` and the studio use that when the user names no preset. A bundle without the file
// (the released BriVL, a training run) keeps the plain defaults. Torch-free.
#include <optional>
#include <string>

namespace brivl {

struct ImagineRecommendation {
  std::string preset;  // one of preset_names()
  std::string why;     // optional, for people: why this recipe suits the model
  std::string file;    // where it was read
};

// The file name inside a bundle.
inline constexpr const char* kImagineRecommendationFile = "imagine.json";

// Parses the text of an imagine.json; `file` names it in errors. Throws on malformed JSON, an
// unknown key, a missing or wrong-typed "preset" or a preset name that does not exist.
ImagineRecommendation parse_imagine_recommendation(const std::string& text, const std::string& file);
// Reads `file`; nothing when `file` is empty (the bundle has none). Throws like the parser, and
// when the file cannot be read.
std::optional<ImagineRecommendation> read_imagine_recommendation(const std::string& file);

}  // namespace brivl
