// brivl index / brivl search: an incremental SQLite index of image folders and queries over it.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.h"
#include "model_options.h"
#include "output_format.h"
#include "progress_line.h"
#include "retrieval/caption_ranker.h"
#include "retrieval/duplicate_folding.h"
#include "retrieval/indexer.h"
#include "retrieval/vector_index.h"
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
  int decode_threads = 0;
};

struct SearchArgs {
  ModelArgs model;
  std::string db, query, image;
  int top = 20;
  double min_score = -2.0;  // below any cosine: "not given", the automatic cutoff applies
  bool json = false;
  std::string engine = "auto", precision = "fp32";
  bool no_fold = false;
  float fold_threshold = FoldOptions{}.threshold;
};

// Folding compares each result with the ones kept before it; above this many candidates that is
// seconds of work for a list nobody reads, so it is left out (and said so).
constexpr int kMostFoldedCandidates = 2000;

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

// Search results with the near duplicates folded under each; JSON keeps "path" and "score" and adds
// "duplicates" (always present, [] when none) so that scripts see one shape.
void print_search_results(const std::vector<FoldedHit>& results, bool json) {
  if (json) {
    std::cout << "[";
    for (size_t i = 0; i < results.size(); ++i) {
      std::cout << (i ? "," : "") << "{\"path\":" << json_string(results[i].hit.path)
                << ",\"score\":" << format_float(results[i].hit.score) << ",\"duplicates\":[";
      const auto& dups = results[i].duplicates;
      for (size_t j = 0; j < dups.size(); ++j) {
        std::cout << (j ? "," : "") << "{\"path\":" << json_string(dups[j].path)
                  << ",\"score\":" << format_float(dups[j].score) << "}";
      }
      std::cout << "]}";
    }
    std::cout << "]\n";
    return;
  }
  std::cout << std::fixed << std::setprecision(4);
  for (const auto& r : results) {
    std::cout << r.hit.score << "\t" << r.hit.path << "\n";
    for (const auto& d : r.duplicates) std::cout << "  " << d.score << "\t" << d.path << "\n";  // indented: folded
  }
}

// A bad value of a search option as "--flag: what is wrong", before anything is loaded.
template <typename Parse>
auto option_value(const char* flag, Parse parse) {
  try {
    return parse();
  } catch (const Error& e) {
    BRIVL_FAIL(flag, ": ", e.what());
  }
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
  options.decode_threads = a.decode_threads;
  ProgressLine progress("indexing");
  IndexHooks hooks;
  const auto show = progress.hooks().on_progress;
  const auto start = std::chrono::steady_clock::now();
  auto last_line = start - std::chrono::seconds(1);
  hooks.on_progress = [&](int64_t done, int64_t total) {
    if (show) show(done, total);
    const auto now = std::chrono::steady_clock::now();
    if (!a.jsonl || (done < total && now - last_line < std::chrono::milliseconds(500))) return;
    last_line = now;  // at most two lines a second, and always the last one
    const double seconds = std::chrono::duration<double>(now - start).count();
    std::cout << "{\"done\":" << done << ",\"total\":" << total
              << ",\"images_per_s\":" << (seconds > 0 ? static_cast<double>(done) / seconds : 0.0) << "}" << std::endl;
  };
  const auto report = update_index(catalog, embedder, options, hooks);
  report_index(report, a.jsonl);
}

void run_search(SearchArgs& a) {
  BRIVL_CHECK(a.query.empty() != a.image.empty(), "search: give a QUERY or --image IMG (one of them)");
  VectorIndexOptions index_options;
  index_options.engine = option_value("--engine", [&] { return parse_search_engine(a.engine); });
  index_options.precision = option_value("--precision", [&] { return parse_precision(a.precision); });
  BRIVL_CHECK(index_options.engine != SearchEngine::faiss || faiss_available(),
              "--engine faiss: this brivl was built without FAISS (install libfaiss-dev and configure with "
              "-DBRIVL_WITH_FAISS=ON); use --engine exact or auto");
  FoldOptions fold;
  fold.threshold = a.fold_threshold;
  option_value("--fold-threshold", [&] { validate(fold); return 0; });
  auto catalog = Catalog::open(a.db, /*create=*/false);
  const auto files = model_for(a.model, &catalog);
  const auto fingerprint = file_fingerprint(files.checkpoint);
  BRIVL_CHECK(catalog.meta("model.fingerprint").value_or(fingerprint) == fingerprint, a.db,
              ": this index was built with another model (", catalog.meta("model.checkpoint").value_or("?"), ")");
  // Paths now, vectors streamed into the engine: a million-image index never exists as float32.
  auto paths = catalog.indexed_paths();
  const auto n = static_cast<int64_t>(paths.size());
  BRIVL_CHECK(n > 0, a.db, ": the index is empty (add folders with brivl index --db ", a.db, " FOLDER)");
  const auto runtime = embedder_options(a.model);
  auto embedder = Embedder::load(files, runtime);
  // An image query is the prompt "@path" (it may still carry weights and other terms).
  const auto query = embedder.embed_prompt(a.image.empty() ? a.query : "@" + a.image);
  index_options.threads = runtime.threads;
  // A FAISS index takes ~30 s per 100k images to train: it is kept next to the db and
  // reused while the collection is unchanged.
  index_options.faiss_cache_file = a.db + ".faiss";
  if (resolve_engine(n, index_options) == SearchEngine::faiss) {
    std::cerr << "faiss index of " << n << " images: " << index_options.faiss_cache_file
              << " when current, else built now (~30 s per 100k images on 2 cores; kept for the next search)\n";
  }
  const auto index = make_vector_index(std::move(paths), catalog.vector_dim(), rows_of(catalog), index_options);
  // Folded duplicates do not count against --top: look at twice as many candidates.
  const bool folding = !a.no_fold && 2 * a.top <= kMostFoldedCandidates;
  const int candidates = folding ? 2 * a.top : a.top;
  // The cutoff is shown, and --min-score replaces it.
  std::vector<SearchHit> hits;
  Cutoff cutoff{static_cast<float>(a.min_score), "--min-score"};
  if (a.min_score > -2.0) {
    hits = index->search(query, candidates, cutoff.score);
  } else {
    auto result = index->search_with_cutoff(query, candidates);
    cutoff = result.cutoff;
    for (auto& h : result.hits) {
      if (h.score >= cutoff.score) hits.push_back(std::move(h));
    }
  }
  std::vector<FoldedHit> results;
  if (folding) {
    std::vector<std::vector<float>> vectors;
    for (const auto& h : hits) vectors.push_back(index->vector(h.row));
    results = fold_near_duplicates(hits, vectors, fold);
  } else {
    for (auto& h : hits) results.push_back({std::move(h), {}});
  }
  if (static_cast<int>(results.size()) > a.top) results.resize(static_cast<size_t>(a.top));
  size_t folded = 0;
  for (const auto& r : results) folded += r.duplicates.size();
  print_search_results(results, a.json);
  std::cerr << results.size() << " of " << n << " images at or above " << std::setprecision(4)
            << cutoff.score << " (" << cutoff.rule << "; --min-score X to change); engine: " << index->describe()
            << "\n";
  if (folding && folded) {
    std::cerr << "near duplicates folded under their best copy: " << folded << " (cosine >= " << fold.threshold
              << "; --no-fold to list them, --fold-threshold X to change)\n";
  } else if (!a.no_fold && !folding) {
    std::cerr << "near duplicates not folded above --top " << kMostFoldedCandidates / 2 << "\n";
  }
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
  const CaptionRanker ranker(embedder, std::move(captions), "caption: the candidate texts");
  std::vector<std::pair<std::string, float>> ranked;
  for (auto& r : ranker.rank_image(embedder, a.image, a.top)) ranked.emplace_back(std::move(r.text), r.score);
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
  index->add_flag("--jsonl", ia->jsonl, "print progress ({done,total,images_per_s}) and the summary as JSON lines");
  index->add_option("--decode-threads", ia->decode_threads, "threads reading and decoding files ahead of the model (default: one per core, at most 8)")
      ->check(CLI::Range(1, 64));
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
  search->add_flag("--json", sa->json, "print [{\"path\":...,\"score\":...,\"duplicates\":[...]}] best first");
  search->add_option("--engine", sa->engine,
                     "auto (FAISS from " + std::to_string(VectorIndexOptions{}.faiss_min_size) +
                         " images when built with it, else exact), exact or faiss")
      ->capture_default_str();
  search->add_option("--precision", sa->precision, "vectors of the exact engine in memory: fp32, or fp16 (half the memory)")
      ->capture_default_str();
  search->add_flag("--no-fold", sa->no_fold, "list near duplicates (resized, re-encoded copies) as results of their own");
  search->add_option("--fold-threshold", sa->fold_threshold, "cosine at which a result folds into a better one")
      ->capture_default_str();
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
