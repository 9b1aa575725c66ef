#pragma once
// Help → About: version, the paper, what the studio runs on (LibTorch, device, Qt), the current
// model, and the attributions the shipped model and its training data require.
class QWidget;

namespace brivl::ui {

class ModelHost;

void showAboutDialog(QWidget* parent, const ModelHost& host);

}  // namespace brivl::ui
