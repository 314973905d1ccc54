// The Model tab: the layer table (LayerTableModel), the validator's warnings and the metadata.
// With no model it shows how to open one.
#pragma once

#include <QWidget>

class QFormLayout;
class QLabel;
class QScrollArea;
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
    // The metadata panel's value labels (tests: nothing cut after a model switch).
    QList<QLabel*> factValues() const;
    QWidget* factsWidget() const { return facts_box_; }

Q_SIGNALS:
    // A layer row was double-clicked (or Enter pressed on it): its name in the model.
    void layerActivated(const QString& name);

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuildFacts(const LoadedModel* loaded);
    void updateTitle();
    void fitSplitter();
    bool user_split_ = false; // the user moved the splitter: keep their sizes

    const LoadedModel* loaded_ = nullptr;
    QScrollArea* scroll_ = nullptr;
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
