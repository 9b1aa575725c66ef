#include "ui/retrieve_panel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QToolButton>
#include <QImage>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QListView>
#include <QMenu>
#include <QUrl>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QThread>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "ui/explain_runner.h"
#include "ui/image_convert.h"
#include "ui/model_host.h"
#include "ui/near_strip.h"
#include "ui/studio_paths.h"
#include "ui/result_model.h"
#include "ui/workers/retrieval_worker.h"

namespace brivl::ui {
namespace {

const QString kFoldersKey = QStringLiteral("retrieve/folders");
const QString kCaptionsKey = QStringLiteral("retrieve/captionList");
const QString kQueryKey = QStringLiteral("retrieve/lastQuery");
const QString kTopKey = QStringLiteral("retrieve/top");
constexpr int kCaptionsShown = 5;

}  // namespace

RetrievePanel::RetrievePanel(ModelHost* host, QWidget* parent)
    : QWidget(parent), host_(host), thread_(new QThread(this)), worker_(new RetrievalWorker), model_(new ResultModel(this)) {
  folders_ = QSettings().value(kFoldersKey).toStringList();
  worker_->moveToThread(thread_);
  thread_->setObjectName(QStringLiteral("retrieval"));
  thread_->start();
  setAcceptDrops(true);

  auto* body = new QSplitter(Qt::Horizontal, this);
  body->addWidget(buildSidebar());
  body->addWidget(buildResults());
  body->addWidget(buildPreview());
  body->setStretchFactor(0, 0);
  body->setStretchFactor(1, 1);
  body->setStretchFactor(2, 0);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildQueryRow());
  layout->addWidget(body, 1);
  connectWorker();
  // Results survive restarts: the last query is searched again once the index is open.
  restoreQuery_ = QSettings().value(kQueryKey).toString();
  connect(host_, &ModelHost::modelReady, this, &RetrievePanel::useModel);
  if (host_->isReady()) useModel();
  setIndexing(false);
}

void RetrievePanel::useModel() {
  const ModelHandle m = host_->model();
  onWorker([m](RetrievalWorker* w) { w->setModel(m.files, m.imaginer->embedder(), m.fingerprint); });
  const QString captions = QSettings().value(kCaptionsKey).toString();
  if (!captions.isEmpty() && !captionsReady_ && QFileInfo::exists(captions)) loadCaptionList(captions);
}

QWidget* RetrievePanel::buildQueryRow() {
  auto* row = new QWidget(this);
  query_ = new QLineEdit(row);
  query_->setObjectName(QStringLiteral("queryEdit"));
  query_->setPlaceholderText(tr("Search by meaning: 海边的日落 | 人:-0.5   or   @/path/to/photo.jpg"));
  query_->setClearButtonEnabled(true);
  searchButton_ = new QPushButton(tr("Search"), row);
  auto* byImagination = new QPushButton(tr("Search with the imagination"), row);
  byImagination->setObjectName(QStringLiteral("searchImaginationButton"));
  byImagination->setToolTip(tr("Use the last image of the Imagine tab as the query"));
  connect(byImagination, &QPushButton::clicked, this, &RetrievePanel::imaginationWanted);
  searchButton_->setObjectName(QStringLiteral("searchButton"));
  top_ = new QSpinBox(row);
  top_->setRange(1, 1000);
  top_->setValue(QSettings().value(kTopKey, 60).toInt());
  top_->setPrefix(tr("top "));
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(tr("Query:"), row));
  layout->addWidget(query_, 1);
  layout->addWidget(top_);
  layout->addWidget(searchButton_);
  layout->addWidget(byImagination);
  connect(query_, &QLineEdit::returnPressed, this, [this] { search(query_->text()); });
  connect(searchButton_, &QPushButton::clicked, this, [this] { search(query_->text()); });
  return row;
}

QWidget* RetrievePanel::buildResults() {
  auto* area = new QWidget(this);
  grid_ = new QListView(area);
  grid_->setObjectName(QStringLiteral("resultsView"));
  grid_->setViewMode(QListView::IconMode);
  grid_->setResizeMode(QListView::Adjust);
  grid_->setMovement(QListView::Static);
  grid_->setUniformItemSizes(true);
  grid_->setIconSize(QSize(ResultModel::kThumbnailSize, ResultModel::kThumbnailSize));
  grid_->setGridSize(QSize(ResultModel::kThumbnailSize + 24, ResultModel::kThumbnailSize + 52));
  grid_->setSpacing(4);
  grid_->setModel(model_);
  summary_ = new QLabel(tr("Add a folder of images, then search it by meaning."), area);
  summary_->setObjectName(QStringLiteral("searchSummary"));
  summary_->setWordWrap(true);
  auto* layout = new QVBoxLayout(area);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(grid_, 1);
  layout->addWidget(summary_);
  connect(grid_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& index) { showPreview(index.row()); });
  connect(grid_, &QListView::doubleClicked, this, [this](const QModelIndex& index) { searchSimilar(index.row()); });
  grid_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(grid_, &QWidget::customContextMenuRequested, this, &RetrievePanel::showResultMenu);
  return area;
}

void RetrievePanel::dragEnterEvent(QDragEnterEvent* event) {
  const auto urls = event->mimeData()->urls();
  if (!urls.isEmpty() && urls.first().isLocalFile()) event->acceptProposedAction();
}

void RetrievePanel::dropEvent(QDropEvent* event) {
  query_->setText(QStringLiteral("@") + event->mimeData()->urls().first().toLocalFile());
  event->acceptProposedAction();
  search(query_->text());
}

void RetrievePanel::searchImage(const QImage& image) {
  const QString path = QDir(appDataDir()).filePath(QStringLiteral("imagination-query.png"));
  if (!image.save(path, "PNG")) {
    Q_EMIT problem(tr("Search failed"), tr("Cannot write %1").arg(path));
    return;
  }
  query_->setText(QStringLiteral("@") + path);
  search(query_->text());
}

void RetrievePanel::searchSimilar(int row) {
  if (row < 0 || row >= model_->rowCount()) return;
  // The shared prompt syntax: an @path term is an image query (see core/text/prompt.h).
  query_->setText(QStringLiteral("@") + model_->result(row).path);
  search(query_->text());
}

void RetrievePanel::showResultMenu(const QPoint& position) {
  const QModelIndex index = grid_->indexAt(position);
  if (!index.isValid()) return;
  const QString path = model_->result(index.row()).path;
  QMenu menu(this);
  menu.addAction(tr("More like this"), this, [this, row = index.row()] { searchSimilar(row); });
  menu.addSeparator();
  menu.addAction(tr("Open"), this, [path] { QDesktopServices::openUrl(QUrl::fromLocalFile(path)); });
  menu.addAction(tr("Open containing folder"), this,
                 [path] { QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path).absolutePath())); });
  menu.addAction(tr("Copy path"), this, [path] { QGuiApplication::clipboard()->setText(path); });
  menu.exec(grid_->viewport()->mapToGlobal(position));
}

void RetrievePanel::connectWorker() {
  connect(worker_, &RetrievalWorker::indexProgress, this, [this](qint64 done, qint64 total) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
    indexStatus_->setText(tr("Indexing %1 / %2 …").arg(done).arg(total));
  });
  connect(worker_, &RetrievalWorker::status, indexStatus_, &QLabel::setText);
  connect(worker_, &RetrievalWorker::databaseChanged, this, [this](const QString& db, qint64 files) {
    indexStatus_->setText(tr("%n image(s) indexed", nullptr, static_cast<int>(files)));
    indexStatus_->setToolTip(db);
    if (files > 0 && !restoreQuery_.isEmpty() && query_->text().isEmpty()) {
      query_->setText(restoreQuery_);
      search(restoreQuery_);
    }
    restoreQuery_.clear();
  });
  connect(worker_, &RetrievalWorker::captionsLoaded, this, [this](const QString& path, int count) {
    const bool wasReady = captionsReady_;
    captionsReady_ = true;
    QSettings().setValue(kCaptionsKey, path);  // remembered once it loaded
    captionSource_->setText(tr("%n caption(s) from %1", nullptr, count).arg(QFileInfo(path).fileName()));
    captionSource_->setToolTip(path);
    if (!wasReady) describeCurrent();  // (re-embedded for a new model: the request is on its way)
  });
  connect(worker_, &RetrievalWorker::nearFound, this, [this](int serial, const QVector<SearchResult>& results) {
    if (serial == nearSerial_) Q_EMIT nearFound(results);  // an older answer would flicker back
  });
  connect(worker_, &RetrievalWorker::described, this, [this](const QString& path, const QVector<CaptionScore>& ranked) {
    const int current = grid_->currentIndex().row();
    if (current < 0 || model_->result(current).path != path) return;  // another result was chosen meanwhile
    captions_->clear();
    for (const auto& c : ranked) {
      auto* item = new QListWidgetItem(QStringLiteral("%1   %2").arg(c.score, 0, 'f', 3).arg(c.text), captions_);
      item->setToolTip(c.text);
    }
  });
  connect(worker_, &RetrievalWorker::indexed, this, &RetrievePanel::onIndexed);
  connect(worker_, &RetrievalWorker::searched, this, &RetrievePanel::onSearched);
  connect(worker_, &RetrievalWorker::captionsFailed, this, [this](const QString& message) {
    captionsReady_ = false;
    captionSource_->setText(tr("No caption list"));
    captions_->clear();
    Q_EMIT problem(tr("Caption list"), message);
  });
  connect(worker_, &RetrievalWorker::failed, this, [this](const QString& what, const QString& message) {
    setIndexing(false);
    summary_->setText(what + QStringLiteral(": ") + message);
    Q_EMIT problem(what, message);
  });
}

RetrievePanel::~RetrievePanel() {
  worker_->cancel = true;  // an index run stops after committing its current batch
  thread_->quit();
  thread_->wait();
  delete worker_;
}

template <typename F>
void RetrievePanel::onWorker(F&& f) {
  QMetaObject::invokeMethod(worker_, [w = worker_, f = std::forward<F>(f)] { f(w); }, Qt::QueuedConnection);
}

QWidget* RetrievePanel::buildSidebar() {
  auto* side = new QWidget(this);
  auto* folderBox = new QGroupBox(tr("Folders"), side);
  folderList_ = new QListWidget(folderBox);
  folderList_->setObjectName(QStringLiteral("folderList"));
  folderList_->addItems(folders_);
  addButton_ = new QPushButton(tr("Add folder…"), folderBox);
  addButton_->setObjectName(QStringLiteral("addFolderButton"));
  removeButton_ = new QPushButton(tr("Remove"), folderBox);
  reindexButton_ = new QPushButton(tr("Update index"), folderBox);
  cancelButton_ = new QPushButton(tr("Stop"), folderBox);
  progress_ = new QProgressBar(folderBox);
  progress_->setObjectName(QStringLiteral("indexProgress"));
  indexStatus_ = new QLabel(tr("No model yet"), folderBox);
  indexStatus_->setObjectName(QStringLiteral("indexStatus"));
  indexStatus_->setWordWrap(true);
  auto* buttons = new QGridLayout;
  buttons->addWidget(addButton_, 0, 0);
  buttons->addWidget(removeButton_, 0, 1);
  buttons->addWidget(reindexButton_, 1, 0);
  buttons->addWidget(cancelButton_, 1, 1);
  auto* folderLayout = new QVBoxLayout(folderBox);
  folderLayout->addWidget(folderList_, 1);
  folderLayout->addLayout(buttons);
  folderLayout->addWidget(progress_);
  folderLayout->addWidget(indexStatus_);

  auto* skippedBox = new QGroupBox(tr("Skipped files"), side);
  skipped_ = new QListWidget(skippedBox);
  skipped_->setObjectName(QStringLiteral("skippedList"));
  skipped_->setWordWrap(true);
  auto* skippedLayout = new QVBoxLayout(skippedBox);
  skippedLayout->addWidget(skipped_);

  auto* layout = new QVBoxLayout(side);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(folderBox, 2);
  layout->addWidget(skippedBox, 1);
  side->setMinimumWidth(260);
  side->setMaximumWidth(360);
  connect(addButton_, &QPushButton::clicked, this, &RetrievePanel::browseFolder);
  connect(removeButton_, &QPushButton::clicked, this, &RetrievePanel::removeFolder);
  connect(reindexButton_, &QPushButton::clicked, this, &RetrievePanel::reindex);
  connect(cancelButton_, &QPushButton::clicked, this, [this] { worker_->cancel = true; });
  return side;
}

QWidget* RetrievePanel::buildPreview() {
  auto* box = new QGroupBox(tr("Preview"), this);
  previewImage_ = new QLabel(box);
  previewImage_->setAlignment(Qt::AlignCenter);
  previewImage_->setMinimumSize(240, 240);
  previewImage_->setObjectName(QStringLiteral("previewImage"));
  where_ = new QToolButton(box);
  where_->setObjectName(QStringLiteral("whereToggle"));
  where_->setText(tr("Where?"));
  where_->setCheckable(true);
  where_->setToolTip(tr("Lays over the preview where the model sees the query: each of the model's 6×6 regions "
                        "taken away in turn, hotter where the score depends on it more (brivl explain)"));
  explainer_ = new ExplainRunner(this);
  connect(where_, &QToolButton::toggled, this, &RetrievePanel::updateWhere);
  connect(explainer_, &ExplainRunner::ready, this, [this](const QImage& overlay, double similarity) {
    setPreviewImage(overlay);
    where_->setToolTip(tr("The map of “%1” over this image (similarity %2)").arg(lastQuery_).arg(similarity, 0, 'f', 4));
  });
  connect(explainer_, &ExplainRunner::failed, this, [this](const QString& message) {
    where_->setChecked(false);
    Q_EMIT problem(tr("Where? failed"), message);
  });
  previewText_ = new QLabel(tr("Click a result."), box);
  previewText_->setWordWrap(true);
  previewText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  // Image -> text over a caption list the user picks (zero-shot labels, a caption file).
  auto* captionBox = new QGroupBox(tr("Best captions"), box);
  captionBox->setToolTip(tr("Ranks the texts of a list (one per line) for the selected image"));
  auto* pick = new QPushButton(tr("Caption list…"), captionBox);
  pick->setObjectName(QStringLiteral("captionListButton"));
  captionSource_ = new QLabel(tr("No caption list"), captionBox);
  captionSource_->setObjectName(QStringLiteral("captionSource"));
  captionSource_->setWordWrap(true);
  captions_ = new QListWidget(captionBox);
  captions_->setObjectName(QStringLiteral("captionsList"));
  captions_->setMaximumHeight(120);
  auto* captionLayout = new QVBoxLayout(captionBox);
  auto* captionRow = new QHBoxLayout;
  captionRow->addWidget(captionSource_, 1);
  captionRow->addWidget(pick);
  captionLayout->addLayout(captionRow);
  captionLayout->addWidget(captions_);
  connect(pick, &QPushButton::clicked, this, &RetrievePanel::browseCaptionList);
  auto* layout = new QVBoxLayout(box);
  auto* whereRow = new QHBoxLayout;
  whereRow->addStretch(1);
  whereRow->addWidget(where_);
  layout->addLayout(whereRow);
  layout->addWidget(previewImage_, 1);
  layout->addWidget(previewText_);
  layout->addWidget(captionBox);
  box->setMinimumWidth(260);
  box->setMaximumWidth(400);
  return box;
}

void RetrievePanel::addFolder(const QString& folder) {
  const QString clean = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  if (!folders_.contains(clean)) {
    folders_ << clean;
    folderList_->addItem(clean);
    QSettings().setValue(kFoldersKey, folders_);
  }
  reindex();
}

void RetrievePanel::browseFolder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a folder of images"), QDir::homePath());
  if (!dir.isEmpty()) addFolder(dir);
}

void RetrievePanel::removeFolder() {
  const int row = folderList_->currentRow();
  if (row < 0 || indexing_) return;
  const QString folder = folders_.takeAt(row);
  delete folderList_->takeItem(row);
  QSettings().setValue(kFoldersKey, folders_);
  if (host_->isReady()) onWorker([folder](RetrievalWorker* w) { w->forget(folder); });
}

void RetrievePanel::reindex() {
  if (indexing_ || folders_.isEmpty()) return;
  if (!host_->isReady()) {
    Q_EMIT problem(tr("No model loaded"), tr("Load a model first (the bar at the top)."));
    return;
  }
  setIndexing(true);
  progress_->setRange(0, 0);
  const QStringList roots = folders_;
  onWorker([roots](RetrievalWorker* w) { w->index(roots); });
}

void RetrievePanel::search(const QString& query) {
  if (query.trimmed().isEmpty()) return;
  if (!host_->isReady()) {
    Q_EMIT problem(tr("No model loaded"), tr("Load a model first (the bar at the top)."));
    return;
  }
  summary_->setText(tr("Searching…"));
  const int top = top_->value();
  QSettings().setValue(kQueryKey, query);
  QSettings().setValue(kTopKey, top);
  onWorker([query, top](RetrievalWorker* w) { w->search(query, top); });
}

void RetrievePanel::setIndexing(bool indexing) {
  indexing_ = indexing;
  addButton_->setEnabled(!indexing);
  removeButton_->setEnabled(!indexing);
  reindexButton_->setEnabled(!indexing);
  cancelButton_->setEnabled(indexing);
  if (!indexing) progress_->setRange(0, 1);
}

void RetrievePanel::onIndexed(const IndexSummary& s) {
  const bool wasIndexing = indexing_;
  setIndexing(false);
  progress_->setValue(1);
  skipped_->clear();
  skipped_->addItems(s.skippedFiles);
  if (wasIndexing) {
    indexStatus_->setText(tr("%1 images indexed (%2 new, %3 moved, %4 unchanged, %5 skipped, %6 removed) in %7 s")
                              .arg(s.files).arg(s.embedded).arg(s.reused).arg(s.unchanged).arg(s.skipped).arg(s.pruned)
                              .arg(s.seconds, 0, 'f', 1));
    Q_EMIT indexFinished(s.files, s.skippedFiles);
  }
}

void RetrievePanel::onSearched(const SearchOutcome& o) {
  lastQuery_ = o.query;
  model_->setResults(o.results);
  int above = 0;
  for (const auto& r : o.results) above += r.aboveCutoff ? 1 : 0;
  if (o.cutoff > -1) {
    summary_->setText(tr("%1 of %2 images stand out from the collection (score ≥ %3); weaker matches are greyed.")
                          .arg(above).arg(o.indexSize).arg(o.cutoff, 0, 'f', 4));
  } else {
    summary_->setText(tr("%1 of %2 images (too few for a relevance cutoff).").arg(o.results.size()).arg(o.indexSize));
  }
  summary_->setToolTip(o.cutoffRule);
  if (!o.results.isEmpty()) {
    grid_->setCurrentIndex(model_->index(0));
  } else {  // nothing to preview: not the previous query's result
    previewPlain_ = QImage();
    explainer_->cancel();
    previewImage_->clear();
    previewText_->setText(tr("Click a result."));
    captions_->clear();
  }
  Q_EMIT searchFinished(static_cast<int>(o.results.size()));
}

void RetrievePanel::showPreview(int row) {
  if (row < 0 || row >= model_->rowCount()) return;
  const SearchResult r = model_->result(row);
  const QFileInfo info(r.path);
  const QSize size = QImageReader(r.path).size();
  previewText_->setText(tr("<b>%1</b><br>%2<br>%3 × %4 px · %5 KB<br>score %6")
                            .arg(info.fileName().toHtmlEscaped(), info.absolutePath().toHtmlEscaped())
                            .arg(size.width()).arg(size.height()).arg(info.size() / 1024)
                            .arg(r.score, 0, 'f', 4));
  auto* watcher = new QFutureWatcher<QImage>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path = r.path] {
    watcher->deleteLater();
    const int current = grid_->currentIndex().row();
    if (current < 0 || model_->result(current).path != path) return;  // another result was chosen meanwhile
    previewPlain_ = watcher->result();
    updateWhere();
  });
  watcher->setFuture(QtConcurrent::run(readImageToFit, r.path, qRound(360 * previewImage_->devicePixelRatioF())));
  describeCurrent();
}

void RetrievePanel::setPreviewImage(const QImage& image) {
  if (image.isNull()) {
    previewImage_->clear();
    return;
  }
  // In device pixels: sharp on a high-DPI screen, shown at the box's logical size.
  const qreal dpr = previewImage_->devicePixelRatioF();
  const QSize box = previewImage_->size().boundedTo(QSize(360, 360)) * dpr;
  // Small images are enlarged to the preview box (without smoothing: pixels stay visible).
  QPixmap pixmap = QPixmap::fromImage(image.scaled(box, Qt::KeepAspectRatio,
      image.width() < box.width() / 2 ? Qt::FastTransformation : Qt::SmoothTransformation));
  pixmap.setDevicePixelRatio(dpr);
  previewImage_->setPixmap(pixmap);
}

void RetrievePanel::updateWhere() {
  setPreviewImage(previewPlain_);  // at once; the map follows when it is ready
  if (!where_->isChecked() || previewPlain_.isNull() || lastQuery_.isEmpty() || !host_->isReady()) {
    explainer_->cancel();
    return;
  }
  explainer_->request(host_->model().imaginer->embedder(), previewPlain_, lastQuery_);
}

QImage RetrievePanel::previewShown() const { return previewImage_->pixmap().toImage(); }

void RetrievePanel::loadCaptionList(const QString& path) {
  if (!host_->isReady()) {
    Q_EMIT problem(tr("No model loaded"), tr("Load a model first (the bar at the top)."));
    return;
  }
  captionsReady_ = false;
  captionSource_->setText(tr("Embedding the captions…"));
  onWorker([path](RetrievalWorker* w) { w->loadCaptions(path); });
}

void RetrievePanel::browseCaptionList() {
  const QString start = QSettings().value(kCaptionsKey, QDir::homePath()).toString();
  const QString path = QFileDialog::getOpenFileName(this, tr("Caption list (one text per line)"), start,
                                                    tr("Text files (*.txt);;All files (*)"));
  if (!path.isEmpty()) loadCaptionList(path);
}

void RetrievePanel::findNear(const QImage& image) {
  if (image.isNull()) return;
  const int serial = ++nearSerial_;
  worker_->latestNear = serial;
  const QImage copy = image.copy();  // the worker's thread gets its own pixels
  onWorker([copy, serial](RetrievalWorker* w) { w->near(copy, NearStrip::kShown, serial); });
}

void RetrievePanel::describeCurrent() {
  captions_->clear();
  const int row = grid_->currentIndex().row();
  if (!captionsReady_ || row < 0 || row >= model_->rowCount()) return;
  const QString path = model_->result(row).path;
  const int serial = ++describeSerial_;
  worker_->latestDescribe = serial;
  onWorker([path, serial](RetrievalWorker* w) { w->describe(path, kCaptionsShown, serial); });
}

}  // namespace brivl::ui
