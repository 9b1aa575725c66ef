#include "imagine/imagination_history.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "export/image_export.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kImageSuffix = ".png";
constexpr const char* kRunSuffix = ".run.json";

std::string utc_text(std::chrono::system_clock::time_point when, const char* format) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

// "2026-11-29T00:15:12.345Z": milliseconds, so runs ending within one second still sort by time.
std::string created_text(std::chrono::system_clock::time_point when) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(ms < 0 ? ms + 1000 : ms));
  return utc_text(when, "%Y-%m-%dT%H:%M:%S") + fraction;
}

// NaN is not JSON: absent values are written as null.
json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double number_or_nan(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
}

json outcome_json(const ImagineOutcome& o, const std::string& created) {
  json curve = json::array();
  for (const auto& [step, sim] : o.curve) curve.push_back({step, number_or_null(sim)});
  return {{"created", created},
          {"similarity", number_or_null(o.similarity)},
          {"robust_similarity", number_or_null(o.robust_similarity)},
          {"seconds", o.seconds},
          {"curve", curve}};
}

void read_outcome(const std::string& path, HistoryEntry& entry) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return;
  const json j = json::parse(read_file(path), nullptr, false);
  BRIVL_CHECK(j.is_object(), path, ": not a JSON object (expected the run record of a history entry)");
  entry.created = j.value("created", std::string());
  entry.outcome.similarity = number_or_nan(j, "similarity");
  entry.outcome.robust_similarity = number_or_nan(j, "robust_similarity");
  entry.outcome.seconds = j.contains("seconds") && j["seconds"].is_number() ? j["seconds"].get<double>() : 0.0;
  if (j.contains("curve") && j["curve"].is_array()) {
    for (const auto& point : j["curve"]) {
      BRIVL_CHECK(point.is_array() && point.size() == 2 && point[0].is_number_integer(), path,
                  ": \"curve\" must hold [step, similarity] pairs");
      entry.outcome.curve.emplace_back(point[0].get<int>(), point[1].is_number() ? point[1].get<double>() : std::nan(""));
    }
  }
}

// An id names files in the folder: nothing that could leave it.
void check_id(const std::string& id) {
  BRIVL_CHECK(!id.empty() && id.find('/') == std::string::npos && id.find('\\') == std::string::npos && id != "." &&
                  id != "..",
              "not a history entry id: \"", id, "\"");
}

}  // namespace

ImaginationHistory::ImaginationHistory(std::string folder) : folder_(std::move(folder)) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  BRIVL_CHECK(!ec && fs::is_directory(folder_), folder_, ": cannot create the imagination history folder (",
              ec ? ec.message() : "not a folder", ")");
}

std::string ImaginationHistory::path_for(const std::string& id, const char* suffix) const {
  return (fs::path(folder_) / (id + suffix)).string();
}

HistoryEntry ImaginationHistory::add(const RgbImage& image, const std::string& settings_json,
                                     const ImagineOutcome& outcome, std::chrono::system_clock::time_point when) {
  HistoryEntry e;
  e.settings = ImagineSettings::from_json(settings_json, "the imagination's settings");
  e.settings_json = settings_json;
  e.outcome = outcome;
  e.created = created_text(when);
  const std::string base = utc_text(when, "%Y%m%d-%H%M%S") + "-s" + std::to_string(e.settings.seed);
  e.id = base;
  std::error_code ec;
  for (int n = 2; fs::exists(path_for(e.id, kImageSuffix), ec) || fs::exists(path_for(e.id, kRunSuffix), ec); ++n) {
    e.id = base + "-" + std::to_string(n);
  }
  e.image_path = path_for(e.id, kImageSuffix);
  // The record first: the PNG is what makes an entry, so a crash in between leaves no half entry
  // in the listing (only a stray record, which the next add with that id skips past).
  write_file_atomically(path_for(e.id, kRunSuffix), outcome_json(outcome, e.created).dump(1));
  try {
    write_image_with_settings(e.image_path, image, settings_json);
  } catch (...) {
    fs::remove(path_for(e.id, kRunSuffix), ec);
    throw;
  }
  return e;
}

HistoryListing ImaginationHistory::list() const {
  HistoryListing out;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(folder_, ec)) {
    const fs::path& p = item.path();
    std::error_code file_ec;  // per file: a dangling link is no entry, not a failed listing
    if (p.extension() != kImageSuffix || !item.is_regular_file(file_ec)) continue;
    HistoryEntry e;
    e.id = p.stem().string();
    e.image_path = p.string();
    try {
      const auto settings = read_image_settings(e.image_path);
      BRIVL_CHECK(settings.has_value(), "no BriVL settings in it");
      e.settings = ImagineSettings::from_json(*settings, e.image_path);
      e.settings_json = *settings;
    } catch (const std::exception& error) {
      out.problems.push_back(p.filename().string() + ": " + error.what());
      continue;
    }
    try {  // a damaged record loses the outcome, not the image and its settings
      read_outcome(path_for(e.id, kRunSuffix), e);
    } catch (const std::exception& error) {
      e.outcome = {};
      out.problems.push_back(e.id + kRunSuffix + ": " + error.what());
    }
    if (e.created.empty()) {  // no record (a PNG copied in): the file's time stands for it
      const auto written = fs::last_write_time(p, file_ec);
      if (!file_ec) {
        e.created = created_text(std::chrono::time_point_cast<std::chrono::system_clock::duration>(
            written - fs::file_time_type::clock::now() + std::chrono::system_clock::now()));
      }
    }
    out.entries.push_back(std::move(e));
  }
  BRIVL_CHECK(!ec, folder_, ": cannot list the imagination history (", ec.message(), ")");
  // Newest first by creation time (ISO 8601 UTC with milliseconds sorts as text); on a tie the
  // later of two adds has the longer id ("-2", "-3", …), then by name.
  std::sort(out.entries.begin(), out.entries.end(), [](const HistoryEntry& a, const HistoryEntry& b) {
    if (a.created != b.created) return a.created > b.created;
    if (a.id.size() != b.id.size()) return a.id.size() > b.id.size();
    return a.id > b.id;
  });
  std::sort(out.problems.begin(), out.problems.end());
  return out;
}

void ImaginationHistory::remove(const std::string& id) {
  check_id(id);
  std::error_code ec;
  const std::string image = path_for(id, kImageSuffix);
  BRIVL_CHECK(fs::exists(image, ec), "no imagination \"", id, "\" in the history (", folder_, ")");
  BRIVL_CHECK(fs::remove(image, ec) && !ec, image, ": cannot delete (", ec.message(), ")");
  fs::remove(path_for(id, kRunSuffix), ec);  // older entries may have none
}

}  // namespace brivl
