// The Live tab (issue 14): say "left ... stop ... go" and watch the words recognised, with each
// engine's time per decision beside them. Input picker (capture devices, remembered; "play a WAV
// file as the microphone"; the bundled words), Start/Stop, level meter, a scrolling spectrogram of
// what the model hears, the top-3 classes of the last window, the detection log and a chart of
// per-decision latency per engine. Everything shown comes from gui::LiveController (guicore).
#pragma once

#include "guicore/livecontroller.h"

#include <QImage>
#include <QWidget>

#include <memory>

class QChartView;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSettings;
class QTableWidget;
class QValueAxis;

namespace gui {

class EnrollDialog;
class PersonaliseDialog;

// A scrolling spectrogram: columns of the model's features appended on the right.
class SpectrogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit SpectrogramWidget(QWidget* parent = nullptr);
    void clear();
    // Appends the last `count` frames of features ([bands][frames], dB re the window's maximum).
    void append(const QVector<float>& features, int bands, int frames, int count);
    int columns() const { return filled_; }
    QSize sizeHint() const override { return {640, 160}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QImage image_; // bands x capacity, scrolled left as columns arrive
    int filled_ = 0;
};

class LiveView : public QWidget {
    Q_OBJECT
public:
    explicit LiveView(QWidget* parent = nullptr);
    LiveController* controller() const { return controller_; }
    // The base model (the app's loaded one) and its file (what Personalise… fine-tunes). A
    // personalised model remembered for this file is offered beside it.
    void setModel(std::shared_ptr<const ss::Model> model, const QString& path = {});
    // Offers a personalised model file in the Model combo and switches to it; false with the
    // loader's sentence shown and in lastError().
    bool setPersonalModel(const QString& path);
    // The Model combo: false = the base model, true = the personalised one (if there is one).
    bool usePersonalModel(bool personal);
    bool usingPersonalModel() const;
    QStringList modelChoices() const; // the combo's texts

    // Issue 15's dialogs (non-modal, deleted on close); the pointers are for tests.
    EnrollDialog* openEnrollDialog();
    PersonaliseDialog* openPersonaliseDialog();
    QString lastEnrollment() const { return last_enrollment_; }

    // The input choices: "device:<description>", "wav" (asks for a file), "demo" (the bundled words).
    void refreshInputs(int wait_ms = 0);
    QStringList inputIds() const;
    bool selectInput(const QString& id);
    // The engines the next Start runs (checkboxes; at least one stays checked).
    void setEngines(const QStringList& engines);
    QString currentInput() const;

    bool start();               // the chosen input; false with the sentence shown and in lastError()
    bool playWav(const QString& path, bool realtime = true);
    bool playDemo(bool realtime = true);
    void stop();
    const QString& lastError() const { return error_; }

    int detectionRows() const;
    QString detectionText(int row) const; // "1.32 s  yes  (sparse-sparse, dense)"
    int latencyPoints(const QString& engine) const;
    const SpectrogramWidget* spectrogram() const { return spectrogram_; }
    QString topClasses() const; // "yes 0.91, _unknown_ 0.05, no 0.02"
    QString agreementText() const;

    void saveSettings(QSettings& s) const;
    void restoreSettings(const QSettings& s);

Q_SIGNALS:
    // A refusal the user should not miss (a WAV that cannot be read, no model, …): the main window
    // shows it in a dialog as well.
    void errorShown(const QString& sentence);

private:
    void onWindow(const LiveUpdate& u);
    void onDetection(const LiveDetection& d);
    void onRunningChanged(bool running);
    void showError(const QString& sentence);
    void resetDisplays();
    void rebuildSeries();
    void applyModelChoice();
    QString enrollDevice() const;

    LiveController* controller_;
    QComboBox* input_;
    QPushButton* start_;
    QPushButton* stop_;
    QProgressBar* level_;
    QLabel* status_;
    QLabel* agreement_;
    SpectrogramWidget* spectrogram_;
    QLabel* top_label_[3];
    QProgressBar* top_bar_[3];
    QTableWidget* log_;
    QChartView* chart_view_;
    QValueAxis* axis_x_ = nullptr;
    QValueAxis* axis_y_ = nullptr;
    QList<QLineSeries*> series_;
    QList<QCheckBox*> engine_boxes_;
    QString error_;
    QString remembered_input_;
    QComboBox* model_choice_;
    QPushButton* enroll_;
    QPushButton* personalise_;
    std::shared_ptr<const ss::Model> base_model_, personal_model_;
    QString base_path_, personal_path_, last_enrollment_;
    std::pair<QString, QString> remembered_personal_; // (base model file, its personalised model file)
    double max_latency_ = 1;
};

} // namespace gui
