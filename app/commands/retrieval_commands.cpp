// brivl index / brivl search: an incremental SQLite index of image folders and queries over it.
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "model_options.h"
#include "output_format.h"
#include "progress_line.h"
#include "retrieval/indexer.h"
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
  double min_score = -1.0;
  bool json = false;
};

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

void run_index(IndexArgs& a) {
  auto catalog = Catalog::open(a.db, /*create=*/true);
  // A catalog remembers its model: later runs need only --db.
  const auto files = a.model.model.empty() && a.model.config.empty() && catalog.meta("model.checkpoint")
                         ? catalog_model_files(catalog)
                         : resolve_model_files(a.model);
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
  const auto files = a.model.model.empty() && a.model.config.empty() ? catalog_model_files(catalog)
                                                                     : resolve_model_files(a.model);
  const auto fingerprint = file_fingerprint(files.checkpoint);
  BRIVL_CHECK(catalog.meta("model.fingerprint").value_or(fingerprint) == fingerprint, a.db,
              ": this index was built with another model (", catalog.meta("model.checkpoint").value_or("?"), ")");
  const auto entries = catalog.entries();
  BRIVL_CHECK(!entries.empty(), a.db, ": the index is empty (add folders with brivl index --db ", a.db, " FOLDER)");
  auto embedder = Embedder::load(files, embedder_options(a.model));
  // An image query is the prompt "@path" (it may still carry weights and other terms).
  const auto query = embedder.embed_prompt(a.image.empty() ? a.query : "@" + a.image);
  const auto hits = search_exact(entries, query, a.top, static_cast<float>(a.min_score));
  if (a.json) {
    std::cout << "[";
    for (size_t i = 0; i < hits.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"path\":" << json_string(hits[i].path)
                << ",\"score\":" << format_float(hits[i].score) << "}";
    }
    std::cout << "]\n";
    return;
  }
  for (const auto& h : hits) std::cout << std::fixed << std::setprecision(4) << h.score << "\t" << h.path << "\n";
  if (hits.empty()) std::cerr << "no image scores at least " << a.min_score << "\n";
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
  search->add_option("--min-score", sa->min_score, "hide results below this cosine score")->capture_default_str();
  search->add_flag("--json", sa->json, "print [{\"path\":...,\"score\":...}] best first");
  add_model_file_options(*search, sa->model, true);
  add_runtime_options(*search, sa->model);
  search->callback([sa] { run_search(*sa); });
}

}  // namespace brivl::cli
