#pragma once
// The Retrieve tab: folders to index (incremental, with progress and the skipped files), a query
// box (weighted prompt or @image), a grid of results with scores and the relevance cutoff, and a
// preview of the selected result. Indexing and search run in RetrievalWorker on its own thread.
#include <QImage>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "ui/workers/retrieval_worker.h"  // SearchResult

class QDragEnterEvent;
class QImage;
class QDropEvent;

class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;
class QToolButton;

namespace brivl::ui {

class ModelHost;
class ResultModel;
class ExplainRunner;
class RetrievalWorker;
struct IndexSummary;
struct SearchOutcome;

class RetrievePanel : public QWidget {
  Q_OBJECT
 public:
  explicit RetrievePanel(ModelHost* host, QWidget* parent = nullptr);
  ~RetrievePanel() override;

  void addFolder(const QString& folder);  // remembers it and re-indexes
  void reindex();
  void search(const QString& query);
  // Searches by an image that has no file (the current imagination): saved to the app data folder
  // as imagination-query.png, then queried as "@path".
  void searchImage(const QImage& image);
  // "More like this": searches with the result's image as the query (double-click, context menu).
  void searchSimilar(int row);
  // "Near": asks the index for the NearStrip::kShown images nearest to `image` (an imagination
  // that has no file); the answer comes as nearFound. Only the newest request is served.
  void findNear(const QImage& image);
  // Image -> text: the captions of this list (one per line) are ranked for the selected result
  // in the preview. Remembered across restarts.
  void loadCaptionList(const QString& path);
  QStringList folders() const { return folders_; }
  ResultModel* results() const { return model_; }
  // The preview as shown: the selected image, or with "Where?" on, the query's map over it.
  QImage previewShown() const;
  bool isIndexing() const { return indexing_; }

 protected:
  // Dropping an image file searches by it ("@path").
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 Q_SIGNALS:
  void imaginationWanted();  // "Search with the imagination": the window hands over its image
  void indexFinished(qint64 files, const QStringList& skipped);
  void searchFinished(int results);
  void nearFound(const QVector<brivl::ui::SearchResult>& results);
  void problem(const QString& title, const QString& message);

 private:
  QWidget* buildQueryRow();
  QWidget* buildSidebar();
  QWidget* buildResults();
  QWidget* buildPreview();
  void connectWorker();
  void useModel();  // the loaded model (on start when it is ready already, then on each load)
  void browseFolder();
  void removeFolder();
  void setIndexing(bool indexing);
  void onIndexed(const IndexSummary& summary);
  void onSearched(const SearchOutcome& outcome);
  void showPreview(int row);
  void setPreviewImage(const QImage& image);  // scaled into the preview box
  void updateWhere();  // the map for the shown preview and query, or the plain preview
  void showResultMenu(const QPoint& position);
  void browseCaptionList();
  void describeCurrent();
  template <typename F>
  void onWorker(F&& f);

  ModelHost* host_;
  QThread* thread_;
  RetrievalWorker* worker_;
  ResultModel* model_;
  QStringList folders_;
  bool indexing_ = false;
  QLineEdit* query_;
  QPushButton* searchButton_;
  QSpinBox* top_;
  QListWidget* folderList_;
  QPushButton* addButton_;
  QPushButton* removeButton_;
  QPushButton* reindexButton_;
  QPushButton* cancelButton_;
  QProgressBar* progress_;
  QLabel* indexStatus_;
  QListWidget* skipped_;
  QListView* grid_;
  QLabel* summary_;
  QLabel* previewImage_;
  QLabel* previewText_;
  QToolButton* where_;        // "Where?": the query's relevance map over the preview
  ExplainRunner* explainer_;
  QImage previewPlain_;       // the preview as loaded, without the map
  QString lastQuery_;         // the query the shown results answer
  QLabel* captionSource_;
  QListWidget* captions_;
  bool captionsReady_ = false;
  int describeSerial_ = 0;
  int nearSerial_ = 0;
  QString restoreQuery_;  // the last session's query, searched again once its index is open
};

}  // namespace brivl::ui
