// Imagination-quality benchmark: imagines a fixed list of prompts with the default `brivl imagine`
// settings (or overrides) on a model and lets judges that are not the model score the images:
//   shapes prompts ("右下角的大蓝色正方形", all 30 colour x position pairs): the classical judge
//     (quality/shapes_judge.h) finds the colour and the position; chance 1/6 and 1/5;
//   emoji names (50, from the emoji data set): the emoji classifier (quality/emoji_judge.h), trained
//     here on the renders and never on imaginations, must rank the emoji in its top 5 (chance
//     5/1949).
// Prints one line per prompt and a summary with the model's own similarity beside the judges,
// and writes contact sheets. Not a test: results go to the model card and docs/PERFORMANCE.md.
//
//   bench_imagine_quality [--model DIR] [--emoji-data DIR] [--emoji-judge FILE] [--out DIR]
//                         [--settings JSON] [--preset NAME] [--shapes N] [--emoji N] [--threads N]
//                         [--judge-size PX] [--judge-epochs N] [--rejudge] [--ceiling]
// Every image is also kept as OUT/shapes-NN.png / OUT/emoji-NN.png; --rejudge judges those again
// instead of imagining (to compare judges on the same images).
// --emoji-judge FILE is trained (and saved there) when it does not exist yet; without
// --emoji-data only the shapes part runs. Without --settings the images are made as `brivl imagine
// PROMPT` makes them: the defaults and the model's recommended preset (its imagine.json; layout for
// the shipped model). --settings gives fields over the bare defaults (absent keys read as a stored
// file's do), e.g. '{"steps": 150, "augment": {"cutouts": 8}}'; --preset applies a preset over either.
// --judge-size and --judge-epochs set the emoji judge's input side and training epochs.
// --ceiling imagines nothing: it ranks every emoji render by the model's own similarity to each
// emoji prompt. An imagination can at best become the picture the model likes most, so the share of
// prompts whose own emoji the model ranks first bounds what any imagination of this model can score
// with the judge (a few more may pass where the model's favourite is a look-alike in the judge's top 5).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <torch/torch.h>

#include "embed/embedder.h"
#include "export/contact_sheet.h"
#include "export/png_export.h"
#include "imagine/imagine_recommendation.h"
#include "imagine/imaginer.h"
#include "model/model_files.h"
#include "quality/emoji_judge.h"
#include "quality/shapes_judge.h"
#include "train/shapes_dataset.h"
#include "util/allocator_tuning.h"

namespace {
namespace fs = std::filesystem;
using brivl::ImagineSettings;
using brivl::RgbImage;

// Emoji the default model was trained on (checked against its validation split), chosen for
// distinct pictures; the prompt is a name or keyword of the emoji, the judge must find that emoji
// (by hex code) among its 1,949 classes.
struct EmojiPrompt {
  const char* prompt;
  const char* id;
};
const EmojiPrompt kEmojiPrompts[] = {
    {"红心", "2764"},     {"笑脸", "1F600"},   {"猫", "1F408"},     {"红苹果", "1F34E"}, {"太阳", "2600"},
    {"汽车", "1F697"},    {"狗", "1F415"},     {"香蕉", "1F34C"},   {"草莓", "1F353"},   {"西瓜", "1F349"},
    {"葡萄", "1F347"},    {"柠檬", "1F34B"},   {"胡萝卜", "1F955"}, {"玉米", "1F33D"},   {"蘑菇", "1F344"},
    {"雪人", "26C4"},     {"星星", "2B50"},    {"彩虹", "1F308"},   {"火焰", "1F525"},   {"水滴", "1F4A7"},
    {"雪花", "2744"},     {"云", "2601"},      {"松树", "1F332"},   {"仙人掌", "1F335"}, {"玫瑰", "1F339"},
    {"向日葵", "1F33B"},  {"枫叶", "1F341"},   {"鱼", "1F41F"},     {"猪", "1F416"},     {"兔子", "1F407"},
    {"青蛙", "1F438"},    {"企鹅", "1F427"},   {"蜗牛", "1F40C"},   {"蝴蝶", "1F98B"},   {"蜜蜂", "1F41D"},
    {"蛇", "1F40D"},      {"火箭", "1F680"},   {"飞机", "2708"},    {"自行车", "1F6B2"}, {"船", "1F6A2"},
    {"房子", "1F3E0"},    {"闹钟", "23F0"},    {"铃铛", "1F514"},   {"足球", "26BD"},    {"篮球", "1F3C0"},
    {"钥匙", "1F511"},    {"灯泡", "1F4A1"},   {"书", "1F4DA"},     {"眼镜", "1F453"},   {"礼帽", "1F3A9"},
    {"雨伞", "2614"},     {"气球", "1F388"},   {"礼物", "1F381"},   {"生日蛋糕", "1F382"}, {"冰淇淋", "1F368"},
    {"披萨", "1F355"},    {"汉堡", "1F354"},
};

struct Args {
  std::string model = BRIVL_SOURCE_DIR "/models/brivl-emoji-small";
  std::string emoji_data, emoji_judge, out = "quality-out", settings_json, preset;
  int shapes = 30, emoji = 50, threads = 0;
  int judge_size = 0, judge_epochs = 0;  // 0: EmojiJudgeTrainOptions' defaults
  bool rejudge = false;
  bool ceiling = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--rejudge" || k == "--ceiling") {
      (k == "--rejudge" ? a.rejudge : a.ceiling) = true, --i;
      continue;
    }
    if (i + 1 >= argc) throw std::runtime_error(k + " needs a value");
    const std::string v = argv[i + 1];
    if (k == "--model") a.model = v;
    else if (k == "--emoji-data") a.emoji_data = v;
    else if (k == "--emoji-judge") a.emoji_judge = v;
    else if (k == "--out") a.out = v;
    else if (k == "--settings") a.settings_json = v;
    else if (k == "--preset") a.preset = v;
    else if (k == "--judge-size") a.judge_size = std::stoi(v);
    else if (k == "--judge-epochs") a.judge_epochs = std::stoi(v);
    else if (k == "--shapes") a.shapes = std::stoi(v);
    else if (k == "--emoji") a.emoji = std::stoi(v);
    else if (k == "--threads") a.threads = std::stoi(v);
    else throw std::runtime_error("unknown option " + k);
  }
  return a;
}

// The preset `brivl imagine` would use: --preset, else the model's imagine.json, else none.
std::string preset_for(const Args& a) {
  if (!a.preset.empty()) return a.preset;
  const auto recommended = brivl::read_imagine_recommendation(brivl::ModelFiles::resolve(a.model).imagine);
  return recommended ? recommended->preset : "";
}

// The settings of `brivl imagine PROMPT` with no options (the defaults and the model's recommended
// preset), or --settings (fields over the bare defaults, as a replayed file reads), with --preset
// applied over either.
ImagineSettings settings_for(const Args& a, const std::string& prompt) {
  ImagineSettings s = a.settings_json.empty() ? ImagineSettings{} : ImagineSettings::from_json(a.settings_json, "--settings");
  if (a.settings_json.empty() || !a.preset.empty()) {
    if (const auto preset = preset_for(a); !preset.empty()) brivl::apply_preset(s, preset, false);
  }
  s.prompt = prompt;
  return s;
}

struct Outcome {
  RgbImage image;
  double similarity = 0, held_out = 0, seconds = 0;
};

// Imagines (and keeps the image as `file`), or with --rejudge reads the image kept before.
Outcome imagine(const Args& a, brivl::Imaginer& imaginer, ImagineSettings s, const std::string& file) {
  Outcome o;
  if (a.rejudge) {
    o.image = brivl::decode_image_file(file);
    return o;
  }
  brivl::ImagineHooks hooks;
  hooks.on_progress = [&](const brivl::ImagineProgress& p) {
    o.similarity = p.similarity;
    if (std::isfinite(p.robust_similarity)) o.held_out = p.robust_similarity;
  };
  const auto t = std::chrono::steady_clock::now();
  o.image = imaginer.run(s, hooks);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  brivl::write_png(file, o.image);
  return o;
}

// --ceiling: the rank of each prompt's emoji among all renders by the model's own text->image
// similarity; prints one line per prompt and the shares ranked first and in the top 5.
void print_retrieval_ceiling(const Args& a, brivl::Imaginer& imaginer) {
  const auto classes = brivl::quality::read_emoji_classes(a.emoji_data);
  std::vector<std::string> paths;
  for (const auto& c : classes) paths.push_back(c.image);
  auto& embedder = *imaginer.embedder();
  auto images = embedder.embed_images(paths);
  const auto image_rows = torch::from_blob(images.data.data(), {images.rows, images.cols}, torch::kFloat32);
  int n = 0, first = 0, top5 = 0;
  for (const auto& [name, id] : kEmojiPrompts) {
    if (n >= a.emoji) break;
    int64_t truth = -1;
    for (size_t i = 0; i < classes.size(); ++i)
      if (classes[i].id == id) truth = static_cast<int64_t>(i);
    if (truth < 0) continue;
    ++n;
    auto text = embedder.embed_prompt(name);
    const auto score = torch::matmul(image_rows, torch::from_blob(text.data(), {images.cols}, torch::kFloat32));
    const auto own = score[truth];
    const int rank = 1 + (score > own).sum().item<int>();  // 1 + renders scored above the prompt's own
    const auto best = score.argmax().item<int64_t>();
    first += rank == 1, top5 += rank <= 5;
    std::printf("ceiling %-8s its emoji ranked %4d of %zu by the model (favourite: %s, %.3f vs %.3f)\n", name, rank,
                classes.size(), classes[static_cast<size_t>(best)].name.c_str(), score[best].item<double>(),
                own.item<double>());
  }
  std::printf("\nretrieval ceiling: %d emoji names, the model ranks the named emoji first for %.3f, in its top 5 for %.3f "
              "(of %zu renders)\n",
              n, n ? double(first) / n : 0.0, n ? double(top5) / n : 0.0, classes.size());
}

brivl::quality::EmojiJudge emoji_judge(const Args& a, const std::vector<brivl::quality::EmojiClass>& classes) {
  if (!a.emoji_judge.empty() && fs::exists(a.emoji_judge)) return brivl::quality::EmojiJudge::load(a.emoji_judge);
  std::cerr << "training the emoji judge on " << classes.size() << " renders ...\n";
  brivl::quality::EmojiJudgeTrainOptions o;
  if (a.judge_size > 0) o.input_size = a.judge_size;
  if (a.judge_epochs > 0) o.epochs = a.judge_epochs;
  o.on_epoch = [](int64_t epoch, double loss, double acc) {
    std::fprintf(stderr, "  judge epoch %lld: loss %.3f, augmented top-1 %.3f\n", static_cast<long long>(epoch), loss, acc);
  };
  auto judge = brivl::quality::EmojiJudge::train(classes, o);
  if (!a.emoji_judge.empty()) judge.save(a.emoji_judge);
  return judge;
}

}  // namespace

int main(int argc, char** argv) try {
  brivl::keep_freed_memory_for_reuse();  // as the programs do (util/allocator_tuning.h)
  const Args a = parse(argc, argv);
  fs::create_directories(a.out);
  brivl::EmbedderOptions eo;
  eo.device = "cpu";
  if (a.threads > 0) eo.threads = a.threads;
  auto imaginer = brivl::Imaginer::load(brivl::ModelFiles::resolve(a.model), eo);
  if (a.ceiling) {
    if (a.emoji_data.empty()) throw std::runtime_error("--ceiling needs --emoji-data");
    print_retrieval_ceiling(a, imaginer);
    return 0;
  }
  std::printf("model %s, settings %s\n", a.model.c_str(), settings_for(a, "").to_json().c_str());

  const auto& vocab = brivl::shapes_vocabulary();
  double colour_hits = 0, position_hits = 0, shapes_sim = 0, shapes_seconds = 0;
  std::vector<RgbImage> sheet;
  for (int i = 0; i < a.shapes; ++i) {
    brivl::ShapeAttributes attr;
    attr.colour = i % 6, attr.position = (i / 6 + i) % 5, attr.shape = i % 4, attr.size = 0;  // 大
    const auto prompt = brivl::shapes_caption(attr);
    char file[32];
    std::snprintf(file, sizeof(file), "shapes-%02d.png", i);
    const auto o = imagine(a, imaginer, settings_for(a, prompt), (fs::path(a.out) / file).string());
    const auto v = brivl::quality::judge_shapes(o.image);
    colour_hits += v.colour == attr.colour, position_hits += v.position == attr.position;
    shapes_sim += o.similarity, shapes_seconds += o.seconds;
    std::printf("shapes %-24s colour %-4s %s  position %-6s %s  similarity %.3f held-out %.3f  %.1f s\n", prompt.c_str(),
                v.colour >= 0 ? vocab.colours[v.colour].c_str() : "-", v.colour == attr.colour ? "ok" : "--",
                v.position >= 0 ? vocab.positions[v.position].c_str() : "-", v.position == attr.position ? "ok" : "--",
                o.similarity, o.held_out, o.seconds);
    std::fflush(stdout);
    sheet.push_back(o.image);
  }
  if (!sheet.empty()) brivl::write_png((fs::path(a.out) / "shapes.png").string(), brivl::make_contact_sheet(sheet));

  double emoji_hits = 0, emoji_top1 = 0, emoji_sim = 0, emoji_seconds = 0;
  int emoji_n = 0;
  if (!a.emoji_data.empty() && a.emoji > 0) {
    const auto classes = brivl::quality::read_emoji_classes(a.emoji_data);
    const auto judge = emoji_judge(a, classes);
    // The judge's own accuracy on augmented renders (what it can tell apart at best).
    const auto [judge_top1, judge_top5] = judge.augmented_accuracy(classes, 2, 7);
    std::printf("emoji judge: augmented renders top-1 %.3f, top-5 %.3f (%zu classes)\n", judge_top1, judge_top5, classes.size());
    sheet.clear();
    for (const auto& [name, id] : kEmojiPrompts) {
      if (emoji_n >= a.emoji) break;
      const int64_t truth = judge.class_of(id);
      if (truth < 0) {
        std::printf("emoji  %s: %s is not a class of the judge; left out\n", name, id);
        continue;
      }
      ++emoji_n;
      char file[32];
      std::snprintf(file, sizeof(file), "emoji-%02d.png", emoji_n - 1);
      const auto o = imagine(a, imaginer, settings_for(a, name), (fs::path(a.out) / file).string());
      const auto top = judge.top_k(o.image, 5);
      const bool hit = std::find(top.begin(), top.end(), truth) != top.end();
      emoji_hits += hit, emoji_top1 += top.front() == truth;
      emoji_sim += o.similarity, emoji_seconds += o.seconds;
      std::printf("emoji  %-8s top-5 %s  judge sees %s / %s / %s  similarity %.3f held-out %.3f  %.1f s\n", name,
                  hit ? "ok" : "--", judge.names()[top[0]].c_str(), judge.names()[top[1]].c_str(),
                  judge.names()[top[2]].c_str(), o.similarity, o.held_out, o.seconds);
      std::fflush(stdout);
      sheet.push_back(o.image);
    }
    if (!sheet.empty()) brivl::write_png((fs::path(a.out) / "emoji.png").string(), brivl::make_contact_sheet(sheet, {10, 128, 4, 32}));
  }
  std::printf("\nsummary (%s)\n", brivl::runtime_description().c_str());
  if (a.shapes > 0)
    std::printf("shapes: %d prompts, colour %.3f (chance 0.167), position %.3f (chance 0.200), mean similarity %.3f, %.1f s/image\n",
                a.shapes, colour_hits / a.shapes, position_hits / a.shapes, shapes_sim / a.shapes, shapes_seconds / a.shapes);
  if (emoji_n > 0)
    std::printf("emoji: %d names, judge top-5 %.3f, top-1 %.3f (chance 0.003 / 0.0005), mean similarity %.3f, %.1f s/image\n",
                emoji_n, emoji_hits / emoji_n, emoji_top1 / emoji_n, emoji_sim / emoji_n, emoji_seconds / emoji_n);
  std::printf("contact sheets in %s\n", a.out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_imagine_quality: " << e.what() << "\n";
  return 1;
}
