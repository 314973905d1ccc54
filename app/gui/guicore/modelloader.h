// Loading a model file for the GUI: the model, its summary (core's figures, computed once) and the
// warnings a reader should see — or the loader's one sentence, unchanged, when the file is refused.
#pragma once

#include "model/model.h"
#include "model/summary.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace gui {

struct LoadedModel {
    QString path;                              // absolute path of the file
    std::shared_ptr<const ss::Model> model;    // shared read-only with the benchmark thread
    ss::ModelSummary summary;
    QStringList warnings;                      // see modelWarnings()
};

struct ModelLoadResult {
    std::optional<LoadedModel> loaded;
    QString error; // the loader's sentence (names the file and what is wrong) when !ok()
    bool ok() const { return loaded.has_value(); }
};

// A labelled fact about a model for the metadata panel.
struct ModelFact {
    QString label, value, tooltip;
};

class ModelLoader {
public:
    // ss::loadModel + ss::summarize. Never throws; a refused file gives the loader's sentence.
    static ModelLoadResult load(const QString& path);
    // Wraps a model already in memory (e.g. made by ss::synthModel) the same way.
    static LoadedModel fromModel(ss::Model model, const QString& path = {});

    // Where the bundled default model is looked for, in order: installed beside the executable
    // (../share/sparsescope/models), the build tree's source dir (SPARSESCOPE_SOURCE_DIR/resources/models).
    static QStringList defaultModelCandidates();
    // The first candidate that exists, or an empty string.
    static QString defaultModelPath();
    // The bundled spoken-word WAVs (resources/audio) for the visualiser's input, from the first
    // folder that has any: the installed share/sparsescope/audio, then the source tree's.
    static QStringList bundledAudioFiles();
};

// What a reader must know before trusting the figures but that does not make the model unusable
// (the validator in core refuses what is wrong; these are the softer findings): an untrained model,
// a mask that keeps a different density than declared, a group size P that is not 1/w, densities
// that are estimated through a max-pool.
QStringList modelWarnings(const ss::Model& model, const ss::ModelSummary& summary);

// Name, file, classes, training data, accuracy, input, audio settings, parameters, MAC totals.
QList<ModelFact> modelFacts(const LoadedModel& loaded);

} // namespace gui
