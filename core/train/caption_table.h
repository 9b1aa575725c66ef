#pragma once
// The trainer's training data: image–text pairs from a CSV, TSV or JSONL file (torch-free).
//
// Formats (chosen by extension, any case):
//   .csv                 RFC 4180 (quoted fields, doubled quotes, commas and newlines inside quotes),
//                        header row required
//   .tsv                 tab-separated, no quoting, header row required
//   .jsonl / .json-lines one JSON object per line, blank lines ignored
// Files are UTF-8 (an optional byte order mark is skipped; UTF-16 is refused with a hint); line
// ends "\n", "\r\n" and "\r" are all accepted.
//
// Columns / keys (case-insensitive): the image is one of image, image_path, path, file, filename;
// the text one of text, caption, texts, captions. In CSV/TSV exactly one header column may match
// each role (other columns are ignored). In JSONL the first key present in that order is used and
// the text may be a string or an array of strings. Several captions per image come from several
// rows naming the same image and/or from a text array.
//
// Relative image paths are resolved against the data file's folder; every image path in a table
// is absolute and lexically normal, so "./a.png" and "a.png" are the same image.
//
// Bad rows are skipped, counted and reported (SkipReport), never an exception: see the reason
// constants below. Errors that concern the whole file (unknown extension, unreadable file, no
// header, missing or ambiguous column, no usable row at all) throw brivl::Error naming the file.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/splitmix.h"  // splitmix64, used for the split

namespace brivl {

// Reasons a row (or one caption of a row) is skipped. Also the keys of SkipReport::counts.
namespace skip_reason {
inline constexpr const char* kEmptyText = "empty text";                  // missing/blank text after trimming
inline constexpr const char* kMissingImage = "missing image";            // image field missing or blank
inline constexpr const char* kMissingImageFile = "missing image file";   // no such file (or not a file)
inline constexpr const char* kWrongColumnCount = "wrong column count";   // CSV/TSV row vs header
inline constexpr const char* kUnterminatedQuote = "unterminated quote";  // CSV quote open at end of file
inline constexpr const char* kMalformedJson = "malformed JSON";          // unparsable line or not an object
inline constexpr const char* kWrongFieldType = "wrong field type";       // JSON image/text not a string
inline constexpr const char* kNotUtf8 = "not UTF-8";                     // CSV/TSV row with invalid UTF-8
inline constexpr const char* kDuplicateCaption = "duplicate caption";    // same text again for an image
}  // namespace skip_reason

// Counts per reason and the first few examples of each. Not thread-safe.
struct SkipReport {
  static constexpr size_t kMaxExamples = 5;  // examples kept per reason

  std::map<std::string, int64_t> counts;                     // reason -> number of skipped rows
  std::map<std::string, std::vector<std::string>> examples;  // reason -> first kMaxExamples `where`s

  // `where` is free text, by convention "file:line" or "file:line: detail" (e.g. the image path).
  void add(const std::string& reason, const std::string& where);
  int64_t total() const;
  bool empty() const { return counts.empty(); }
  // "skipped 3 rows: 2 missing image file (captions.csv:4: images/a.png, captions.csv:7:
  // images/b.png), 1 empty text (captions.csv:9)"; reasons by count (descending), then name; "…"
  // ends an example list that is shorter than its count. "no rows skipped" when empty.
  std::string summary() const;
};

struct CaptionTable {
  std::string source;                           // the data file as given to read_caption_table
  std::vector<std::string> images;              // distinct images (absolute paths), first-seen order
  std::vector<std::vector<std::string>> texts;  // per image: its captions, de-duplicated, order kept
  std::vector<int64_t> lines;                   // per image: line of the data file where it first appears
  SkipReport skipped;

  int64_t pairs() const;  // number of (image, caption) pairs
  // "captions.csv:4" for image `index` (file name only), for messages about that image.
  std::string location(size_t index) const;
};

struct CaptionTableOptions {
  bool check_files_exist = true;  // skip rows whose image is not an existing file (existence only)
};

// A folder instead of a file: every image under it (recursively, see scan_images), captioned by
// its file name without the extension (for image-only work such as `brivl robustify`).
CaptionTable read_caption_table(const std::string& path, const CaptionTableOptions& options = {});
// The table of a folder of images as described above; a folder without images is an error naming it.
CaptionTable folder_caption_table(const std::string& dir);

// Writes `table` as CSV with header "image,text", one row per (image, caption), UTF-8 without BOM,
// "\n" line ends, quoting fields that need it. An image inside the output file's folder is written
// relative to it, any other as its absolute path (so the file stays valid if a run folder moves).
// Atomic (write_file_atomically); reading it back gives the same images and captions.
void write_caption_csv(const std::string& path, const CaptionTable& table);

// Deterministic split by image: every caption of an image goes to the same side. An image goes to
// validation when a hash of (seed, its path relative to the data file's folder) falls below
// `validation_fraction`, so the split does not depend on where the data set lives, on the order of
// rows or on the standard library, and an image keeps its side when others are added. With a
// fraction > 0 and at least two images both sides get at least one image. `validation_fraction`
// must be in [0, 1) (else brivl::Error). Both halves keep `source`; their `skipped` are empty (the
// report belongs to the table that was read).
struct CaptionSplit {
  CaptionTable train, validation;
};
CaptionSplit split_caption_table(const CaptionTable& table, double validation_fraction, uint64_t seed);

}  // namespace brivl
