#pragma once
// `brivl-studio --screenshot DIR`: drives the real window through each tab (a short imagination,
// an index and a query, a training run's charts) and saves DIR/{imagine,imagine-history,
// retrieve,train}.png, then quits. For the documentation; hidden from --help.
#include <QObject>
#include <QString>

namespace brivl::ui {

class MainWindow;

struct TourOptions {
  QString outDir;
  QString prompt = QStringLiteral("雪地里的红色狐狸:1 | 室内:-0.5");
  QString query = QStringLiteral("海边的日落");
  QString imagesDir;  // indexed for the Retrieve shot (skipped when empty)
  QString runDir;     // followed for the Train shot (skipped when empty)
  QString captions;   // caption list ranked in the Retrieve preview (none when empty)
  int steps = 150;
  int size = 192;
};

class ScreenshotTour : public QObject {
  Q_OBJECT
 public:
  ScreenshotTour(MainWindow* window, TourOptions options);
  void begin();

 private:
  void imagine();
  void retrieve();
  void train();
  void shoot(const QString& name);
  void finish();

  MainWindow* window_;
  TourOptions options_;
};

}  // namespace brivl::ui
