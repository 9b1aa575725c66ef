#pragma once
// The studio's window: the model bar and error panel on top, the Imagine / Retrieve / Train tabs
// below. Owns the ModelHost shared by the panels.
#include <QMainWindow>

class QTabWidget;

namespace brivl::ui {

class ErrorPanel;
class ImaginePanel;
class ModelBar;
class ModelHost;
class RetrievePanel;
class TrainPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads `modelDir`, or (empty) the last model used, else the embedded default model.
  void start(const QString& modelDir);

  ModelHost* modelHost() const { return host_; }
  ModelBar* modelBar() const { return bar_; }
  ErrorPanel* errorPanel() const { return errors_; }
  QTabWidget* tabs() const { return tabs_; }
  ImaginePanel* imaginePanel() const { return imagine_; }
  RetrievePanel* retrievePanel() const { return retrieve_; }
  TrainPanel* trainPanel() const { return train_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void showProblem(const QString& title, const QString& message);
  void addShortcuts();

  ModelHost* host_;
  ModelBar* bar_;
  ErrorPanel* errors_;
  QTabWidget* tabs_;
  ImaginePanel* imagine_;
  RetrievePanel* retrieve_;
  TrainPanel* train_;
};

}  // namespace brivl::ui
