// "Enroll my voice…" (issue 15): the Live tab's guided recording session in a dialog of its own
// (the Live tab stays as it is at 1024x700; the session is modal to the user's attention anyway:
// one prompt at a time). Shows EnrollmentSession (guicore): the prompt, take i of N, a countdown,
// the level, the last take's waveform with the kept word marked (Redo / Next), a take with no
// word with the detector's sentence, and Save (writeEnrollment) or Cancel (writes nothing).
#pragma once

#include "guicore/enrollmentsession.h"

#include <QDialog>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QWidget;

namespace ss {
struct Model;
}

namespace gui {

// A take's waveform (min/max per pixel column), the voiced span shaded and the saved clip bracketed.
class TakeWaveform : public QWidget {
    Q_OBJECT
public:
    explicit TakeWaveform(QWidget* parent = nullptr);
    void setTake(const std::vector<float>& recording, const ss::VoicedSpan& span, size_t clip_samples, int rate);
    void clear();
    bool hasTake() const { return !recording_.empty(); }
    QSize sizeHint() const override { return {560, 110}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<float> recording_;
    ss::VoicedSpan span_;
    size_t clip_samples_ = 0;
    int rate_ = 16000;
};

class EnrollDialog : public QDialog {
    Q_OBJECT
public:
    // devices: capture device descriptions to offer; device: the one to select first.
    EnrollDialog(std::shared_ptr<const ss::Model> model, const QStringList& devices, const QString& device, QWidget* parent = nullptr);
    ~EnrollDialog() override;

    // The plan the Start button uses (defaults: the CLI's; the spin boxes show and edit it).
    void setPlan(const EnrollmentPlan& plan);
    EnrollmentPlan plan() const;
    void setDevice(const QString& description);
    bool startSession(); // false with the sentence shown and in lastError()
    // Writes the folder (no dialog); false with the sentence shown and in lastError().
    bool saveTo(const QString& dir);

    EnrollmentSession* session() const { return session_; }
    QString promptText() const;   // "Say 'left'"
    QString takeText() const;     // "take 1 of 7"
    QString messageText() const;  // the last take's sentence, or the device failure
    const TakeWaveform* waveform() const { return waveform_; }
    const QString& lastError() const { return error_; }
    const QString& savedFolder() const { return saved_; }

public slots:
    void reject() override; // Cancel / Esc / close: the session is discarded

signals:
    void saved(const QString& folder);


private:
    void onStateChanged(EnrollmentSession::State s);
    void onStep(int step);
    void onTake(int step, bool kept);
    void onTick();
    void saveDialog();
    void showMessage(const QString& text, bool error);
    void updateButtons();

    std::shared_ptr<const ss::Model> model_;
    EnrollmentSession* session_;
    QWidget* setup_;
    QComboBox* device_;
    QSpinBox* takes_;
    QSpinBox* held_back_;
    QSpinBox* others_;
    QSpinBox* others_held_back_;
    QLineEdit* speaker_;
    QLabel* prompt_;
    QLabel* take_;
    QLabel* countdown_;
    QProgressBar* level_;
    QProgressBar* overall_;
    TakeWaveform* waveform_;
    QLabel* message_;
    QPushButton* start_;
    QPushButton* redo_;
    QPushButton* next_;
    QPushButton* save_;
    QPushButton* cancel_;
    EnrollmentPlan extra_; // plan fields without a spin box (seconds, review)
    QString error_, saved_;
};

} // namespace gui
