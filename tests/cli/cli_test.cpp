// The `brivl` program as a user runs it: outputs against the official fixture, input order,
// exit codes and error messages.
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "export/image_export.h"
#include "util/atomic_file.h"
#include "util/npy.h"
#include "vision/image_decode.h"

namespace brivl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test::fixture_file;

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

RunResult run_cli(const std::vector<std::string>& args) {
  test::TempDir dir;
  // These tests compare with the official fixture: its model stands in for the embedded default.
  std::string cmd = "BRIVL_DEFAULT_MODEL=" + quote(test::fixture_model_dir()) + " " + quote(BRIVL_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + dir.file("out") + " 2>" + dir.file("err");
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(dir.file("out"));
  r.err = read_file(dir.file("err"));
  return r;
}

std::vector<std::string> fixture_args() {
  return {"--images-file", fixture_file("images.txt"), "--image-root", fixture_file("images"), "--texts-file",
          fixture_file("texts.txt")};
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

TEST(Cli, PrintsVersion) {
  const auto r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("brivl 0.1.0"));
  EXPECT_THAT(r.out, HasSubstr("LibTorch"));
  // The thread count commands will use, not LibTorch's setting before any model is loaded.
  const char* given = std::getenv("BRIVL_THREADS");  // ctest gives each test one thread
  const std::string saved = given ? given : "";
  ::setenv("BRIVL_THREADS", "3", 1);  // inherited by the child
  const auto three = run_cli({"--version"});
  ::setenv("BRIVL_THREADS", "three", 1);
  const auto bad = run_cli({"info"});
  if (given) ::setenv("BRIVL_THREADS", saved.c_str(), 1); else ::unsetenv("BRIVL_THREADS");
  EXPECT_THAT(three.out, HasSubstr("threads: 3"));
  EXPECT_EQ(bad.exit_code, 1);  // a user's error, not an internal one
  EXPECT_THAT(bad.err, HasSubstr("BRIVL_THREADS: expected a positive number of threads, got \"three\""));
}

TEST(Cli, TokenizeReproducesOfficialTokenIds) {
  const auto r = run_cli({"tokenize", "--texts-file", fixture_file("texts.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream got(r.out);
  std::ifstream expected(fixture_file("tokens.jsonl"));
  std::string g, e;
  int n = 0;
  while (std::getline(expected, e)) {
    ASSERT_TRUE(std::getline(got, g));
    const auto gj = nlohmann::json::parse(g), ej = nlohmann::json::parse(e);
    EXPECT_EQ(gj["text"], ej["text"]);
    EXPECT_EQ(gj["input_ids"], ej["input_ids"]) << ej["text"];
    EXPECT_EQ(gj["attention_mask"], ej["attention_mask"]) << ej["text"];
    ++n;
  }
  EXPECT_EQ(n, 16);
}

TEST(Cli, EmbedWritesNpyMatchingOfficialEmbeddings) {
  test::TempDir dir;
  auto args = fixture_args();
  args.insert(args.begin(), "embed");
  args.insert(args.end(), {"--out", dir.file("e.npy")});
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = read_npy(dir.file("e.npy"));
  ASSERT_EQ(got.shape, (std::vector<int64_t>{24, 128}));
  auto expected = read_npy(fixture_file("expected_image.npy")).as_float();
  const auto texts = read_npy(fixture_file("expected_text.npy")).as_float();
  expected.insert(expected.end(), texts.begin(), texts.end());
  EXPECT_LT(max_diff(got.as_float(), expected), 1e-4);
}

TEST(Cli, EmbedJsonlKeepsCommandLineOrderAndAcceptsEmptyText) {
  const auto image = fixture_file("images/03_gray_96x96.png");
  const auto r = run_cli({"embed", "--jsonl", "--text", "一只可爱的小猫在草地上玩耍", "--image", image, "--text", ""});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["kind"], "text");
  EXPECT_EQ(rows[1]["kind"], "image");
  EXPECT_EQ(rows[1]["input"], image);
  EXPECT_EQ(rows[2]["input"], "");
  const auto expected_text = read_npy(fixture_file("expected_text.npy")).as_float();
  const auto expected_image = read_npy(fixture_file("expected_image.npy")).as_float();
  const auto first = rows[0]["embedding"].get<std::vector<float>>();
  EXPECT_LT(max_diff(first, std::vector<float>(expected_text.begin(), expected_text.begin() + 128)), 1e-4);
  const auto gray = rows[1]["embedding"].get<std::vector<float>>();
  EXPECT_LT(max_diff(gray, std::vector<float>(expected_image.begin() + 2 * 128, expected_image.begin() + 3 * 128)), 1e-4);
  // The whitespace-only line 12 of texts.txt strips to "": the same embedding as --text "".
  const auto empty = rows[2]["embedding"].get<std::vector<float>>();
  EXPECT_LT(max_diff(empty, std::vector<float>(expected_text.begin() + 12 * 128, expected_text.begin() + 13 * 128)), 1e-4);
}

TEST(Cli, SimilarityJsonMatchesOfficialMatrix) {
  auto args = fixture_args();
  args.insert(args.begin(), {"similarity", "--json"});
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::vector<float> got;
  for (const auto& row : j["similarity"]) for (float v : row) got.push_back(v);
  EXPECT_LT(max_diff(got, read_npy(fixture_file("expected_similarity.npy")).as_float()), 1e-4);
  EXPECT_EQ(j["images"].size(), 8u);
  EXPECT_EQ(j["texts"].size(), 16u);
}

TEST(Cli, InfoDescribesTheDefaultModel) {
  const auto r = run_cli({"info", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cnn"], "tf_efficientnet_b0");
  EXPECT_EQ(j["embedding_dim"], 128);
  EXPECT_EQ(j["keys_loaded"], 429);
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_EQ(j["text_dtype"], j["dtype"]);
  EXPECT_TRUE(j["image_basis"].is_null());
}

TEST(Cli, MissingImageFailsNamingTheFile) {
  const auto r = run_cli({"embed", "--jsonl", "--image", "/nonexistent/cat.jpg"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/cat.jpg"));
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, UndecodableImageFailsNamingTheFile) {
  test::TempDir dir;
  write_file_atomically(dir.file("fake.png"), "not an image");
  const auto r = run_cli({"embed", "--jsonl", "--image", dir.file("fake.png")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(dir.file("fake.png")));
  EXPECT_THAT(r.err, HasSubstr("cannot decode"));
}

TEST(Cli, CorruptCheckpointFailsNamingTheFile) {
  test::TempDir dir;
  write_file_atomically(dir.file("config.yml"), read_file(test::fixture_model_file("config.yml")));
  write_file_atomically(dir.file("vocab.txt"), read_file(test::fixture_model_file("vocab.txt")));
  const auto bytes = read_file(test::fixture_model_file("checkpoint.pth"));
  write_file_atomically(dir.file("model.pth"), bytes.substr(0, bytes.size() / 3));
  const auto r = run_cli({"info", "--model", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(dir.file("model.pth")));
  EXPECT_THAT(r.err, HasSubstr("truncated or corrupt"));
}

TEST(Cli, EmbedRequiresAnOutputAndInputs) {
  auto r = run_cli({"embed", "--text", "猫"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--jsonl or --out"));
  r = run_cli({"embed", "--jsonl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no inputs"));
}

TEST(Cli, BadOptionValuesAreUsageErrors) {
  auto r = run_cli({"embed", "--jsonl", "--text", "a", "--device", "tpu"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--device 'tpu'"));
  r = run_cli({"embed", "--jsonl", "--text", "a", "--max-text-len", "1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("--max-text-len"));
  r = run_cli({"frobnicate"});
  EXPECT_NE(r.exit_code, 0);
}

// brivl explain: the map has the image's size (not the model's square input), the blend too, and
// --json carries the grid's scores; a wrong extension is refused before the model loads.
TEST(Cli, ExplainWritesAMapAndABlendOfTheImagesSizeAndTheScores) {
  test::TempDir dir;
  const auto image = fixture_file("images/01_landscape_120x80.png");
  auto r = run_cli({"explain", "--image", image, "蓝天", "-o", dir.file("map.png"), "--overlay", dir.file("blend.png"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto map = decode_image_file(dir.file("map.png"));  // decoded as RGB: grey, so r == g == b
  EXPECT_EQ(map.width, 120);
  EXPECT_EQ(map.height, 80);
  EXPECT_EQ(*std::max_element(map.pixels.begin(), map.pixels.end()), 255);
  for (size_t i = 0; i < map.pixels.size(); i += 3) ASSERT_TRUE(map.pixels[i] == map.pixels[i + 1] && map.pixels[i] == map.pixels[i + 2]);
  const auto blend = decode_image_file(dir.file("blend.png"));
  EXPECT_EQ(blend.width, 120);
  EXPECT_EQ(blend.height, 80);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["prompt"], "蓝天");
  EXPECT_EQ(j["grid"], 6);
  ASSERT_EQ(j["cells"].size(), 36u);
  const double similarity = j["similarity"];
  EXPECT_TRUE(similarity >= -1 && similarity <= 1);
  EXPECT_THAT(r.err, HasSubstr("hottest cell"));
  EXPECT_EQ(j["method"], "pixels");
  r = run_cli({"explain", "--image", image, "蓝天", "--method", "regions", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["method"], "regions");
  EXPECT_NEAR(nlohmann::json::parse(r.out)["similarity"].get<double>(), similarity, 1e-5);
  r = run_cli({"explain", "--image", image, "蓝天", "--method", "windows", "--json", "-o", dir.file("windows.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto windows = nlohmann::json::parse(r.out);
  EXPECT_EQ(windows["method"], "windows");
  EXPECT_THAT(r.err, HasSubstr("its windows seen alone score"));  // nothing is taken away
  EXPECT_EQ(windows["cells"].size(), j["cells"].size());
  EXPECT_EQ(decode_image_file(dir.file("windows.png")).width, decode_image_file(image).width);
  r = run_cli({"explain", "--image", image, "蓝天", "--method", "saliency", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--method 'saliency'"));
  r = run_cli({"explain", "--image", image, "蓝天", "-o", dir.file("map.jpg")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("map.jpg"));
  r = run_cli({"explain", "--image", image, "蓝天"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--overlay"));
  r = run_cli({"explain", "--image", dir.file("missing.png"), "蓝天", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.png"));
}

TEST(Cli, ImagineWritesAPngThatReplaysToTheSameBytes) {
  test::TempDir dir;
  const auto a = dir.file("a.png"), b = dir.file("b.png");
  auto r = run_cli({"imagine", "红色的圆 | 蓝色:-0.5", "-o", a, "--steps", "3", "--size", "48x40", "--cutouts", "2",
                    "--jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) EXPECT_EQ(nlohmann::json::parse(line)["step"], n + 1);
  EXPECT_EQ(n, 3);
  const auto decoded = decode_image_file(a);
  EXPECT_EQ(decoded.width, 48);
  EXPECT_EQ(decoded.height, 40);
  r = run_cli({"imagine", "--replay", a, "-o", b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(a), read_file(b));
}

// `brivl basis` writes a model's image basis into a copy of its bundle; `--param basis` then imagines
// in it and replays to the same bytes. Without a basis, or with bad data, clear errors and exit 1.
TEST(Cli, BasisFitsAnImagePriorThatImagineUsesAndReplays) {
  test::TempDir dir;
  const auto model = dir.path() / "model";
  std::filesystem::create_directories(model);
  for (const char* name : {"config.yml", "checkpoint.pth", "vocab.txt"})
    std::filesystem::copy_file(test::fixture_model_file(name), model / name);
  const auto basis = (model / "image_basis.safetensors").string();
  auto r = run_cli({"basis", "--data", fixture_file("images"), "--out", basis, "--size", "16", "--val-split", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("components of"));
  EXPECT_TRUE(std::filesystem::exists(basis));
  const auto a = dir.file("a.png"), b = dir.file("b.png");
  r = run_cli({"imagine", "红色的圆", "--model", model.string(), "--param", "basis", "--basis-prior", "0.1",
               "--basis-noise", "0.5", "-o", a, "--steps", "3", "--size", "32", "--cutouts", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"imagine", "--replay", a, "--model", model.string(), "-o", b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(a), read_file(b));
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  // Another basis in the bundle: the replay still runs, but says it will differ.
  r = run_cli({"basis", "--data", fixture_file("images"), "--out", basis, "--size", "16", "--val-split", "0",
               "--components", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"imagine", "--replay", a, "--model", model.string(), "-o", dir.file("b2.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("another image basis"));
  r = run_cli({"info", "--model", model.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["image_basis"], basis);
  // The fixture bundle has no basis: the error names the file and the command that makes one.
  r = run_cli({"imagine", "红色的圆", "--param", "basis", "-o", dir.file("c.png"), "--steps", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("image_basis.safetensors"));
  EXPECT_THAT(r.err, HasSubstr("brivl basis"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.png")));
  r = run_cli({"basis", "--data", dir.file("missing.csv"), "--out", dir.file("x.safetensors")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("missing.csv"));
  r = run_cli({"imagine", "红色的圆", "--param", "basis", "--basis-noise", "-1", "-o", dir.file("d.png")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--basis-noise"));
}

// Screening from the command line: one step-0 line per scored candidate, then the search's steps;
// the settings in the image (screen included) replay it to the same bytes.
TEST(Cli, ImagineScreensStartsReportsThemAndReplays) {
  test::TempDir dir;
  const auto a = dir.file("a.png"), b = dir.file("b.png");
  auto r = run_cli({"imagine", "红色的圆", "-o", a, "--steps", "3", "--size", "40x32", "--cutouts", "2", "--param", "blobs",
                    "--blobs", "2", "--screen", "3", "--starts", "2", "--start-steps", "1", "--jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> reports;
  for (std::string line; std::getline(lines, line);) reports.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(reports.size(), 3u + 4u);  // 3 candidates, then 2 starts x 1 step and 2 more steps of the best
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reports[i]["step"], 0);
    EXPECT_EQ(reports[i]["screened"], i + 1);
  }
  for (int i = 3; i < 7; ++i) {
    EXPECT_EQ(reports[i]["step"], i - 2);
    EXPECT_EQ(reports[i]["screened"], 3);
  }
  r = run_cli({"imagine", "--replay", a, "-o", b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(a), read_file(b));
}

TEST(Cli, ImagineMorphsIntoASecondPromptExportsTheWayAndReplays) {
  test::TempDir dir;
  const auto a = dir.file("a.png"), b = dir.file("b.png"), gif = dir.file("morph.gif");
  auto r = run_cli({"imagine", "红心", "--to", "太阳", "-o", a, "--steps", "4", "--size", "32", "--cutouts", "1",
                    "--video", gif, "--jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(gif).substr(0, 6), "GIF89a");
  std::istringstream lines(r.out);
  std::vector<double> morph;
  for (std::string line; std::getline(lines, line);) morph.push_back(nlohmann::json::parse(line)["morph"].get<double>());
  ASSERT_EQ(morph.size(), 4u);
  EXPECT_EQ(morph.front(), 0.0);
  EXPECT_EQ(morph.back(), 1.0);
  const auto stored = read_image_settings(a);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(nlohmann::json::parse(*stored)["to"], "太阳");
  r = run_cli({"imagine", "--replay", a, "-o", b, "--video", dir.file("again.gif")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(a), read_file(b));
  EXPECT_EQ(read_file(gif), read_file(dir.file("again.gif")));
  r = run_cli({"imagine", "--replay", a, "-o", b, "--to", "猫"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--to cannot be changed"), std::string::npos) << r.err;
}

// A bundle's imagine.json is the preset `brivl imagine` uses when the user names none (the
// shipped model recommends layout); --preset or --param put the user's choice first.
TEST(Cli, ImagineUsesTheModelsRecommendedPresetUnlessTheUserChooses) {
  test::TempDir dir;
  const auto bundle = dir.path() / "bundle";
  std::filesystem::copy(test::fixture_model_dir(), bundle, std::filesystem::copy_options::recursive);
  test::write_bytes((bundle / "imagine.json").string(), "{\"preset\": \"layout\", \"why\": \"a test\"}");
  const auto a = dir.file("a.png");
  const std::vector<std::string> run = {"imagine", "右下角的大蓝色圆形", "--model", bundle.string(), "--steps", "2",
                                        "--size", "32", "--cutouts", "1", "-o", a};
  auto r = run_cli(run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--preset layout, as the model recommends"));
  EXPECT_THAT(r.err, HasSubstr("imagine.json"));
  auto j = nlohmann::json::parse(*read_image_settings(a));
  EXPECT_EQ(j["param"], "blobs");
  EXPECT_EQ(j["screen"], 256);
  EXPECT_EQ(j["steps"], 2);  // given: the command line still wins within the recipe
  auto with = [&run](std::vector<std::string> extra) {
    auto args = run;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  r = run_cli(with({"--preset", "normal"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("recommends")));
  j = nlohmann::json::parse(*read_image_settings(a));
  EXPECT_EQ(j["param"], "fourier");
  EXPECT_EQ(j["screen"], 0);
  r = run_cli(with({"--param", "pixel"}));  // the image space chosen: no recipe mixed in
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(*read_image_settings(a));
  EXPECT_EQ(j["param"], "pixel");
  EXPECT_EQ(j["screen"], 0);
  EXPECT_EQ(j["augment"]["min_scale"], 0.3);
  // `brivl info` says it; a broken recipe stops the run with the file named, before any work.
  r = run_cli({"info", "--model", bundle.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["imagine_preset"], "layout");
  EXPECT_EQ(nlohmann::json::parse(run_cli({"info", "--json"}).out)["imagine_preset"], nullptr);
  test::write_bytes((bundle / "imagine.json").string(), "{\"preset\": \"layuot\"}");
  std::filesystem::remove(a);
  r = run_cli(run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr((bundle / "imagine.json").string()));
  EXPECT_THAT(r.err, HasSubstr("'layuot'"));
  EXPECT_FALSE(std::filesystem::exists(a));
}

TEST(Cli, ImagineLayoutPresetScreensOneEllipseAndExplicitOptionsWin) {
  test::TempDir dir;
  const auto a = dir.file("a.png");
  auto r = run_cli({"imagine", "右下角的大蓝色圆形", "--preset", "layout", "--steps", "3", "--size", "48", "-o", a});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stored = read_image_settings(a);
  ASSERT_TRUE(stored.has_value());
  const auto j = nlohmann::json::parse(*stored);
  EXPECT_EQ(j["param"], "blobs");
  EXPECT_EQ(j["blobs"], 1);
  EXPECT_EQ(j["screen"], 256);
  EXPECT_EQ(j["augment"]["min_scale"], 0.9);
  EXPECT_EQ(j["steps"], 3);    // given: the command line wins
  EXPECT_EQ(j["width"], 48);
  EXPECT_EQ(j["starts"], 8);
  EXPECT_EQ(j["start_steps"], 1);  // the search shrinks with a shorter run: a quarter of it, at least 1
  EXPECT_EQ(j["primitives"], "ellipse");
  EXPECT_EQ(j["contrast"], "");
  // Other primitives and contrast captions, stored for the replay.
  const auto captions = dir.file("captions.txt");
  test::write_bytes(captions, "右下角的大红色圆形\n右下角的大蓝色星形\n");
  r = run_cli({"imagine", "右下角的大蓝色圆形", "--preset", "layout", "--steps", "2", "--size", "48", "--screen", "8",
               "--primitives", "ellipse,star", "--contrast", captions, "-o", a});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shaped = nlohmann::json::parse(*read_image_settings(a));
  EXPECT_EQ(shaped["primitives"], "ellipse,star");
  EXPECT_EQ(shaped["start_steps"], 1);
  EXPECT_EQ(shaped["contrast"], captions);
  const auto b = dir.file("b.png");
  r = run_cli({"imagine", "--replay", a, "-o", b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(decode_image_file(a).pixels, decode_image_file(b).pixels);
  r = run_cli({"imagine", "猫", "--param", "blobs", "--contrast", dir.file("none.txt"), "--steps", "1", "-o", b});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("none.txt"));
  r = run_cli({"imagine", "猫", "--preset", "normal", "--param", "blobs", "--steps", "2", "--size", "32", "--cutouts", "1",
               "-o", a});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto normal = nlohmann::json::parse(*read_image_settings(a));
  EXPECT_EQ(normal["param"], "blobs");  // given
  EXPECT_EQ(normal["screen"], 0);       // the normal recipe
  EXPECT_EQ(normal["augment"]["min_scale"], 0.3);
  r = run_cli({"imagine", "猫", "--preset", "fast", "-o", a});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--preset 'fast'"), std::string::npos) << r.err;
}

TEST(Cli, ImagineExportsJpegWebpAndAnimationThatReplay) {
  test::TempDir dir;
  const auto jpg = dir.file("a.jpg"), webp = dir.file("a.webp"), gif = dir.file("a.gif");
  auto r = run_cli({"imagine", "红色的圆", "-o", jpg, "--steps", "4", "--size", "40", "--cutouts", "1", "--video", gif,
                    "--save-every", "1", "--frames", dir.file("frames")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(jpg + ".json"));  // the sidecar
  EXPECT_EQ(read_file(gif).substr(0, 6), "GIF89a");
  EXPECT_EQ(decode_image_file(jpg).width, 40);
  // Replay from the JPEG's embedded XMP: the same run, so the same bytes.
  r = run_cli({"imagine", "--replay", jpg, "-o", dir.file("b.jpg")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(jpg), read_file(dir.file("b.jpg")));
  // ... and from the sidecar alone when the image lost its metadata (a JPEG without any).
  write_file_atomically(dir.file("stripped.jpg"), read_file(fixture_file("images/05_photo_160x120.jpg")));
  write_file_atomically(dir.file("stripped.jpg.json"), read_file(jpg + ".json"));
  r = run_cli({"imagine", "--replay", dir.file("stripped.jpg"), "-o", dir.file("c.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"imagine", "红色的圆", "-o", webp, "--steps", "2", "--size", "32", "--cutouts", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(webp).substr(8, 4), "WEBP");
  r = run_cli({"imagine", "--replay", webp, "-o", dir.file("d.webp")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(webp), read_file(dir.file("d.webp")));
}

TEST(Cli, ImagineReplaysASettingsJsonFileLikeTheImageItCameWith) {
  test::TempDir dir;
  const auto jpg = dir.file("a.jpg");
  auto r = run_cli({"imagine", "红色的圆", "-o", jpg, "--steps", "3", "--size", "40", "--cutouts", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The sidecar and the image hold the same run: replaying either gives the same bytes.
  r = run_cli({"imagine", "--replay", jpg, "-o", dir.file("from-image.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli({"imagine", "--replay", jpg + ".json", "-o", dir.file("from-json.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir.file("from-image.png")), read_file(dir.file("from-json.png")));

  // An edited copy (another prompt, a BOM and a leading blank line as editors leave them) runs its prompt.
  auto settings = nlohmann::json::parse(read_file(jpg + ".json"));
  settings["prompt"] = "蓝色的正方形";
  write_file_atomically(dir.file("edited.json"), "\xEF\xBB\xBF\n" + settings.dump(2));
  r = run_cli({"imagine", "--replay", dir.file("edited.json"), "-o", dir.file("edited.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto stored = read_image_settings(dir.file("edited.png"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(nlohmann::json::parse(*stored)["prompt"], "蓝色的正方形");
  EXPECT_NE(read_file(dir.file("edited.png")), read_file(dir.file("from-json.png")));

  // Bad files: errors name the file and the field, and nothing is written.
  settings["steps"] = "many";
  write_file_atomically(dir.file("bad-type.json"), settings.dump());
  r = run_cli({"imagine", "--replay", dir.file("bad-type.json"), "-o", dir.file("x.png")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad-type.json"));
  EXPECT_THAT(r.err, HasSubstr("'steps'"));
  settings["steps"] = 3;
  settings["stepz"] = 3;
  write_file_atomically(dir.file("unknown.json"), settings.dump());
  r = run_cli({"imagine", "--replay", dir.file("unknown.json"), "-o", dir.file("x.png")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown.json"));
  EXPECT_THAT(r.err, HasSubstr("'stepz'"));
  write_file_atomically(dir.file("broken.json"), "{\"prompt\": \"猫\", \"steps\": ");
  r = run_cli({"imagine", "--replay", dir.file("broken.json"), "-o", dir.file("x.png")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("broken.json"));
  EXPECT_THAT(r.err, HasSubstr("not valid JSON"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));
}

TEST(Cli, ImagineRefusesUnknownOutputFormatsBeforeWork) {
  test::TempDir dir;
  auto r = run_cli({"imagine", "猫", "-o", dir.file("x.bmp")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("x.bmp"));
  r = run_cli({"imagine", "猫", "-o", dir.file("x.png"), "--video", dir.file("x.avi")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("x.avi"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));
}

TEST(Cli, ImagineRejectsBadValuesBeforeLoading) {
  test::TempDir dir;
  auto r = run_cli({"imagine", "猫", "-o", dir.file("x.png"), "--size", "12x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--size '12x'"));
  r = run_cli({"imagine", "猫", "-o", dir.file("x.png"), "--preset", "ultra"});
  EXPECT_THAT(r.err, HasSubstr("--preset 'ultra'"));
  r = run_cli({"imagine", "猫", "-o", dir.file("x.png"), "--screen", "1", "--starts", "2", "--steps", "50"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--screen 1"));
  r = run_cli({"imagine", "猫", "-o", dir.file("x.png"), "--param", "blobs", "--primitives", "ellipse,hexagon"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--primitives: 'hexagon' is not one of ellipse, rectangle, triangle, star"));
  r = run_cli({"imagine", "红心", "-o", dir.file("x.png"), "--colour-rivals", "红色,红色"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--colour-rivals: '红色' is listed twice"));
  r = run_cli({"imagine", "红心", "-o", dir.file("x.png"), "--colour-gate", "maybe"});
  EXPECT_NE(r.exit_code, 0);  // a parse error: CLI11's own exit code, as for any unconvertible value
  EXPECT_THAT(r.err, HasSubstr("--colour-gate = maybe"));
  r = run_cli({"imagine", "--replay", dir.file("x.png"), "--colour-gate", "off", "-o", dir.file("y.png")});
  EXPECT_THAT(r.err, HasSubstr("--colour-gate cannot be changed"));
  r = run_cli({"imagine", "室内:-1", "-o", dir.file("x.png")});
  EXPECT_THAT(r.err, HasSubstr("at least one positive term"));
  r = run_cli({"imagine", "--replay", dir.file("x.png"), "--steps", "9", "-o", dir.file("y.png")});
  EXPECT_THAT(r.err, HasSubstr("--steps cannot be changed"));
  r = run_cli({"imagine", "--replay", fixture_file("images/01_landscape_120x80.png"), "-o", dir.file("x.png")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no BriVL settings"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.png")));
}

TEST(Cli, IndexThenSearchRanksImagesWithScores) {
  test::TempDir dir;
  const auto db = dir.file("photos.db");
  // --jsonl: progress lines {done, total, images_per_s}, then the summary.
  const auto json_lines = [](const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  };
  auto r = run_cli({"index", "--db", db, fixture_file("images"), "--jsonl", "--decode-threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[lines.size() - 2]["done"], 8);  // the last progress line always comes
  EXPECT_EQ(lines[lines.size() - 2]["total"], 8);
  EXPECT_GT(lines[lines.size() - 2]["images_per_s"].get<double>(), 0);
  auto summary = lines.back();
  EXPECT_EQ(summary["found"], 8);
  EXPECT_EQ(summary["embedded"], 8);
  r = run_cli({"index", "--db", db, fixture_file("images"), "--jsonl"});  // second run: nothing to do
  summary = json_lines(r.out).back();
  EXPECT_EQ(summary["unchanged"], 8);
  EXPECT_EQ(summary["embedded"], 0);
  const auto query_image = fixture_file("images/03_gray_96x96.png");
  r = run_cli({"search", "--db", db, "--image", query_image, "--top", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0]["path"], query_image);
  EXPECT_NEAR(hits[0]["score"].get<double>(), 1.0, 1e-5);
  EXPECT_GE(hits[1]["score"].get<double>(), hits[2]["score"].get<double>());
  r = run_cli({"search", "--db", db, "一只可爱的小猫 | 室内:-0.5", "--top", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 8);
}

// The fixture's 05_photo and 06_tiny embed at cosine 0.959 (every other pair is below 0.94): a
// near duplicate at --fold-threshold 0.95, two results at the default 0.98 or with --no-fold.
TEST(Cli, SearchFoldsNearDuplicatesAndNamesItsEngine) {
  test::TempDir dir;
  const auto db = dir.file("photos.db");
  ASSERT_EQ(run_cli({"index", "--db", db, fixture_file("images")}).exit_code, 0);
  const auto photo = fixture_file("images/05_photo_160x120.jpg"), tiny = fixture_file("images/06_tiny_7x5.png");
  auto r = run_cli({"search", "--db", db, "--image", photo, "--top", "3", "--json", "--fold-threshold", "0.95"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto hits = nlohmann::json::parse(r.out);
  ASSERT_EQ(hits.size(), 3u);  // three results besides the folded one
  EXPECT_EQ(hits[0]["path"], photo);
  ASSERT_EQ(hits[0]["duplicates"].size(), 1u);
  EXPECT_EQ(hits[0]["duplicates"][0]["path"], tiny);
  EXPECT_NEAR(hits[0]["duplicates"][0]["score"].get<double>(), 0.959, 2e-3);
  EXPECT_TRUE(hits[1]["duplicates"].empty());
  EXPECT_THAT(r.err, HasSubstr("near duplicates folded under their best copy: 1 (cosine >= 0.95"));
  EXPECT_THAT(r.err, HasSubstr("engine: exact fp32"));  // 8 images: auto is exact
  r = run_cli({"search", "--db", db, "--image", photo, "--top", "3", "--json"});  // default 0.98
  ASSERT_EQ(r.exit_code, 0) << r.err;
  hits = nlohmann::json::parse(r.out);
  EXPECT_EQ(hits[1]["path"], tiny);
  EXPECT_TRUE(hits[0]["duplicates"].empty());
  r = run_cli({"search", "--db", db, "--image", photo, "--top", "3", "--no-fold", "--fold-threshold", "0.5",
               "--precision", "fp16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
  EXPECT_THAT(r.out, HasSubstr(tiny));
  EXPECT_THAT(r.err, HasSubstr("engine: exact fp16"));
  // FAISS: answers when built with it, else says so before loading anything.
  r = run_cli({"search", "--db", db, "--image", photo, "--top", "3", "--engine", "faiss", "--json"});
  if (r.exit_code == 0) {
    EXPECT_THAT(r.err, HasSubstr("engine: faiss SQ8"));  // 8 images: one flat list
    EXPECT_EQ(nlohmann::json::parse(r.out)[0]["path"], photo);
  } else {
    EXPECT_THAT(r.err, HasSubstr("--engine faiss: this brivl was built without FAISS"));
  }
}

TEST(Cli, SearchRejectsBadEngineOptions) {
  test::TempDir dir;
  auto r = run_cli({"search", "--db", dir.file("none.db"), "猫", "--engine", "fast"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--engine: search engine 'fast': expected auto, exact or faiss"));
  r = run_cli({"search", "--db", dir.file("none.db"), "猫", "--precision", "int8"});
  EXPECT_THAT(r.err, HasSubstr("--precision: precision 'int8': expected fp32 or fp16"));
  r = run_cli({"search", "--db", dir.file("none.db"), "猫", "--fold-threshold", "1.5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--fold-threshold: fold threshold 1.5"));
}

TEST(Cli, CaptionRanksTextsLikeTheOfficialSimilarity) {
  const auto r = run_cli({"caption", "--image", fixture_file("images/05_photo_160x120.jpg"), "--texts-file",
                          fixture_file("texts.txt"), "--top", "16", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ranked = nlohmann::json::parse(r.out);
  ASSERT_EQ(ranked.size(), 16u);
  const auto sim = read_npy(fixture_file("expected_similarity.npy")).as_float();  // [8, 16], image 4 = the JPEG
  std::vector<float> expected(sim.begin() + 4 * 16, sim.begin() + 5 * 16);
  std::sort(expected.begin(), expected.end(), std::greater<float>());
  for (size_t i = 0; i < 16; ++i) EXPECT_NEAR(ranked[i]["score"].get<double>(), expected[i], 1e-4);
}

TEST(Cli, SearchExplainsMissingIndex) {
  test::TempDir dir;
  const auto r = run_cli({"search", "--db", dir.file("none.db"), "猫"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no such index"));
}

TEST(Cli, MissingModelFolderIsExplained) {
  const auto r = run_cli({"info", "--model", "/nonexistent/model"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/model: model folder does not exist"));
}

}  // namespace
}  // namespace brivl
