// MLPerf Tiny streaming scoring (rules in stream_score.h).
#include "live/stream_score.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "util/text.h"

namespace ss {

namespace {

std::string trim(const std::string& s) { return trimBlanks(s); }

bool parseNumber(const std::string& s, double* out)
{
    try {
        size_t used = 0;
        const double v = std::stod(s, &used);
        if (used != s.size() || !std::isfinite(v))
            return false;
        *out = v;
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace

Result<std::vector<TruthEvent>> parseTruthCsv(const std::string& text, const std::string& where)
{
    std::vector<TruthEvent> out;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        line = trim(line);
        if (line.empty() || line[0] == '#')
            continue;
        std::vector<std::string> cells;
        std::stringstream ls(line);
        std::string cell;
        while (std::getline(ls, cell, ','))
            cells.push_back(trim(cell));
        if (cells.size() != 3)
            return badInput(where + " line " + std::to_string(number) + " has " + std::to_string(cells.size()) +
                                " fields; truth rows are word,start_s,end_s.",
                            where);
        TruthEvent e;
        e.word = cells[0];
        const bool numbers = parseNumber(cells[1], &e.start_s) && parseNumber(cells[2], &e.end_s);
        if (!numbers) {
            if (out.empty() && number == 1 && !cells[1].empty() && std::isalpha(static_cast<unsigned char>(cells[1][0])))
                continue; // a header row
            return badInput(where + " line " + std::to_string(number) + ": '" + cells[1] + "' and '" + cells[2] +
                                "' must be times in seconds.",
                            where);
        }
        if (e.word.empty() || e.start_s < 0 || e.end_s < e.start_s)
            return badInput(where + " line " + std::to_string(number) +
                                " needs a word and times with 0 <= start_s <= end_s.",
                            where);
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const TruthEvent& a, const TruthEvent& b) { return a.start_s < b.start_s; });
    return out;
}

Result<std::vector<TruthEvent>> readTruthCsv(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return badInput("Cannot read the truth file '" + path + "'.", path);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str().size() > (size_t(64) << 20))
        return badInput("The truth file '" + path + "' is larger than 64 MB; it should be a small CSV.", path);
    return parseTruthCsv(ss.str(), path);
}

std::string truthToCsv(const std::vector<TruthEvent>& events)
{
    std::ostringstream o;
    o << "word,start_s,end_s\n";
    o.setf(std::ios::fixed);
    o.precision(3);
    for (const auto& e : events)
        o << e.word << "," << e.start_s << "," << e.end_s << "\n";
    return o.str();
}

StreamScore scoreStream(const std::vector<TruthEvent>& truth, std::vector<ScoredDetection> detections, double duration_s,
                        const StreamScoreSettings& settings, const std::vector<TruthEvent>& non_keywords)
{
    StreamScore score;
    score.utterances = int(truth.size());
    score.duration_s = duration_s;
    std::stable_sort(detections.begin(), detections.end(),
                     [](const ScoredDetection& a, const ScoredDetection& b) { return a.time_s < b.time_s; });
    std::vector<bool> hit(truth.size(), false), accepted(non_keywords.size(), false);
    score.non_keywords = int(non_keywords.size());
    std::vector<double> first_hit(truth.size(), 0.0);
    std::map<std::string, double> last_counted; // word -> time of its last counted detection
    for (const auto& d : detections) {
        auto it = last_counted.find(d.word);
        if (it != last_counted.end() && d.time_s - it->second < settings.repeat_s)
            continue; // a repeat: counts once
        last_counted[d.word] = d.time_s;
        ++score.detections;
        bool matched = false;
        for (size_t i = 0; i < truth.size(); ++i) {
            const auto& e = truth[i];
            if (e.word != d.word || d.time_s < e.start_s || d.time_s > e.end_s + settings.after_end_s)
                continue;
            matched = true;
            if (!hit[i]) {
                hit[i] = true;
                first_hit[i] = d.time_s;
                break;
            }
        }
        if (!matched) {
            ++score.false_positives;
            for (size_t i = 0; i < non_keywords.size(); ++i)
                if (d.time_s >= non_keywords[i].start_s && d.time_s <= non_keywords[i].end_s + settings.after_end_s)
                    accepted[i] = true;
        }
    }
    for (bool a : accepted)
        score.false_accepts += a ? 1 : 0;
    for (size_t i = 0; i < truth.size(); ++i) {
        auto& w = score.per_word[truth[i].word];
        ++w.utterances;
        if (hit[i]) {
            ++w.detected;
            ++score.detected;
            score.delays_s.push_back(first_hit[i] - truth[i].end_s);
        }
    }
    return score;
}

} // namespace ss
