#include "ui/history_gallery.h"

#include <QDesktopServices>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QKeyEvent>
#include <QMenu>
#include <QMessageBox>
#include <QUrl>
#include <QtConcurrent/QtConcurrentMap>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>
#include <exception>

#include "ui/image_convert.h"
#include "util/error.h"

namespace brivl::ui {
namespace {

constexpr int kThumbnail = 88;

// In device pixels (`dpr`), so the thumbnails stay sharp on a high-DPI screen.
QImage loadThumbnail(const QString& path, qreal dpr) {
  QImage image = readImageToFit(path, qRound(kThumbnail * dpr));
  image.setDevicePixelRatio(dpr);
  image.setText(QStringLiteral("path"), path);  // results arrive by index; rows may have moved since
  return image;
}

QString elided(const QString& text, int chars) { return text.size() <= chars ? text : text.left(chars - 1) + QChar(0x2026); }

}  // namespace

HistoryGallery::HistoryGallery(const QString& folder, QWidget* parent) : QListWidget(parent) {
  writer_.setMaxThreadCount(1);
  setObjectName(QStringLiteral("historyList"));
  setViewMode(QListView::IconMode);
  setResizeMode(QListView::Adjust);
  setMovement(QListView::Static);
  setUniformItemSizes(true);
  setIconSize(QSize(kThumbnail, kThumbnail));
  setGridSize(QSize(kThumbnail + 16, kThumbnail + 40));
  setWordWrap(true);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setContextMenuPolicy(Qt::CustomContextMenu);
  connect(this, &QWidget::customContextMenuRequested, this, &HistoryGallery::showMenu);
  connect(this, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) { Q_EMIT reopenRequested(row(item)); });
  try {
    history_ = std::make_unique<brivl::ImaginationHistory>(folder.toStdString());
  } catch (const std::exception& e) {
    // Shown once the window is up (the panel forwards it); the tab works without a history.
    QMetaObject::invokeMethod(this, [this, m = QString::fromUtf8(e.what())] { Q_EMIT problem(tr("No imagination history"), m); },
                              Qt::QueuedConnection);
  }
}

HistoryGallery::~HistoryGallery() {
  writer_.waitForDone();  // a finished run is never lost by closing the window
  if (thumbnails_) {
    thumbnails_->cancel();  // closing the window does not wait for every thumbnail
    thumbnails_->waitForFinished();
  }
  if (listing_) listing_->waitForFinished();
}

bool HistoryGallery::isLoading() const { return listing_ && listing_->isRunning(); }

int HistoryGallery::rowOf(const std::string& id) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

QString HistoryGallery::folder() const { return history_ ? QString::fromStdString(history_->folder()) : QString(); }

QListWidgetItem* HistoryGallery::makeItem(const brivl::HistoryEntry& e) const {
  const QString prompt = QString::fromStdString(e.settings.prompt);
  auto* item = new QListWidgetItem(elided(prompt, 14));
  item->setData(Qt::UserRole, QString::fromStdString(e.image_path));
  QString tip = QStringLiteral("<b>%1</b><br>").arg(prompt.toHtmlEscaped());
  tip += tr("%1 steps · %2 × %3 px · seed %4").arg(e.settings.steps).arg(e.settings.width).arg(e.settings.height).arg(e.settings.seed);
  if (std::isfinite(e.outcome.similarity)) tip += QStringLiteral("<br>") + tr("similarity %1").arg(e.outcome.similarity, 0, 'f', 4);
  if (e.outcome.seconds > 0) tip += QStringLiteral(" · ") + tr("%1 s").arg(e.outcome.seconds, 0, 'f', 1);
  if (!e.created.empty()) tip += QStringLiteral("<br>") + QString::fromStdString(e.created);
  tip += QStringLiteral("<br><i>") + tr("Double-click to reopen; right-click to replay or delete") + QStringLiteral("</i>");
  item->setToolTip(tip);
  return item;
}

void HistoryGallery::reload() {
  if (!history_) return;
  if (isLoading()) {
    reloadAgain_ = true;
    return;
  }
  if (!listing_) {
    listing_ = new QFutureWatcher<brivl::HistoryListing>(this);
    connect(listing_, &QFutureWatcherBase::finished, this, [this] {
      if (listing_->isCanceled()) return;
      showListing(listing_->result());
    });
  }
  // Reading every entry's settings is file I/O: off the UI thread. list() throws only when the
  // folder cannot be read; that comes back as a listing with one problem.
  listing_->setFuture(QtConcurrent::run([history = history_.get()] {
    try {
      return history->list();
    } catch (const std::exception& e) {
      brivl::HistoryListing failed;
      failed.problems.push_back(e.what());
      return failed;
    }
  }));
}

void HistoryGallery::showListing(brivl::HistoryListing listing) {
  if (reloadAgain_) {  // an add() raced with the listing: list again so it is included
    reloadAgain_ = false;
    QMetaObject::invokeMethod(this, &HistoryGallery::reload, Qt::QueuedConnection);
  }
  if (thumbnails_) thumbnails_->cancel();
  clear();
  entries_ = std::move(listing.entries);
  if (!listing.problems.empty()) {
    QStringList lines;
    for (const auto& p : listing.problems) lines << QString::fromStdString(p);
    Q_EMIT problem(tr("Some history files could not be read"), lines.join(QLatin1Char('\n')));
  }
  for (const auto& e : entries_) addItem(makeItem(e));
  loadThumbnails();
  Q_EMIT reloaded();
}

void HistoryGallery::loadThumbnails() {
  QStringList paths;
  for (const auto& e : entries_) paths << QString::fromStdString(e.image_path);
  if (!thumbnails_) {
    thumbnails_ = new QFutureWatcher<QImage>(this);
    connect(thumbnails_, &QFutureWatcherBase::resultReadyAt, this, [this](int index) {
      const QImage image = thumbnails_->resultAt(index);
      const QString path = image.text(QStringLiteral("path"));
      // Usually still at its index; only after an add or delete meanwhile is the row looked up.
      QListWidgetItem* target = item(index);
      if (!target || target->data(Qt::UserRole).toString() != path) {
        target = nullptr;
        for (int row = 0; row < count() && !target; ++row) {
          if (item(row)->data(Qt::UserRole).toString() == path) target = item(row);
        }
      }
      if (target) target->setIcon(QIcon(QPixmap::fromImage(image)));
    });
  }
  const qreal dpr = devicePixelRatioF();
  thumbnails_->setFuture(QtConcurrent::mapped(paths, [dpr](const QString& path) { return loadThumbnail(path, dpr); }));
}

namespace {

// What the writer thread hands back: the stored entry, or why it was not stored.
struct StoredEntry {
  brivl::HistoryEntry entry;
  QString error;
};

}  // namespace

void HistoryGallery::add(const QImage& image, const QString& settingsJson, const brivl::ImagineOutcome& outcome,
                         std::function<void(const QString& error)> done) {
  if (!history_) {
    if (done) done(QStringLiteral("no history folder"));
    return;
  }
  // The PNG is encoded and fsync'ed on the writer thread: under disk load an fsync alone can take
  // most of a second, which on this thread froze the window (measured: 729 ms in the GUI test).
  auto* watcher = new QFutureWatcher<StoredEntry>(this);
  ++pendingWrites_;
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, image, done = std::move(done)] {
    --pendingWrites_;
    StoredEntry stored = watcher->result();
    watcher->deleteLater();
    if (stored.error.isEmpty()) showAdded(std::move(stored.entry), image);
    if (done) done(stored.error);
  });
  watcher->setFuture(QtConcurrent::run(&writer_, [history = history_.get(), rgb = toRgbImage(image), json = settingsJson.toStdString(), outcome] {
    try {
      return StoredEntry{history->add(rgb, json, outcome), {}};
    } catch (const std::exception& e) {
      return StoredEntry{{}, QString::fromUtf8(e.what())};
    }
  }));
}

void HistoryGallery::showAdded(brivl::HistoryEntry e, const QImage& image) {
  auto* it = makeItem(e);
  const qreal dpr = devicePixelRatioF();
  QImage thumbnail = image.scaled(QSize(kThumbnail, kThumbnail) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  thumbnail.setDevicePixelRatio(dpr);
  it->setIcon(QIcon(QPixmap::fromImage(thumbnail)));
  entries_.insert(entries_.begin(), std::move(e));
  insertItem(0, it);
  if (isLoading()) reloadAgain_ = true;
}

bool HistoryGallery::removeRow(int row, QString* error) {
  try {
    BRIVL_CHECK(history_ != nullptr && row >= 0 && row < entryCount(), "no such history entry");
    history_->remove(entries_[static_cast<size_t>(row)].id);
    entries_.erase(entries_.begin() + row);
    delete takeItem(row);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
}

void HistoryGallery::confirmRemove(const std::string& id) {
  int row = rowOf(id);
  if (row < 0) return;
  const QString prompt = QString::fromStdString(entry(row).settings.prompt);
  if (QMessageBox::question(this, tr("Delete imagination"), tr("Delete “%1” from the history? Its image file is removed.").arg(prompt)) !=
      QMessageBox::Yes) {
    return;
  }
  row = rowOf(id);  // the dialog ran an event loop: a finished run may have been added meanwhile
  QString error;
  if (row >= 0 && !removeRow(row, &error)) Q_EMIT problem(tr("Deleting failed"), error);
}

void HistoryGallery::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Delete && currentRow() >= 0 && currentRow() < entryCount()) {
    confirmRemove(entry(currentRow()).id);
    return;
  }
  QListWidget::keyPressEvent(event);
}

void HistoryGallery::showMenu(const QPoint& position) {
  const QModelIndex index = indexAt(position);
  if (!index.isValid()) return;
  // Rows can move while the menu is open (a queued run finishing): act on the entry's id.
  const std::string id = entry(index.row()).id;
  const QString path = QString::fromStdString(entry(index.row()).image_path);
  QMenu menu(this);
  menu.addAction(tr("Reopen"), this, [this, id] {
    if (const int row = rowOf(id); row >= 0) Q_EMIT reopenRequested(row);
  });
  menu.addAction(tr("Replay"), this, [this, id] {
    if (const int row = rowOf(id); row >= 0) Q_EMIT replayRequested(row);
  });
  menu.addSeparator();
  menu.addAction(tr("Open containing folder"), this,
                 [path] { QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath())); });
  menu.addAction(tr("Delete…"), this, [this, id] { confirmRemove(id); });
  menu.exec(viewport()->mapToGlobal(position));
}

}  // namespace brivl::ui
