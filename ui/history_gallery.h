#pragma once
// The Imagine tab's persistent history: every finished imagination (core ImaginationHistory, in
// the studio's data folder) as a grid of thumbnails, newest first, with its prompt, similarity and
// time. Double-click reopens an entry (image, settings, curve); the context menu also replays it,
// opens its folder or deletes it. Thumbnails load, the folder is listed and new entries are
// written (PNG encoding and fsync) on pool threads: none of that file work runs on the UI thread.
#include <QListWidget>
#include <QThreadPool>
#include <functional>
#include <memory>
#include <vector>

#include "imagine/imagination_history.h"

template <typename T>
class QFutureWatcher;

namespace brivl::ui {

class HistoryGallery : public QListWidget {
  Q_OBJECT
 public:
  // `folder`: where the entries live (created if needed; a failure is reported by problem()).
  explicit HistoryGallery(const QString& folder, QWidget* parent = nullptr);
  ~HistoryGallery() override;

  // Lists the folder on a pool thread; the gallery fills when it is done (reloaded()).
  void reload();
  bool isLoading() const;
  // Stores a finished run on the writer thread and shows it first once it is on disk; then
  // `done(error)` runs on the UI thread (empty error: stored; otherwise why it was not). Entries
  // are written one at a time, in the order they were added; closing the gallery waits for them.
  void add(const QImage& image, const QString& settingsJson, const brivl::ImagineOutcome& outcome,
           std::function<void(const QString& error)> done = {});
  int pendingWrites() const { return pendingWrites_; }
  // Deletes the entry's files (no confirmation: the menu and the Delete key ask first).
  bool removeRow(int row, QString* error = nullptr);
  const brivl::HistoryEntry& entry(int row) const { return entries_.at(static_cast<size_t>(row)); }
  int rowOf(const std::string& id) const;  // -1 when there is no such entry (any more)
  int entryCount() const { return static_cast<int>(entries_.size()); }
  QString folder() const;

 Q_SIGNALS:
  void reopenRequested(int row);
  void replayRequested(int row);
  void problem(const QString& title, const QString& message);
  void reloaded();

 protected:
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void showMenu(const QPoint& position);
  // By id: rows move when a finished run is added while a menu or dialog is open.
  void confirmRemove(const std::string& id);
  void showListing(brivl::HistoryListing listing);
  QListWidgetItem* makeItem(const brivl::HistoryEntry& e) const;
  void showAdded(brivl::HistoryEntry e, const QImage& image);
  void loadThumbnails();

  std::unique_ptr<brivl::ImaginationHistory> history_;
  std::vector<brivl::HistoryEntry> entries_;
  QFutureWatcher<QImage>* thumbnails_ = nullptr;
  QFutureWatcher<brivl::HistoryListing>* listing_ = nullptr;
  bool reloadAgain_ = false;  // an entry was added while the folder was being listed
  QThreadPool writer_;        // one thread: entries reach the disk in the order they were added
  int pendingWrites_ = 0;
};

}  // namespace brivl::ui
