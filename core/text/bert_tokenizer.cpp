#include "text/bert_tokenizer.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include "text/unicode_text.h"
#include "util/error.h"

namespace brivl {
namespace {

// BertTokenizer's all_special_tokens, in HF order. They are split out of the raw text no matter
// whether the vocab contains them; [MASK] is not required to be in the vocab.
constexpr std::array<std::u32string_view, 5> kSpecialTokens = {U"[UNK]", U"[SEP]", U"[PAD]",
                                                               U"[CLS]", U"[MASK]"};
constexpr std::array<const char*, 5> kSpecialTokensUtf8 = {"[UNK]", "[SEP]", "[PAD]", "[CLS]",
                                                           "[MASK]"};
constexpr const char* kUnkToken = "[UNK]";

// Ref: transformers/models/bert/tokenization_bert.py _is_whitespace
bool is_bert_whitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || unicode::is_space_separator(c);
}

// Ref: tokenization_bert.py _is_control (every "C*" category except \t \n \r)
bool is_bert_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return unicode::is_other_category(c);
}

// Ref: tokenization_bert.py _is_punctuation (all non-alphanumeric ASCII counts, e.g. ^ $ `)
bool is_bert_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  return c >= 0x80 && unicode::is_punctuation_category(c);
}

// Ref: tokenization_bert.py BasicTokenizer._is_chinese_char (CJK Unified Ideographs blocks only;
// kana, hangul and CJK punctuation are deliberately not included).
bool is_cjk_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Index into kSpecialTokens of the special token starting at text[pos], or -1.
int match_special_token(std::u32string_view text, size_t pos) {
  if (text[pos] != U'[') return -1;
  for (size_t i = 0; i < kSpecialTokens.size(); ++i) {
    if (text.compare(pos, kSpecialTokens[i].size(), kSpecialTokens[i]) == 0) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool is_special_token(std::u32string_view word) {
  return std::find(kSpecialTokens.begin(), kSpecialTokens.end(), word) != kSpecialTokens.end();
}

bool should_strip_accents(const BertTokenizerOptions& options) {
  // Ref: BasicTokenizer.tokenize: lower-casing strips accents unless strip_accents is False;
  // without lower-casing only an explicit strip_accents=True strips.
  return options.lower_case ? options.strip_accents.value_or(true)
                            : options.strip_accents.value_or(false);
}

// Tokenizes the text between special tokens. Holds scratch buffers so one tokenize() call does
// not allocate per character or per word once the buffers have grown.
class PieceTokenizer {
 public:
  PieceTokenizer(const std::unordered_map<std::string, int64_t>& vocab,
                 const BertTokenizerOptions& options, size_t max_token_bytes,
                 std::vector<std::string>& out)
      : vocab_(vocab), options_(options), max_token_bytes_(max_token_bytes), out_(out) {}

  void run(std::u32string_view piece);

 private:
  void normalize(std::u32string_view piece);
  void append_cleaned(char32_t c);
  void basic_tokenize_word(std::u32string_view word);
  std::u32string_view strip_accents(std::u32string_view word);
  void split_on_punctuation(std::u32string_view word);
  void wordpiece(std::u32string_view word);

  const std::unordered_map<std::string, int64_t>& vocab_;
  const BertTokenizerOptions& options_;
  size_t max_token_bytes_;
  std::vector<std::string>& out_;
  std::u32string normalized_;
  std::u32string lowered_;
  std::u32string stripped_;
  std::string word_utf8_;
  std::vector<size_t> offsets_;
  std::string key_;
};

// Ref: BertTokenizer._tokenize -> BasicTokenizer.tokenize -> WordpieceTokenizer.tokenize.
void PieceTokenizer::run(std::u32string_view piece) {
  normalize(piece);
  // Ref: whitespace_tokenize (str.strip().split()): splits on Python's isspace set, so U+2028
  // and U+2029, which _clean_text keeps (categories Zl/Zp), still separate words.
  const std::u32string_view text(normalized_);
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && unicode::is_python_space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !unicode::is_python_space(text[i])) ++i;
    if (i > start) basic_tokenize_word(text.substr(start, i - start));
  }
}

// Lower-casing happens before BasicTokenizer, one character at a time: PreTrainedTokenizer.tokenize
// lower-cases through re.sub(r"(<specials>)|(.+?)", ...) whose lazy `.+?` matches single
// characters, so Python's final-sigma rule never applies. Then _clean_text and
// _tokenize_chinese_chars run on the lowered characters.
void PieceTokenizer::normalize(std::u32string_view piece) {
  normalized_.clear();
  for (char32_t c : piece) {
    if (!options_.lower_case || c < 0x80) {
      append_cleaned(options_.lower_case && c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c);
      continue;
    }
    lowered_.clear();
    unicode::append_lower(c, lowered_);
    for (char32_t l : lowered_) append_cleaned(l);
  }
}

// Ref: BasicTokenizer._clean_text and BasicTokenizer._tokenize_chinese_chars
void PieceTokenizer::append_cleaned(char32_t c) {
  if (c == 0 || c == unicode::kReplacementChar || is_bert_control(c)) return;
  if (is_bert_whitespace(c)) {
    normalized_.push_back(U' ');
  } else if (options_.tokenize_chinese_chars && is_cjk_char(c)) {
    normalized_.push_back(U' ');
    normalized_.push_back(c);
    normalized_.push_back(U' ');
  } else {
    normalized_.push_back(c);
  }
}

// Ref: BasicTokenizer.tokenize loop body. The word-level token.lower() is skipped: the text was
// already lower-cased per character and Python's lower() is idempotent on such text. The final
// whitespace_tokenize(" ".join(...)) only drops empty pieces, which the callees never emit.
void PieceTokenizer::basic_tokenize_word(std::u32string_view word) {
  if (is_special_token(word)) {  // never_split (only reachable when lower_case is false)
    wordpiece(word);
    return;
  }
  if (should_strip_accents(options_)) word = strip_accents(word);
  split_on_punctuation(word);
}

// Ref: BasicTokenizer._run_strip_accents (NFD, then drop category Mn)
std::u32string_view PieceTokenizer::strip_accents(std::u32string_view word) {
  const bool ascii = std::all_of(word.begin(), word.end(), [](char32_t c) { return c < 0x80; });
  if (ascii) return word;
  stripped_.clear();
  unicode::append_nfd(word, stripped_);
  stripped_.erase(std::remove_if(stripped_.begin(), stripped_.end(), unicode::is_nonspacing_mark),
                  stripped_.end());
  return stripped_;
}

// Ref: BasicTokenizer._run_split_on_punc (each punctuation char becomes its own token)
void PieceTokenizer::split_on_punctuation(std::u32string_view word) {
  size_t start = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    if (!is_bert_punctuation(word[i])) continue;
    if (i > start) wordpiece(word.substr(start, i - start));
    wordpiece(word.substr(i, 1));
    start = i + 1;
  }
  if (start < word.size()) wordpiece(word.substr(start));
}

// Ref: WordpieceTokenizer.tokenize (greedy longest-match-first; any unmatched position turns
// the whole word into a single [UNK])
void PieceTokenizer::wordpiece(std::u32string_view word) {
  if (static_cast<int64_t>(word.size()) > options_.max_input_chars_per_word) {
    out_.emplace_back(kUnkToken);
    return;
  }
  word_utf8_.clear();
  offsets_.clear();
  for (char32_t c : word) {
    offsets_.push_back(word_utf8_.size());
    unicode::append_utf8(c, word_utf8_);
  }
  offsets_.push_back(word_utf8_.size());
  const size_t first_piece = out_.size();
  size_t start = 0;
  while (start < word.size()) {
    const size_t prefix = start > 0 ? 2 : 0;
    size_t end = word.size();
    for (; end > start; --end) {
      const size_t bytes = offsets_[end] - offsets_[start];
      if (prefix + bytes > max_token_bytes_) continue;  // cannot be a vocab entry
      key_.assign(prefix > 0 ? "##" : "");
      key_.append(word_utf8_, offsets_[start], bytes);
      if (vocab_.count(key_) != 0) break;
    }
    if (end == start) {
      out_.resize(first_piece);
      out_.emplace_back(kUnkToken);
      return;
    }
    out_.push_back(key_);
    start = end;
  }
}

// Python readlines() in text mode (universal newlines): "\n", "\r\n" and "\r" end a line, and
// nothing else does (U+2028/U+0085 are ordinary characters). load_vocab's rstrip("\n") then
// removes exactly that line end.
std::vector<std::string> split_vocab_lines(std::string_view content) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] != '\n' && content[i] != '\r') continue;
    lines.emplace_back(content.substr(start, i - start));
    if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < content.size()) lines.emplace_back(content.substr(start));
  return lines;
}

std::string read_file_bytes(const std::string& path) {
  std::error_code ec;
  BRIVL_CHECK(std::filesystem::is_regular_file(path, ec), "BertTokenizer: vocab file '", path,
              "' does not exist or is not a regular file");
  std::ifstream in(path, std::ios::binary);
  BRIVL_CHECK(in.is_open(), "BertTokenizer: cannot open vocab file '", path, "'");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BRIVL_CHECK(!in.bad(), "BertTokenizer: error while reading vocab file '", path, "'");
  return content;
}

}  // namespace

BertTokenizer BertTokenizer::from_file(const std::string& vocab_path,
                                       BertTokenizerOptions options) {
  const std::string content = read_file_bytes(vocab_path);
  std::vector<std::string> lines = split_vocab_lines(content);
  BRIVL_CHECK(!lines.empty(), "BertTokenizer: vocab file '", vocab_path, "' is empty");
  return BertTokenizer(std::move(lines), options, "vocab file '" + vocab_path + "'");
}

BertTokenizer BertTokenizer::from_tokens(std::vector<std::string> vocab,
                                         BertTokenizerOptions options) {
  BRIVL_CHECK(!vocab.empty(), "BertTokenizer: in-memory vocabulary is empty");
  return BertTokenizer(std::move(vocab), options, "in-memory vocabulary");
}

BertTokenizer::BertTokenizer(std::vector<std::string> vocab, BertTokenizerOptions options,
                             const std::string& source)
    : options_(options), id_to_token_(std::move(vocab)) {
  token_to_id_.reserve(id_to_token_.size());
  for (size_t i = 0; i < id_to_token_.size(); ++i) {
    const std::string& token = id_to_token_[i];
    // Python's strict utf-8 codec would refuse such a file rather than silently mismatch.
    BRIVL_CHECK(unicode::is_valid_utf8(token), "BertTokenizer: ", source, " line ", i + 1,
                " is not valid UTF-8");
    token_to_id_[token] = static_cast<int64_t>(i);  // Ref: load_vocab: a later duplicate wins
    max_token_bytes_ = std::max(max_token_bytes_, token.size());
  }
  std::string missing;
  for (const char* special : {"[UNK]", "[CLS]", "[SEP]", "[PAD]"}) {
    if (token_to_id_.count(special) != 0) continue;
    missing += missing.empty() ? special : std::string(", ") + special;
  }
  BRIVL_CHECK(missing.empty(), "BertTokenizer: ", source,
              " is missing required special token(s): ", missing);
  unk_id_ = token_to_id_.at("[UNK]");
  cls_id_ = token_to_id_.at("[CLS]");
  sep_id_ = token_to_id_.at("[SEP]");
  pad_id_ = token_to_id_.at("[PAD]");
  // Ref: BertTokenizer.__init__ ids_to_tokens is built from vocab.items(), so the id of an
  // overridden duplicate line has no token and _convert_id_to_token falls back to unk_token.
  for (size_t i = 0; i < id_to_token_.size(); ++i) {
    if (token_to_id_.at(id_to_token_[i]) != static_cast<int64_t>(i)) id_to_token_[i] = kUnkToken;
  }
}

// Ref: transformers/tokenization_utils.py PreTrainedTokenizer.tokenize (split_on_tokens): the
// special tokens found literally in the text are kept whole; the text between them is tokenized
// on its own (the surrounding-whitespace stripping HF does there is implied, since whitespace
// only ever separates words).
std::vector<std::string> BertTokenizer::tokenize(std::string_view utf8) const {
  const std::u32string text = unicode::decode_utf8(utf8);
  const std::u32string_view view(text);
  std::vector<std::string> out;
  PieceTokenizer pieces(token_to_id_, options_, max_token_bytes_, out);
  size_t piece_start = 0;
  for (size_t i = 0; i < view.size();) {
    const int special = match_special_token(view, i);
    if (special < 0) {
      ++i;
      continue;
    }
    pieces.run(view.substr(piece_start, i - piece_start));
    out.emplace_back(kSpecialTokensUtf8[static_cast<size_t>(special)]);
    i += kSpecialTokens[static_cast<size_t>(special)].size();
    piece_start = i;
  }
  pieces.run(view.substr(piece_start));
  return out;
}

// Mirrors tokenizer(text, max_length=L, padding="max_length", truncation=True): for a single
// sequence "longest_first" truncation simply drops pieces from the end.
EncodedText BertTokenizer::encode(std::string_view utf8, int max_length) const {
  BRIVL_CHECK(max_length >= 2, "BertTokenizer::encode: max_length must be at least 2 (room for ",
              "[CLS] and [SEP]), got ", max_length);
  std::vector<std::string> pieces = tokenize(utf8);
  const size_t capacity = static_cast<size_t>(max_length) - 2;
  EncodedText encoded;
  encoded.truncated = pieces.size() > capacity;
  if (encoded.truncated) pieces.resize(capacity);
  encoded.text_len = static_cast<int>(pieces.size()) + 2;
  encoded.input_ids.assign(static_cast<size_t>(max_length), pad_id_);
  encoded.attention_mask.assign(static_cast<size_t>(max_length), 0);
  encoded.tokens.reserve(static_cast<size_t>(encoded.text_len));
  encoded.tokens.emplace_back("[CLS]");
  encoded.input_ids[0] = cls_id_;
  for (size_t i = 0; i < pieces.size(); ++i) {
    encoded.input_ids[i + 1] = token_to_id(pieces[i]);
    encoded.tokens.push_back(std::move(pieces[i]));
  }
  encoded.input_ids[pieces.size() + 1] = sep_id_;
  encoded.tokens.emplace_back("[SEP]");
  std::fill_n(encoded.attention_mask.begin(), encoded.text_len, 1);
  return encoded;
}

int64_t BertTokenizer::token_to_id(const std::string& token) const {
  const auto it = token_to_id_.find(token);
  return it == token_to_id_.end() ? unk_id_ : it->second;
}

const std::string& BertTokenizer::id_to_token(int64_t id) const {
  BRIVL_CHECK(id >= 0 && static_cast<size_t>(id) < id_to_token_.size(),
              "BertTokenizer::id_to_token: id ", id, " is outside the vocabulary [0, ",
              id_to_token_.size(), ")");
  return id_to_token_[static_cast<size_t>(id)];
}

}  // namespace brivl
