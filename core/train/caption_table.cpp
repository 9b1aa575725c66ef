#include "train/caption_table.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "retrieval/file_scan.h"
#include "text/unicode_text.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kImageNames = {"image", "image_path", "path", "file", "filename"};
const std::vector<std::string> kTextNames = {"text", "caption", "texts", "captions"};
constexpr const char* kAcceptedExtensions = ".csv, .tsv, .jsonl or .json-lines";

enum class Format { kCsv, kTsv, kJsonl };

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

// Python str.strip() of valid UTF-8 (ASCII whitespace, U+3000 and the other Unicode spaces).
std::string trimmed(std::string_view utf8) {
  size_t begin = 0, end = utf8.size();
  auto ascii_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (begin < end && ascii_space(utf8[begin])) ++begin;
  while (end > begin && ascii_space(utf8[end - 1])) --end;
  const auto inner = utf8.substr(begin, end - begin);
  const bool ascii_only = std::all_of(inner.begin(), inner.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii_only) return std::string(inner);
  const auto cps = unicode::decode_utf8(inner);
  return unicode::encode_utf8(unicode::python_strip(cps));
}

// The folder relative image paths are resolved against: the data file's, absolute and normal.
fs::path data_dir(const std::string& source) {
  std::error_code ec;
  const auto full = fs::absolute(fs::path(source), ec);
  BRIVL_CHECK(!ec, source, ": cannot make the path absolute (", ec.message(), ")");
  return full.lexically_normal().parent_path();
}

Format format_of(const std::string& path) {
  const auto ext = ascii_lower(fs::path(path).extension().string());
  if (ext == ".csv") return Format::kCsv;
  if (ext == ".tsv") return Format::kTsv;
  if (ext == ".jsonl" || ext == ".json-lines") return Format::kJsonl;
  BRIVL_FAIL(path, ": unsupported caption file type", ext.empty() ? std::string(" (no extension)") : " \"" + ext + "\"",
             "; expected ", kAcceptedExtensions);
}

// Lines ending at "\n", "\r\n" or "\r"; line i (0-based) is line i + 1 of the file.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

struct Record {
  std::vector<std::string> fields;
  int64_t line = 0;           // line of the file where the record starts
  bool blank = false;         // an empty or whitespace-only line (ignored)
  bool unterminated = false;  // a quoted field still open at the end of the file
};

// RFC 4180 with Python csv's leniency: a quote inside an unquoted field is literal, text after a
// closing quote is appended to the field.
std::vector<Record> parse_csv(std::string_view s) {
  std::vector<Record> records;
  size_t i = 0;
  int64_t line = 1;
  const size_t n = s.size();
  while (i < n) {
    Record record;
    record.line = line;
    std::string field;
    bool in_quotes = false, field_start = true, any_quote = false;
    while (true) {
      if (i >= n) {
        record.unterminated = in_quotes;
        record.fields.push_back(std::move(field));
        break;
      }
      const char c = s[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < n && s[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            in_quotes = false;
            ++i;
          }
          continue;
        }
        if (c == '\n' || (c == '\r' && !(i + 1 < n && s[i + 1] == '\n'))) ++line;
        field += c;
        ++i;
      } else if (c == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
        field_start = true;
        ++i;
      } else if (c == '\n' || c == '\r') {
        record.fields.push_back(std::move(field));
        i += (c == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
        ++line;
        break;
      } else if (c == '"' && field_start) {
        in_quotes = any_quote = true;
        field_start = false;
        ++i;
      } else {
        field += c;
        field_start = false;
        ++i;
      }
    }
    record.blank = !any_quote && record.fields.size() == 1 && is_blank(record.fields[0]);
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<Record> parse_tsv(std::string_view s) {
  std::vector<Record> records;
  const auto lines = split_lines(s);
  for (size_t i = 0; i < lines.size(); ++i) {
    Record record;
    record.line = static_cast<int64_t>(i) + 1;
    record.blank = is_blank(lines[i]);
    size_t start = 0;
    for (size_t j = 0; j <= lines[i].size(); ++j) {
      if (j == lines[i].size() || lines[i][j] == '\t') {
        record.fields.emplace_back(lines[i].substr(start, j - start));
        start = j + 1;
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

// Accumulates rows into a CaptionTable: validation, resolution, grouping, de-duplication.
class TableBuilder {
 public:
  TableBuilder(const std::string& path, const CaptionTableOptions& options)
      : options_(options), base_(data_dir(path)), label_(fs::path(path).filename().string()) {
    table_.source = path;
  }

  std::string where(int64_t line) const { return label_ + ":" + std::to_string(line); }
  void skip(const char* reason, int64_t line, const std::string& detail = "") {
    table_.skipped.add(reason, detail.empty() ? where(line) : where(line) + ": " + detail);
  }

  // One row: its image field and its caption(s) as written (no caption at all: an empty text).
  void add(int64_t line, const std::string& image_field, const std::vector<std::string>& text_fields) {
    const auto image = trimmed(image_field);
    if (image.empty()) return skip(skip_reason::kMissingImage, line);
    std::vector<std::string> captions;
    for (const auto& field : text_fields) {
      auto text = trimmed(field);
      if (text.empty()) {
        skip(skip_reason::kEmptyText, line);
      } else {
        captions.push_back(std::move(text));
      }
    }
    if (text_fields.empty()) skip(skip_reason::kEmptyText, line);
    if (captions.empty()) return;

    const fs::path written(image);
    const auto resolved = (written.is_absolute() ? written : base_ / written).lexically_normal().string();
    auto found = index_.find(resolved);
    if (found == index_.end()) {
      if (options_.check_files_exist) {
        std::error_code ec;
        if (!fs::is_regular_file(resolved, ec)) return skip(skip_reason::kMissingImageFile, line, image);
      }
      found = index_.emplace(resolved, table_.images.size()).first;
      table_.images.push_back(resolved);
      table_.texts.emplace_back();
      table_.lines.push_back(line);
    }
    auto& texts = table_.texts[found->second];
    for (auto& caption : captions) {
      if (std::find(texts.begin(), texts.end(), caption) != texts.end()) {
        skip(skip_reason::kDuplicateCaption, line);
      } else {
        texts.push_back(std::move(caption));
      }
    }
  }

  CaptionTable finish(bool had_rows) {
    const auto& path = table_.source;
    BRIVL_CHECK(had_rows || !table_.skipped.empty(), path, ": no data rows (only a header or blank lines)");
    BRIVL_CHECK(!table_.images.empty(), path, ": no usable rows (", table_.skipped.summary(), ")");
    return std::move(table_);
  }

 private:
  CaptionTableOptions options_;
  fs::path base_;
  std::string label_;
  CaptionTable table_;
  std::unordered_map<std::string, size_t> index_;
};

// The single header column named by one of `names`; an error naming the header when none or
// several match.
size_t find_column(const std::string& path, const std::vector<std::string>& header,
                   const std::vector<std::string>& names, const char* role) {
  std::vector<size_t> matches;
  for (size_t i = 0; i < header.size(); ++i) {
    if (std::find(names.begin(), names.end(), ascii_lower(trimmed(header[i]))) != names.end()) matches.push_back(i);
  }
  std::vector<std::string> quoted;
  for (const auto& name : header) quoted.push_back("\"" + name + "\"");
  BRIVL_CHECK(!matches.empty(), path, ": no ", role, " column in the header (found ", joined(quoted, ", "),
              "; expected one of ", joined(names, ", "), ", any case)");
  if (matches.size() > 1) {
    std::vector<std::string> several;
    for (size_t i : matches) several.push_back("\"" + header[i] + "\"");
    BRIVL_FAIL(path, ": several ", role, " columns in the header (", joined(several, ", "), "); keep only one");
  }
  return matches[0];
}

CaptionTable read_delimited(const std::string& path, std::string_view bytes, Format format,
                            const CaptionTableOptions& options) {
  const auto records = format == Format::kCsv ? parse_csv(bytes) : parse_tsv(bytes);
  size_t first = 0;
  while (first < records.size() && records[first].blank) ++first;
  BRIVL_CHECK(first < records.size(), path, ": no header row (the file is empty)");
  const auto& header = records[first].fields;
  BRIVL_CHECK(!records[first].unterminated, path, ":", records[first].line, ": unterminated quote in the header");
  const size_t image_column = find_column(path, header, kImageNames, "image");
  const size_t text_column = find_column(path, header, kTextNames, "text");

  TableBuilder builder(path, options);
  bool had_rows = false;
  for (size_t r = first + 1; r < records.size(); ++r) {
    const auto& record = records[r];
    if (record.blank) continue;
    had_rows = true;
    if (record.unterminated) {
      builder.skip(skip_reason::kUnterminatedQuote, record.line);
      continue;
    }
    if (record.fields.size() != header.size()) {
      builder.skip(skip_reason::kWrongColumnCount, record.line,
                   std::to_string(record.fields.size()) + " fields, the header has " + std::to_string(header.size()));
      continue;
    }
    const bool utf8 = std::all_of(record.fields.begin(), record.fields.end(),
                                  [](const std::string& f) { return unicode::is_valid_utf8(f); });
    if (!utf8) {
      builder.skip(skip_reason::kNotUtf8, record.line);
      continue;
    }
    builder.add(record.line, record.fields[image_column], {record.fields[text_column]});
  }
  return builder.finish(had_rows);
}

// The value of the first key (case-insensitive) among `names` in `object`, or nullptr.
const nlohmann::json* find_key(const nlohmann::json& object, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (ascii_lower(it.key()) == name) return &it.value();
    }
  }
  return nullptr;
}

CaptionTable read_jsonl(const std::string& path, std::string_view bytes, const CaptionTableOptions& options) {
  TableBuilder builder(path, options);
  bool had_rows = false;
  const auto lines = split_lines(bytes);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int64_t line = static_cast<int64_t>(i) + 1;
    const auto text = lines[i];
    if (is_blank(text)) continue;
    had_rows = true;
    const auto row = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded() || !row.is_object()) {
      builder.skip(skip_reason::kMalformedJson, line,
                   row.is_discarded() ? "" : std::string("a JSON ") + row.type_name());
      continue;
    }
    const auto* image = find_key(row, kImageNames);
    if (image == nullptr || image->is_null()) {
      builder.skip(skip_reason::kMissingImage, line);
      continue;
    }
    if (!image->is_string()) {
      builder.skip(skip_reason::kWrongFieldType, line, std::string("image is a ") + image->type_name());
      continue;
    }
    const auto* value = find_key(row, kTextNames);
    std::vector<std::string> texts;
    if (value != nullptr && value->is_string()) {
      texts.push_back(value->get<std::string>());
    } else if (value != nullptr && value->is_array()) {
      for (const auto& element : *value) {
        if (element.is_string()) {
          texts.push_back(element.get<std::string>());
        } else {
          builder.skip(skip_reason::kWrongFieldType, line, std::string("text is a ") + element.type_name());
        }
      }
      if (texts.empty() && !value->empty()) continue;  // only wrong types, already reported
    } else if (value != nullptr && !value->is_null()) {
      builder.skip(skip_reason::kWrongFieldType, line, std::string("text is a ") + value->type_name());
      continue;
    }
    builder.add(line, image->get<std::string>(), texts);
  }
  return builder.finish(had_rows);
}

std::string csv_field(const std::string& value) {
  const bool plain = value.find_first_of(",\"\r\n") == std::string::npos && !value.empty() && value.front() != ' ' &&
                     value.back() != ' ';
  if (plain) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Hash of (seed, key) in [0, 1): FNV-1a over the key from a seed-derived state, SplitMix64 finish.
double unit_hash(uint64_t seed, const std::string& key) {
  uint64_t h = splitmix64(seed);
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ULL;
  return static_cast<double>(splitmix64(h) >> 11) * 0x1.0p-53;
}

}  // namespace

void SkipReport::add(const std::string& reason, const std::string& where) {
  ++counts[reason];
  auto& list = examples[reason];
  if (list.size() < kMaxExamples) list.push_back(where);
}

int64_t SkipReport::total() const {
  int64_t sum = 0;
  for (const auto& [reason, count] : counts) sum += count;
  return sum;
}

std::string SkipReport::summary() const {
  if (counts.empty()) return "no rows skipped";
  std::vector<std::pair<std::string, int64_t>> order(counts.begin(), counts.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const int64_t all = total();
  std::string out = "skipped " + std::to_string(all) + (all == 1 ? " row: " : " rows: ");
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [reason, count] = order[i];
    out += (i ? ", " : "") + std::to_string(count) + " " + reason;
    const auto found = examples.find(reason);
    if (found == examples.end() || found->second.empty()) continue;
    out += " (" + joined(found->second, ", ");
    if (count > static_cast<int64_t>(found->second.size())) out += ", …";
    out += ")";
  }
  return out;
}

int64_t CaptionTable::pairs() const {
  int64_t sum = 0;
  for (const auto& t : texts) sum += static_cast<int64_t>(t.size());
  return sum;
}

std::string CaptionTable::location(size_t index) const {
  const auto label = fs::path(source).filename().string();
  if (index >= lines.size()) return label;
  return label + ":" + std::to_string(lines[index]);
}

CaptionTable read_caption_table(const std::string& path, const CaptionTableOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return folder_caption_table(path);
  const Format format = format_of(path);
  const std::string bytes = read_file(path);
  const bool utf16 = bytes.compare(0, 2, "\xFF\xFE") == 0 || bytes.compare(0, 2, "\xFE\xFF") == 0;
  BRIVL_CHECK(!utf16, path, ": the file is UTF-16 encoded; save it as UTF-8");
  std::string_view text(bytes);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  if (format == Format::kJsonl) return read_jsonl(path, text, options);
  return read_delimited(path, text, format, options);
}

CaptionTable folder_caption_table(const std::string& dir) {
  auto scan = scan_images({dir});
  CaptionTable table;
  table.source = dir;
  for (const auto& [file, reason] : scan.problems) table.skipped.add(reason, file);
  for (const auto& f : scan.files) {
    const auto stem = fs::path(f.path).stem().string();
    table.images.push_back(f.path);
    table.texts.push_back({stem.empty() ? fs::path(f.path).filename().string() : stem});
    table.lines.push_back(static_cast<int64_t>(table.images.size()));
  }
  BRIVL_CHECK(!table.images.empty(), dir, ": no image files in this folder (jpg, png, webp, bmp, tif, gif)");
  return table;
}

void write_caption_csv(const std::string& path, const CaptionTable& table) {
  const fs::path out_dir = data_dir(path);
  std::string out = "image,text\n";
  for (size_t i = 0; i < table.images.size(); ++i) {
    std::error_code ec;
    fs::path image = fs::absolute(fs::path(table.images[i]), ec).lexically_normal();
    if (ec) image = fs::path(table.images[i]);
    std::string written = image.string();
    const auto relative = image.lexically_relative(out_dir);
    if (!relative.empty() && *relative.begin() != ".." && relative != ".") written = relative.generic_string();
    const auto image_field = csv_field(written);
    for (size_t j = 0; i < table.texts.size() && j < table.texts[i].size(); ++j) {
      out += image_field + "," + csv_field(table.texts[i][j]) + "\n";
    }
  }
  write_file_atomically(path, out);
}

CaptionSplit split_caption_table(const CaptionTable& table, double validation_fraction, uint64_t seed) {
  BRIVL_CHECK(validation_fraction >= 0.0 && validation_fraction < 1.0, table.source,
              ": validation fraction must be in [0, 1), got ", validation_fraction);
  const size_t n = table.images.size();
  const fs::path base = table.source.empty() ? fs::path() : data_dir(table.source);
  std::vector<double> u(n);
  std::vector<bool> to_validation(n);
  size_t validation_count = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string key = table.images[i];
    if (!base.empty()) {
      const auto relative = fs::path(key).lexically_relative(base);
      if (!relative.empty()) key = relative.generic_string();
    }
    u[i] = unit_hash(seed, key);
    to_validation[i] = u[i] < validation_fraction;
    validation_count += to_validation[i];
  }
  if (validation_fraction > 0.0 && n >= 2) {
    if (validation_count == 0) {
      to_validation[std::min_element(u.begin(), u.end()) - u.begin()] = true;
    } else if (validation_count == n) {
      to_validation[std::max_element(u.begin(), u.end()) - u.begin()] = false;
    }
  }
  CaptionSplit split;
  split.train.source = split.validation.source = table.source;
  for (size_t i = 0; i < n; ++i) {
    auto& side = to_validation[i] ? split.validation : split.train;
    side.images.push_back(table.images[i]);
    side.texts.push_back(i < table.texts.size() ? table.texts[i] : std::vector<std::string>{});
    side.lines.push_back(i < table.lines.size() ? table.lines[i] : 0);
  }
  return split;
}

}  // namespace brivl
