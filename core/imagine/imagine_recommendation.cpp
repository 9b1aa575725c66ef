#include "imagine/imagine_recommendation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "imagine/imagine_settings.h"
#include "util/error.h"

namespace brivl {

ImagineRecommendation parse_imagine_recommendation(const std::string& text, const std::string& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers too large to hold
    BRIVL_FAIL(file, ": not valid JSON (", e.what(), "); expected {\"preset\": \"layout\"}");
  }
  BRIVL_CHECK(j.is_object(), file, ": expected a JSON object such as {\"preset\": \"layout\"}");
  for (const auto& [key, value] : j.items())
    BRIVL_CHECK(key == "preset" || key == "why", file, ": unknown key '", key, "' (expected \"preset\" and optionally \"why\")");
  BRIVL_CHECK(j.contains("preset") && j["preset"].is_string(), file,
              ": \"preset\" must be a string naming a preset (draft, normal, best, layout)");
  ImagineRecommendation r;
  r.file = file;
  r.preset = j["preset"].get<std::string>();
  const auto& names = preset_names();
  BRIVL_CHECK(std::find(names.begin(), names.end(), r.preset) != names.end(), file, ": \"preset\" '", r.preset,
              "' is not one of draft, normal, best, layout");
  if (j.contains("why")) {
    BRIVL_CHECK(j["why"].is_string(), file, ": \"why\" must be a string");
    r.why = j["why"].get<std::string>();
  }
  return r;
}

std::optional<ImagineRecommendation> read_imagine_recommendation(const std::string& file) {
  if (file.empty()) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  BRIVL_CHECK(in, file, ": cannot read the model's imagination recipe");
  std::ostringstream text;
  text << in.rdbuf();
  BRIVL_CHECK(!in.bad(), file, ": cannot read the model's imagination recipe");
  return parse_imagine_recommendation(text.str(), file);
}

}  // namespace brivl
