// brivl index / brivl search: an incremental SQLite index of image folders and queries over it.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "model_options.h"
#include "output_format.h"
#include "progress_line.h"
#include "retrieval/exact_index.h"
#include "retrieval/indexer.h"
#include "text/text_lines.h"
#include "util/error.h"
#include "util/fingerprint.h"

namespace brivl::cli {
namespace {

struct IndexArgs {
  ModelArgs model;
  std::string db;
  std::vector<std::string> roots;
  bool no_prune = false, rehash = false, jsonl = false;
};

struct SearchArgs {
  ModelArgs model;
  std::string db, query, image;
  int top = 20;
  double min_score = -2.0;  // below any cosine: "not given", the automatic cutoff applies
  bool json = false;
};

struct CaptionArgs {
  ModelArgs model;
  std::string db, image;
  std::vector<std::string> text_files, texts;
  int top = 5;
  bool json = false;
};

void print_ranked(const std::vector<std::pair<std::string, float>>& ranked, bool json) {
  if (json) {
    std::cout << "[";
    for (size_t i = 0; i < ranked.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"path\":" << json_string(ranked[i].first)
                << ",\"score\":" << format_float(ranked[i].second) << "}";
    }
    std::cout << "]\n";
    return;
  }
  for (const auto& [what, score] : ranked) std::cout << std::fixed << std::setprecision(4) << score << "\t" << what << "\n";
}

void report_index(const IndexReport& r, bool jsonl) {
  if (jsonl) {
    std::cout << "{\"found\":" << r.found << ",\"unchanged\":" << r.unchanged << ",\"embedded\":" << r.embedded
              << ",\"reused\":" << r.reused << ",\"skipped\":" << r.skipped << ",\"pruned\":" << r.pruned
              << ",\"seconds\":" << r.seconds << "}\n";
  }
  for (const auto& s : r.new_skips) std::cerr << "skipped " << s.path << ": " << s.reason << "\n";
  for (const auto& [path, why] : r.scan_problems) std::cerr << "skipped " << path << ": " << why << "\n";
  std::cerr << "indexed " << r.found << " images in " << std::fixed << std::setprecision(1) << r.seconds << " s: "
            << r.embedded << " embedded, " << r.reused << " moved/copied (vector reused), " << r.unchanged
            << " unchanged, " << r.skipped << " skipped, " << r.pruned << " removed\n";
}

// A catalog remembers its model, so later commands need only --db: explicit --model/--config
// win, then the catalog's model, then the embedded default.
ModelFiles model_for(const ModelArgs& args, const Catalog* catalog) {
  const bool explicit_model = !args.model.empty() || !args.config.empty();
  if (!explicit_model && catalog && catalog->meta("model.checkpoint")) return catalog_model_files(*catalog);
  return resolve_model_files(args);
}

void run_index(IndexArgs& a) {
  auto catalog = Catalog::open(a.db, /*create=*/true);
  const auto files = model_for(a.model, &catalog);
  auto embedder = Embedder::load(files, embedder_options(a.model));
  bind_model(catalog, files, file_fingerprint(files.checkpoint), embedder.summary().embedding_dim);
  IndexOptions options;
  options.roots = a.roots;
  options.prune = !a.no_prune;
  options.rehash = a.rehash;
  ProgressLine progress("indexing");
  IndexHooks hooks;
  hooks.on_progress = progress.hooks().on_progress;
  const auto report = update_index(catalog, embedder, options, hooks);
  report_index(report, a.jsonl);
}

void run_search(SearchArgs& a) {
  BRIVL_CHECK(a.query.empty() != a.image.empty(), "search: give a QUERY or --image IMG (one of them)");
  auto catalog = Catalog::open(a.db, /*create=*/false);
  const auto files = model_for(a.model, &catalog);
  const auto fingerprint = file_fingerprint(files.checkpoint);
  BRIVL_CHECK(catalog.meta("model.fingerprint").value_or(fingerprint) == fingerprint, a.db,
              ": this index was built with another model (", catalog.meta("model.checkpoint").value_or("?"), ")");
  const auto entries = catalog.entries();
  BRIVL_CHECK(!entries.empty(), a.db, ": the index is empty (add folders with brivl index --db ", a.db, " FOLDER)");
  auto embedder = Embedder::load(files, embedder_options(a.model));
  // An image query is the prompt "@path" (it may still carry weights and other terms).
  const auto query = embedder.embed_prompt(a.image.empty() ? a.query : "@" + a.image);
  // The cutoff is shown, and --min-score replaces it.
  const ExactIndex index(entries);
  const auto scores = index.scores(query);  // once: for the cutoff and the ranking
  auto cutoff = relevance_cutoff(scores);
  if (a.min_score > -2.0) cutoff = {static_cast<float>(a.min_score), "--min-score"};
  const auto hits = index.top(scores, a.top, cutoff.score);
  std::vector<std::pair<std::string, float>> ranked;
  for (const auto& h : hits) ranked.emplace_back(h.path, h.score);
  print_ranked(ranked, a.json);
  std::cerr << hits.size() << " of " << entries.size() << " images at or above " << std::setprecision(4) << cutoff.score
            << " (" << cutoff.rule << "; --min-score X to change)\n";
}

void run_caption(CaptionArgs& a) {
  std::vector<std::string> captions = a.texts;
  for (const auto& f : a.text_files) {
    for (auto& t : read_text_lines(f)) captions.push_back(std::move(t));
  }
  BRIVL_CHECK(!captions.empty(), "caption: give candidate texts with --texts-file or --text");
  std::optional<Catalog> catalog;
  if (!a.db.empty()) catalog = Catalog::open(a.db, false);
  const auto files = model_for(a.model, catalog ? &*catalog : nullptr);
  auto embedder = Embedder::load(files, embedder_options(a.model));
  const auto image = embedder.embed_images({a.image});
  const auto texts = embedder.embed_texts(captions);
  const auto sim = cosine_matrix(image, texts);
  std::vector<std::pair<std::string, float>> ranked;
  for (size_t j = 0; j < captions.size(); ++j) ranked.emplace_back(captions[j], sim.data[j]);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  ranked.resize(std::min(ranked.size(), static_cast<size_t>(a.top)));
  print_ranked(ranked, a.json);
}

}  // namespace

void add_retrieval_commands(CLI::App& app, const std::string& executable) {
  auto ia = std::make_shared<IndexArgs>();
  ia->model.executable = executable;
  auto* index = app.add_subcommand("index", "create or update an index of image folders (incremental)");
  index->add_option("--db", ia->db, "index database file (SQLite)")->required();
  index->add_option("paths", ia->roots, "folders or image files to index")->required();
  index->add_flag("--no-prune", ia->no_prune, "keep entries of files that are gone");
  index->add_flag("--rehash", ia->rehash, "re-read every file even when size and time are unchanged");
  index->add_flag("--jsonl", ia->jsonl, "print the summary as a JSON line");
  add_model_file_options(*index, ia->model, false);
  add_runtime_options(*index, ia->model);
  index->callback([ia] { run_index(*ia); });

  auto sa = std::make_shared<SearchArgs>();
  sa->model.executable = executable;
  auto* search = app.add_subcommand("search", "find the indexed images closest to a query");
  search->add_option("--db", sa->db, "index database file")->required();
  search->add_option("query", sa->query, "prompt: '猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3'");
  search->add_option("--image", sa->image, "search by an image (image -> image)");
  search->add_option("--top", sa->top, "number of results")->check(CLI::Range(1, 100000))->capture_default_str();
  search->add_option("--min-score", sa->min_score,
                     "hide results below this cosine score (default: automatic, mean + 1.5 sd of all scores)");
  search->add_flag("--json", sa->json, "print [{\"path\":...,\"score\":...}] best first");
  add_model_file_options(*search, sa->model, true);
  add_runtime_options(*search, sa->model);
  search->callback([sa] { run_search(*sa); });

  auto ca = std::make_shared<CaptionArgs>();
  ca->model.executable = executable;
  auto* caption = app.add_subcommand("caption", "rank candidate texts for an image (image -> text, zero-shot labels)");
  caption->add_option("--image", ca->image, "the image")->required();
  caption->add_option("--texts-file", ca->text_files, "candidate texts, one per line");
  caption->add_option("--text", ca->texts, "a candidate text (repeatable)")->allow_extra_args(false);
  caption->add_option("--db", ca->db, "use the model this index was built with");
  caption->add_option("--top", ca->top, "number of texts")->check(CLI::Range(1, 100000))->capture_default_str();
  caption->add_flag("--json", ca->json, "print [{\"path\":text,\"score\":...}] best first");
  add_model_file_options(*caption, ca->model, true);
  add_runtime_options(*caption, ca->model);
  caption->callback([ca] { run_caption(*ca); });
}

}  // namespace brivl::cli
