#pragma once
// Shared helpers for the test suites: fixture paths and error-text assertions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "util/error.h"

namespace brivl::test {

// tests/data/brivl-official-tiny: outputs of the official Python pipeline (see its README).
inline std::string fixture_dir() { return BRIVL_TEST_DATA_DIR "/brivl-official-tiny"; }
inline std::string fixture_file(const std::string& name) { return fixture_dir() + "/" + name; }
// models/brivl-official-tiny: the fixture's config, checkpoint and vocab as a model bundle.
inline std::string fixture_model_dir() { return BRIVL_TEST_MODEL_DIR; }
inline std::string fixture_model_file(const std::string& name) { return fixture_model_dir() + "/" + name; }

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A fresh scratch folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string pattern = (std::filesystem::temp_directory_path() /
                           (std::string("brivl-test-") + (info ? info->name() : "x") + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace brivl::test

// Asserts that `statement` throws brivl::Error whose message contains every given substring.
#define EXPECT_BRIVL_ERROR(statement, ...)                                                      \
  do {                                                                                          \
    try {                                                                                       \
      statement;                                                                                \
      ADD_FAILURE() << "expected brivl::Error from: " #statement;                               \
    } catch (const ::brivl::Error& e) {                                                         \
      for (const std::string& part : std::initializer_list<std::string>{__VA_ARGS__}) EXPECT_THAT(e.what(), ::testing::HasSubstr(part)); \
    }                                                                                           \
  } while (0)
