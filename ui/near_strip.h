#pragma once
// "Near": a strip of the indexed images nearest to the current imagination, refreshed with each
// preview, so one sees which real pictures the image drifts toward. It only shows what the
// Retrieve tab's index answers (RetrievePanel::findNear); without an index it says how to get one.
#include <QVector>
#include <QWidget>

#include "ui/workers/retrieval_worker.h"

class QLabel;
class QListView;

namespace brivl::ui {

class ResultModel;

class NearStrip : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kShown = 5;
  explicit NearStrip(QWidget* parent = nullptr);

  // The neighbours of the newest preview, best first; empty: nothing indexed (the hint shows).
  void setResults(const QVector<SearchResult>& results);
  void clear();
  int count() const;
  QString path(int row) const;

 Q_SIGNALS:
  void searchRequested(const QString& path);  // double-click: "more like this" in the Retrieve tab

 private:
  ResultModel* model_;
  QListView* view_;
  QLabel* hint_;
};

}  // namespace brivl::ui
