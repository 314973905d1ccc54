// The Visualiser tab: one complementary group of one layer, step by step — the P sparse kernels,
// Combine (one dense kernel + route, no collision), Select (sparse-sparse: the k-WTA winners and the
// MAC counter), Multiply, Route (products fly to their owner's accumulator) and Sum. Every number
// drawn comes from ss::explainGroup (core/sparsity/explain.h); the widgets compute nothing.
#pragma once

#include "datasets/gsc.h"
#include "guicore/maskoverlay.h"
#include "sparsity/explain.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>

class QButtonGroup;
class QAbstractButton;
class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSettings;
class QSlider;
class QSpinBox;
class QTimer;
class QVariantAnimation;

namespace gui {

struct LoadedModel;

enum class VisPhase { Kernels, Combine, Select, Multiply, Route, Sum };
QString visPhaseName(VisPhase phase);

// The colour of route slot r of P, the same in every panel. Slot colours never use the hues of the
// value colours (red > 0, blue < 0), so a colour means one thing on the whole canvas.
QColor slotColor(int r, int P);
// The colour of a signed value scaled to [-1, 1] (blue < 0, red > 0; zero is `zero`).
QColor valueColor(double v, const QColor& zero);

// The painted scene. Geometry depends on the explanation and the zoom only.
class VisualiserCanvas : public QWidget {
    Q_OBJECT
public:
    explicit VisualiserCanvas(QWidget* parent = nullptr);

    void setExplanation(const ss::GroupExplanation* e); // not owned; nullptr: empty
    // A what-if overlay of a non-complementary layer (owners_count [N], not owned); nullptr: none.
    void setOverlay(const std::vector<int>* owners_count);
    bool isOverlay() const { return overlay_ != nullptr; }
    void setPhase(VisPhase phase, double progress);      // progress in [0, 1] within the phase
    void setSparseSparse(bool on);
    void setZoom(double zoom);
    double zoom() const { return zoom_; }
    QSize sizeHint() const override;
    // The text each accumulator shows at the Sum phase (what a reader sees), for tests.
    QStringList outputTexts() const;
    // Where accumulator r and the Sum step's "= value" text are drawn (canvas coordinates), for tests.
    QRect accumulatorRect(int r) const;
    // Products that reach accumulator r: its positions, or in sparse-sparse only the winners among them.
    int productsInto(int r) const;
    // Every block the canvas draws text or cells in (header, legend, each kernel with its label, each
    // big panel with its label and caption, the MAC line, the note, each accumulator), for tests:
    // none may overlap another at any zoom.
    QList<QRect> layoutRegions() const;
    // The legend's entries, as drawn (one legend for every colour on the canvas).
    QStringList legendTexts() const;
    // The text size in use (it follows the zoom down to a readable minimum).
    double textScale() const;
    static QString number(double v); // how the visualiser writes a value

Q_SIGNALS:
    void zoomRequested(double factor); // Ctrl+wheel

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    bool event(QEvent* event) override; // tooltips: the numbers of the position under the mouse

private:
    struct Fonts {
        QFont base, bold, title, small;
    };
    struct LegendItem {
        QColor color;
        QString text;
        bool cross = false; // drawn with a cross (a collision)
    };
    struct Geometry {
        int cs = 6, small_cs = 3, gap = 3, small_gap = 1;
        int tiles_per_row = 1, tile_rows = 1; // conv: C tiles of kh x kw; linear: one tile
        int cols = 1, rows = 1;               // cells of one tile
        QSize panel, small_panel;
        int small_per_row = 5, small_step_x = 0, small_step_y = 0;
        int lh = 14, lh_bold = 14, lh_title = 18; // line heights of the fonts in use
        int op_w = 40;                        // room for "×" and "="
        QRect header, legend;
        QList<QRect> legend_items;            // one per legendItems() entry
        QPoint kernels_origin;                // first small panel
        QPoint wc_origin, x_origin, prod_origin, acc_origin;
        int captions_y = 0;                   // below the big panels
        QRect note;                           // the Sum step's note, below the MAC counter
        int acc_w = 300, acc_h = 26, acc_gap = 4;
        bool acc_two_lines = true;
        QSize total;
    };
    Fonts fonts() const;
    QList<LegendItem> legendItems() const;
    QColor background() const;
    QColor textColor() const;
    QColor emptyColor() const;
    Geometry geometry() const;
    QPoint cellPos(const Geometry& g, int n, int cs, int gap) const; // top-left of n within a panel
    QPoint smallPanelOrigin(const Geometry& g, int r) const;
    QRect accRect(const Geometry& g, int r) const;
    int positionAt(const Geometry& g, QPoint origin, QPoint p) const; // -1 when none

    const ss::GroupExplanation* e_ = nullptr;
    const std::vector<int>* overlay_ = nullptr;
    std::vector<int> products_into_; // [P]
    VisPhase phase_ = VisPhase::Kernels;
    double progress_ = 1.0;
    bool sparse_sparse_ = false;
    double zoom_ = 1.0;
    float max_w_ = 1, max_x_ = 1, max_p_ = 1;
};

class VisualiserView : public QWidget {
    Q_OBJECT
public:
    explicit VisualiserView(QWidget* parent = nullptr);
    ~VisualiserView() override;

    void setLoadedModel(const LoadedModel* loaded);

    // Choices (the controls follow). Each recomputes the explanation; false with error() on refusal.
    bool setLayer(int layer_index);
    bool setGroup(int group);
    bool setPosition(int oy, int ox);
    void setSparseSparse(bool on);
    bool useRandomInput(unsigned seed);
    bool useWav(const QString& path);
    // Clip `index` of the test split of a Google Speech Commands-layout folder (classes: the model's).
    bool useTestClip(const QString& dir, int index);
    // The input combo's entries: "Random features", "Bundled: yes.wav", …, chosen WAVs, "Test clip from dataset…".
    QStringList inputNames() const;
    QString testClipWord() const; // the word of the test clip in use ("" when another input is)
    // The default scene: the complementary layer with the smallest fan-in (cnn1: P = 2, 25 positions,
    // where every step can be followed cell by cell), group 0, random features seeded 1,
    // sparse-sparse when the input is sparse, at the Kernels phase. A model without complementary
    // layers opens on the what-if overlay of its first weight-sparse layer.
    void resetToDefault();

    // Stepping. stepForward() runs the next phase's animation (if any); jumpTo() shows a phase done.
    void stepForward();
    void stepBack();
    void jumpTo(VisPhase phase);
    void play();
    void pause();
    bool playing() const { return playing_; }
    VisPhase phase() const { return phases_.value(phase_index_); }
    QList<VisPhase> phases() const { return phases_; }
    void finishAnimation(); // ends a running animation at once (tests, screenshots)

    const ss::GroupExplanation* explanation() const { return e_ ? &*e_ : nullptr; }
    VisualiserCanvas* canvas() const { return canvas_; }
    QString error() const { return error_; }
    QStringList layerNames() const;
    // The layer shown is a what-if overlay of masks that are not complementary (no input, no sums).
    bool showsOverlay() const { return overlay_.has_value(); }
    // The breadcrumb's step buttons, one per phase (clicking one jumps to it).
    QList<QAbstractButton*> stepButtons() const;

Q_SIGNALS:
    // An input the user chose (a WAV, a dataset folder or clip) was refused; the sentence is also in
    // error(). The main window shows it in a dialog.
    void inputRefused(const QString& sentence);

public:
    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

    // The canvas is zoomed to fit the window (the default, until the user zooms): every column, the
    // Sum step's "= value" one included, and every accumulator stays on screen.
    bool fitsWidth() const { return fit_width_; }
    void setFitWidth(bool on);
    int viewportWidth() const;
    QSize viewportSize() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void fitToWidth();
    void rebuildStepButtons();
    bool recompute();
    void rebuildPhases();
    void startPhase(bool animate);
    void onAnimationFinished();
    void updateControls();
    void chooseWav();
    void chooseDataset();
    void syncInputCombo(); // selects the entry of the input in use
    double speed() const;
    void zoomBy(double factor);

    const LoadedModel* loaded_ = nullptr;
    std::optional<ss::GroupExplanation> e_;
    std::optional<MaskOverlay> overlay_;
    std::vector<float> input_;
    QString input_label_;
    QString wav_path_;
    QString input_key_;                    // the input combo's data of the input in use ("" = random)
    std::optional<ss::GscDataset> gsc_;    // the opened test-clip folder (for the loaded model's classes)
    QString gsc_dir_;
    int clip_index_ = 0;
    QString clip_word_;
    int layer_index_ = -1;
    int group_ = 0, oy_ = 0, ox_ = 0;
    bool sparse_sparse_ = true;
    QList<VisPhase> phases_;
    int phase_index_ = 0;
    bool playing_ = false;
    QString error_;
    bool updating_ = false;
    bool fit_width_ = true;

    QComboBox* layer_combo_;
    QSpinBox* group_spin_;
    QLabel* pos_label_;
    QSpinBox* oy_spin_;
    QSpinBox* ox_spin_;
    QComboBox* mode_combo_;
    QComboBox* input_combo_;
    QSpinBox* seed_spin_;
    QPushButton* wav_button_;
    QSpinBox* clip_spin_;
    QLabel* clip_label_;
    QPushButton* back_button_;
    QPushButton* play_button_;
    QPushButton* step_button_;
    QSlider* speed_slider_;
    QLabel* phase_label_;
    QWidget* steps_box_;
    QButtonGroup* step_group_;
    QLabel* info_label_;
    QScrollArea* scroll_;
    VisualiserCanvas* canvas_;
    QVariantAnimation* animation_;
    QTimer* hold_timer_;
};

} // namespace gui
