#pragma once
// The studio's persistent history of finished imaginations: one folder, one PNG per run with its
// settings embedded (the same file an export writes, so `brivl imagine --replay` and dropping it
// on the studio work on it) and a small `<id>.run.json` with how the run went (final similarity,
// time, the similarity curve). Torch-free; writes are atomic, so a crash leaves whole entries.
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "imagine/imagine_settings.h"
#include "vision/image_decode.h"

namespace brivl {

// How a run went; what the history shows next to its image.
struct ImagineOutcome {
  double similarity = std::numeric_limits<double>::quiet_NaN();         // clean image, last step
  double robust_similarity = std::numeric_limits<double>::quiet_NaN();  // held-out views, last step
  double seconds = 0;                                                   // wall clock of the run
  std::vector<std::pair<int, double>> curve;                            // (step, similarity)
};

struct HistoryEntry {
  std::string id;          // "20261129-001512-s42" (UTC time of the run's end, seed)
  std::string image_path;  // <folder>/<id>.png, settings embedded
  std::string created;     // "2026-11-29T00:15:12.345Z" (no run record: the file's time)
  std::string settings_json;
  ImagineSettings settings;
  ImagineOutcome outcome;  // defaults when <id>.run.json is missing
};

struct HistoryListing {
  std::vector<HistoryEntry> entries;  // newest first (by `created`)
  std::vector<std::string> problems;  // "file: why" for PNGs in the folder that are not entries
};

class ImaginationHistory {
 public:
  // Creates the folder if needed (throws naming it when that fails).
  explicit ImaginationHistory(std::string folder);

  const std::string& folder() const { return folder_; }
  // Stores a finished run; returns its entry. The id is unique in the folder.
  HistoryEntry add(const RgbImage& image, const std::string& settings_json, const ImagineOutcome& outcome,
                   std::chrono::system_clock::time_point when = std::chrono::system_clock::now());
  HistoryListing list() const;
  // Deletes the entry's files. Throws naming the id when there is no such entry.
  void remove(const std::string& id);

 private:
  std::string path_for(const std::string& id, const char* suffix) const;
  std::string folder_;
};

}  // namespace brivl
