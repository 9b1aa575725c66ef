// A bundle's vocab.txt, then tokenising with it: the first line of the input ends the text to
// tokenise, the rest is the vocabulary.
#include "fuzz_support.h"
#include "text/bert_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto all = brivl::fuzz::bytes(data, size);
  const auto newline = all.find('\n');
  const std::string text = newline == std::string::npos ? all : all.substr(0, newline);
  const std::string vocab = newline == std::string::npos ? "" : all.substr(newline + 1);
  const auto path = brivl::fuzz::as_file(reinterpret_cast<const uint8_t*>(vocab.data()), vocab.size(), "-vocab.txt");
  brivl::fuzz::expect_clear_error([&] {
    const auto tokenizer = brivl::BertTokenizer::from_file(path);
    const auto encoded = tokenizer.encode(text, 32);
    if (encoded.input_ids.size() != 32) __builtin_trap();
    for (const auto id : encoded.input_ids) tokenizer.id_to_token(id);
  });
  return 0;
}
