#pragma once
// WordPiece tokenizer reproducing HuggingFace transformers 4.6.1 "slow" BertTokenizer (the one
// hfl/chinese-roberta-wwm-ext uses): special-token splitting, per-character lower-casing,
// BasicTokenizer (clean text, CJK splitting, accent stripping, punctuation splitting) and greedy
// longest-match-first WordPiece. ICU does the Unicode work inside the .cpp files only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brivl {

struct BertTokenizerOptions {
  bool lower_case = true;
  bool tokenize_chinese_chars = true;
  // std::nullopt follows lower_case (HF: accents are stripped iff lower-casing, unless forced).
  std::optional<bool> strip_accents;
  int max_input_chars_per_word = 100;

  BertTokenizerOptions& with_lower_case(bool value) {
    lower_case = value;
    return *this;
  }
  BertTokenizerOptions& with_tokenize_chinese_chars(bool value) {
    tokenize_chinese_chars = value;
    return *this;
  }
  BertTokenizerOptions& with_strip_accents(std::optional<bool> value) {
    strip_accents = value;
    return *this;
  }
  BertTokenizerOptions& with_max_input_chars_per_word(int value) {
    max_input_chars_per_word = value;
    return *this;
  }
};

struct EncodedText {
  std::vector<int64_t> input_ids;       // [CLS] ... [SEP] then [PAD]s, size == max_length
  std::vector<int64_t> attention_mask;  // 1 for real tokens, 0 for pads
  int text_len = 0;                     // number of 1s (includes [CLS]/[SEP])
  bool truncated = false;               // true when word pieces were dropped to fit max_length
  std::vector<std::string> tokens;      // the first text_len tokens as strings
};

class BertTokenizer {
 public:
  // Loads a vocab.txt (one token per line, id = line index). Throws brivl::Error naming the path
  // when the file is missing, empty, not UTF-8, or lacks [UNK]/[CLS]/[SEP]/[PAD].
  static BertTokenizer from_file(const std::string& vocab_path, BertTokenizerOptions options = {});
  // Same as from_file with the lines given directly (id = index); used by tests.
  static BertTokenizer from_tokens(std::vector<std::string> vocab,
                                   BertTokenizerOptions options = {});

  // Word-piece strings without [CLS]/[SEP] (HF `tokenizer.tokenize(text)`).
  std::vector<std::string> tokenize(std::string_view utf8) const;
  // [CLS] + first (max_length - 2) pieces + [SEP], padded with [PAD] to max_length.
  // Throws brivl::Error when max_length < 2.
  EncodedText encode(std::string_view utf8, int max_length) const;

  int64_t token_to_id(const std::string& token) const;  // unknown token -> unk_id()
  // Throws brivl::Error for ids outside [0, vocab_size()). An id whose line was overridden by a
  // later duplicate line maps to "[UNK]" (HF ids_to_tokens.get(id, unk_token)).
  const std::string& id_to_token(int64_t id) const;
  // Number of vocab lines, i.e. ids are in [0, vocab_size()). (HF len(vocab) counts distinct
  // tokens; the two agree unless the file has duplicate lines.)
  size_t vocab_size() const { return id_to_token_.size(); }

  int64_t pad_id() const { return pad_id_; }
  int64_t unk_id() const { return unk_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }
  const BertTokenizerOptions& options() const { return options_; }

 private:
  BertTokenizer(std::vector<std::string> vocab, BertTokenizerOptions options,
                const std::string& source);

  BertTokenizerOptions options_;
  std::unordered_map<std::string, int64_t> token_to_id_;
  std::vector<std::string> id_to_token_;
  size_t max_token_bytes_ = 0;  // longest vocab entry; longer candidates are never looked up
  int64_t pad_id_ = 0;
  int64_t unk_id_ = 0;
  int64_t cls_id_ = 0;
  int64_t sep_id_ = 0;
};

}  // namespace brivl
