#include "guicore/benchmarkworker.h"

#include "engines/engine.h"
#include "fpga/model/devices.h"
#include "fpga/model/perf_model.h"
#include "guicore/format.h"

#include <algorithm>
#include <random>

namespace gui {

BenchmarkWorker::BenchmarkWorker(QObject* parent)
    : QObject(parent)
{
}

QString BenchmarkWorker::check(const BenchmarkRequest& r)
{
    if (!r.model)
        return tr("No model is loaded; open one first (Ctrl+O).");
    if (r.engines.isEmpty())
        return tr("No engine is chosen; tick at least one.");
    // The same parsing and probing as `sparsescope-cli bench --device`.
    auto device = ss::fpga::parseDevice(r.device.toStdString());
    if (!device)
        return qs(device.message());
    if (auto s = ss::fpga::probeDevice(*device, r.xclbin.toStdString()); !s)
        return qs(s.message());
    for (const QString& e : r.engines) {
        if (!ss::findEngine(e.toStdString()))
            return qs(ss::parseEngineList(e.toStdString()).message());
        if (device->kind != ss::fpga::DeviceSpec::Kind::Cpu && !engineRunsOn(e, r.device))
            return tr("Engine '%1' has no FPGA kernels; on %2 use dense, sparse-dense or sparse-sparse.").arg(e, r.device);
    }
    if (r.threads < 1 || r.threads > 256)
        return tr("The thread count must be from 1 to 256 (got %1).").arg(r.threads);
    if (r.batch < 1 || r.batch > 4096)
        return tr("The batch size must be from 1 to 4096 (got %1).").arg(r.batch);
    if (!(r.seconds > 0) || r.seconds > 3600)
        return tr("The run time must be between 0 and 3600 seconds.");
    if (r.pool_items < 1)
        return tr("The input pool needs at least one item.");
    return {};
}

bool BenchmarkWorker::engineRunsOn(const QString& engine, const QString& device)
{
    auto d = ss::fpga::parseDevice(device.toStdString());
    if (!d)
        return false;
    if (d->kind == ss::fpga::DeviceSpec::Kind::Cpu)
        return ss::findEngine(engine.toStdString()) != nullptr;
    ss::fpga::Variant v;
    return ss::fpga::variantFromEngine(engine.toStdString(), &v);
}

void BenchmarkWorker::run(const gui::BenchmarkRequest& request)
{
    if (const QString why = check(request); !why.isEmpty()) {
        Q_EMIT failed(why);
        return;
    }
    const ss::Model& model = *request.model;
    const ss::fpga::DeviceSpec device = *ss::fpga::parseDevice(request.device.toStdString()); // check() parsed it

    // Prepare every engine before any runs (packing, routes, buffers), as the CLI does.
    ss::EngineOptions options;
    options.threads = request.threads;
    options.isa = request.isa.toStdString();
    std::vector<std::unique_ptr<ss::Engine>> engines;
    std::vector<ss::BenchTarget> targets;
    for (const QString& name : request.engines) {
        if (cancel_.load()) {
            Q_EMIT finished(BenchmarkOutcome{ss::makeContext(request.model_path.toStdString(), model), {}, true});
            return;
        }
        Q_EMIT preparing(name);
        // The same call as the CLI: cpu engines, C-simulated kernels (fpga-sim) or a board (xrt).
        auto made = ss::fpga::createEngineOn(device, name.toStdString(), request.xclbin.toStdString());
        if (!made) {
            Q_EMIT failed(qs(made.message()));
            return;
        }
        std::unique_ptr<ss::Engine> engine = std::move(*made);
        if (auto s = engine->prepare(model, options); !s) {
            Q_EMIT failed(device.kind == ss::fpga::DeviceSpec::Kind::Cpu
                              ? tr("Engine '%1' cannot run this model: %2").arg(name, qs(s.message()))
                              : tr("Engine '%1' cannot run this model on %2: %3").arg(name, request.device, qs(s.message())));
            return;
        }
        targets.push_back({name.toStdString(), request.device.toStdString(), engine.get()});
        engines.push_back(std::move(engine));
    }

    // The same input pool as `sparsescope-cli bench` (normal features, the request's seed), so the
    // engines' counters see the activation density the k-WTA layers really produce.
    std::mt19937_64 rng(request.seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> inputs(size_t(request.pool_items) * size_t(model.input.size()));
    for (float& v : inputs)
        v = normal(rng);

    ss::BenchConfig config;
    config.batch = request.batch;
    config.threads = request.threads;
    config.seconds = request.seconds;
    config.warmup_seconds = std::min(0.3, request.seconds / 4);
    config.watts_per_core = request.watts_per_core;
    config.seed = request.seed;

    BenchmarkOutcome outcome;
    outcome.results = ss::runBenchmark(targets, model, inputs, config,
                                       [this](const ss::BenchProgress& p) { Q_EMIT progress(p); }, &cancel_);
    outcome.cancelled = cancel_.load();
    outcome.context = ss::makeContext(request.model_path.toStdString(), model);
    // fpga-sim: the model's time and energy replace the C-simulation's wall time (as the CLI does).
    bool modelled = false;
    for (size_t i = 0; i < outcome.results.size() && i < engines.size(); ++i)
        modelled = ss::fpga::applyDeviceFigures(device, engines[i].get(), outcome.results[i]) || modelled;
    if (modelled)
        outcome.context.warnings.push_back(ss::fpga::modelledFiguresWarning(device));
    Q_EMIT finished(outcome);
}

} // namespace gui
