// "Personalise…" (issue 15): fine-tune the loaded model on an enrollment folder (optionally mixed
// with a base corpus) on a worker thread (PersonaliseRunner, guicore), with progress, Cancel and
// the before/after table (held-back takes and the base test split: keyword recall and non-keyword
// false accepts, base vs personalised). The folders are remembered (QSettings).
#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace gui {

class PersonaliseRunner;

class PersonaliseDialog : public QDialog {
    Q_OBJECT
public:
    PersonaliseDialog(const QString& base_model, const QString& enrollment, QWidget* parent = nullptr);
    ~PersonaliseDialog() override;

    void setEnrollment(const QString& dir);
    void setMix(const QString& dir);
    void setOutput(const QString& path);
    void setEpochs(int epochs); // 0 = the trainer's default
    bool startTraining();       // false with the sentence shown and in lastError()
    PersonaliseRunner* runner() const { return runner_; }
    const QString& lastError() const { return error_; }
    QString output() const;
    const QTableWidget* table() const { return table_; }

    static QString defaultOutput(const QString& base_model, const QString& enrollment);

public slots:
    void reject() override; // Cancel while training stops it (nothing is written)

signals:
    void personalised(const QString& model_path);


private:
    void onProgress(const QString& stage, int epoch, int epochs, double fraction, double elapsed);
    void onFinished(bool ok);
    void showMessage(const QString& text, bool error);
    void setRunning(bool running);

    QString base_;
    PersonaliseRunner* runner_;
    QLineEdit* enrollment_;
    QLineEdit* mix_;
    QLineEdit* output_;
    QSpinBox* epochs_;
    QPushButton* start_;
    QPushButton* close_;
    QProgressBar* progress_;
    QLabel* status_;
    QTableWidget* table_;
    QString error_;
};

} // namespace gui
