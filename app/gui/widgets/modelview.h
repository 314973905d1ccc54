// The Model tab: the layer table (LayerTableModel), the validator's warnings and the metadata.
// With no model it shows how to open one.
#pragma once

#include <QWidget>

class QFormLayout;
class QLabel;
class QSortFilterProxyModel;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace gui {

class LayerTableModel;
struct LoadedModel;

class ModelView : public QWidget {
    Q_OBJECT
public:
    explicit ModelView(QWidget* parent = nullptr);

    void setLoadedModel(const LoadedModel* loaded); // nullptr: the empty state
    LayerTableModel* layerModel() const { return layers_; }
    QTableView* layerTable() const { return table_; }
    QSplitter* splitter() const { return splitter_; }
    bool showsModel() const;

private:
    QStackedWidget* stack_;
    QLabel* empty_label_;
    QLabel* title_;
    QLabel* warnings_;
    QLabel* totals_;
    QTableView* table_;
    LayerTableModel* layers_;
    QSortFilterProxyModel* proxy_;
    QWidget* facts_box_;
    QFormLayout* facts_;
    QSplitter* splitter_;
};

} // namespace gui
