// The stream type of the DATAFLOW regions. Under Vitis HLS (or whenever hls_stream.h is on the
// include path) it is hls::stream; for C-simulation with plain g++ it is this small unbounded FIFO
// (C-sim runs DATAFLOW stages one after another, so a stream must hold a whole stage's output).
#pragma once

#if defined(__SYNTHESIS__) || __has_include(<hls_stream.h>)
#include <hls_stream.h>
namespace sshls {
template <class T>
using stream = hls::stream<T>;
}
#else
#include <cassert>
#include <cstddef>
#include <deque>
namespace sshls {
template <class T>
class stream {
public:
    stream() = default;
    explicit stream(const char*) {}
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    void write(const T& v) { q_.push_back(v); }
    T read()
    {
        assert(!q_.empty() && "C-sim: read from an empty stream (a DATAFLOW stage consumed more than was produced)");
        T v = q_.front();
        q_.pop_front();
        return v;
    }
    bool empty() const { return q_.empty(); }
    std::size_t size() const { return q_.size(); }

private:
    std::deque<T> q_;
};
} // namespace sshls
#endif
