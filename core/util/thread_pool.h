// A small persistent pool: parallelFor hands out [begin, end) chunks and waits for them.
// With one thread everything runs inline on the caller. Idle workers spin for a few tens of
// microseconds before they block, and so does the caller waiting for them: a layer-by-layer engine
// calls parallelFor once per layer, and a futex wake-up per call (tens of microseconds on a VM)
// had been a serial share of every multi-threaded batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ss {

class ThreadPool {
public:
    explicit ThreadPool(int threads = 1);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return threads_; }
    // fn(begin, end, worker) over [0, n) split into contiguous chunks (up to 4 per thread), handed
    // out in order to whichever thread is free: fn may run several times on one worker, never
    // concurrently on the same worker number.
    void parallelFor(int n, const std::function<void(int, int, int)>& fn);

private:
    void workerLoop(int index);
    void runChunks(const std::function<void(int, int, int)>& fn, int n, int chunks, int worker);

    int threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(int, int, int)>* job_ = nullptr;
    int job_n_ = 0;
    int job_chunks_ = 0;
    std::atomic<int> next_chunk_{0};
    // Written under mutex_ (so a thread blocked on a condition variable never misses a change) and
    // read without it while spinning: a call that follows within kSpinMicros needs no futex wake-up.
    std::atomic<int> pending_{0};
    std::atomic<unsigned> generation_{0};
    std::atomic<bool> stop_{false};
};

} // namespace ss
