#include "datasets/evaluate.h"

#include "audio/melspec.h"

#include <algorithm>

namespace ss {

Result<EvalReport> evaluate(const Model& model, const GscDataset& data, Split split, const EvalOptions& options,
                            const std::function<void(int, int)>& progress, const std::atomic<bool>* cancel)
{
    const auto& clips = data.split(split);
    const int total = options.limit > 0 ? std::min<int>(options.limit, int(clips.size())) : int(clips.size());
    if (total == 0)
        return badInput("The " + std::string(splitName(split)) + " split of '" + data.root + "' has no clips.", data.root);
    const int K = model.numClasses();
    if (K != int(data.classes.size()))
        return badInput("The model has " + std::to_string(K) + " classes but the dataset view has " +
                            std::to_string(data.classes.size()) + ".", data.root);
    LogMelFrontEnd fe(model.audio);
    if (!fe.status())
        return fe.status().error();
    if (int64_t(fe.bands()) * fe.frames() != model.input.size())
        return badInput("The model's audio settings give " + std::to_string(fe.bands()) + "x" + std::to_string(fe.frames()) +
                            " features but its input is " + model.input.toString() + ".", model.name);

    std::vector<std::unique_ptr<Engine>> engines;
    EvalReport rep;
    rep.split = splitName(split);
    rep.classes = data.classes;
    for (const auto& name : options.engines) {
        std::unique_ptr<Engine> e;
        if (options.make_engine) {
            auto made = options.make_engine(name);
            if (!made)
                return made.error();
            e = std::move(*made);
        } else {
            e = createEngine(name);
        }
        if (!e)
            return badInput("Unknown engine '" + name + "'.", name);
        if (auto s = e->prepare(model, options.engine_options); !s)
            return s.error();
        engines.push_back(std::move(e));
        EvalEngineResult r;
        r.engine = name;
        r.confusion.assign(size_t(K), std::vector<int>(size_t(K), 0));
        rep.engines.push_back(std::move(r));
    }
    const int B = std::max(1, options.batch);
    const int64_t in_size = model.input.size();
    std::vector<float> x(size_t(B) * in_size), logits(size_t(B) * K);
    std::vector<int> labels(static_cast<size_t>(B)), first(static_cast<size_t>(B));
    for (int start = 0; start < total; start += B) {
        if (cancel && cancel->load())
            return runtimeError("Cancelled.");
        const int n = std::min(B, total - start);
        for (int i = 0; i < n; ++i) {
            const auto& clip = clips[size_t(start + i)];
            auto f = loadClipFeatures(data, clip, fe);
            if (!f)
                return f.error();
            std::copy(f->begin(), f->end(), x.begin() + int64_t(i) * in_size);
            labels[size_t(i)] = clip.label;
        }
        std::vector<bool> agree(size_t(n), true);
        for (size_t e = 0; e < engines.size(); ++e) {
            if (auto s = engines[e]->infer(x.data(), n, logits.data()); !s)
                return s.error();
            for (int i = 0; i < n; ++i) {
                const float* l = logits.data() + size_t(i) * K;
                const int pred = int(std::max_element(l, l + K) - l);
                auto& r = rep.engines[e];
                if (labels[size_t(i)] >= 0 && labels[size_t(i)] < K)
                    r.confusion[size_t(labels[size_t(i)])][size_t(pred)]++;
                r.correct += pred == labels[size_t(i)];
                if (e == 0)
                    first[size_t(i)] = pred;
                else if (pred != first[size_t(i)])
                    agree[size_t(i)] = false;
            }
        }
        for (int i = 0; i < n; ++i)
            rep.agreeing += agree[size_t(i)];
        rep.clips += n;
        if (progress)
            progress(rep.clips, total);
    }
    for (auto& r : rep.engines)
        r.accuracy = double(r.correct) / rep.clips;
    rep.agreement = double(rep.agreeing) / rep.clips;
    return rep;
}

KeywordMetrics keywordMetrics(const std::vector<std::vector<int>>& confusion, const std::vector<std::string>& classes)
{
    KeywordMetrics m;
    const size_t C = classes.size();
    m.recall.assign(C, -1.0);
    auto isKeyword = [&](size_t c) { return classes[c] != "_silence_" && classes[c] != "_unknown_"; };
    double sum = 0;
    int keywords = 0;
    for (size_t t = 0; t < C && t < confusion.size(); ++t) {
        int total = 0;
        for (int v : confusion[t])
            total += v;
        if (total > 0)
            m.recall[t] = double(confusion[t][t]) / total;
        if (isKeyword(t)) {
            m.keyword_clips += total;
            if (total > 0) {
                sum += m.recall[t];
                ++keywords;
            }
        } else if (classes[t] == "_unknown_") {
            m.unknown_clips = total;
            int accepted = 0;
            for (size_t p = 0; p < C && p < confusion[t].size(); ++p)
                if (isKeyword(p))
                    accepted += confusion[t][p];
            m.false_accept = total > 0 ? double(accepted) / total : 0.0;
        } else {
            m.silence_clips = total;
        }
    }
    m.keyword_recall = keywords > 0 ? sum / keywords : 0.0;
    return m;
}

} // namespace ss
