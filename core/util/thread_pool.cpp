#include "util/thread_pool.h"

#include <algorithm>
#include <chrono>

namespace ss {

ThreadPool::ThreadPool(int threads) : threads_(std::max(1, threads))
{
    for (int i = 1; i < threads_; ++i)
        workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_)
        t.join();
}

namespace {
void chunk(int n, int parts, int i, int* b, int* e)
{
    const int base = n / parts, extra = n % parts;
    *b = i * base + std::min(i, extra);
    *e = *b + base + (i < extra ? 1 : 0);
}

constexpr int kSpinMicros = 50;
// Chunks per thread: a worker whose core is shared with another process takes fewer of them
// instead of holding every other worker up at the end of the call.
constexpr int kChunksPerThread = 4;

inline void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Spins until done() or kSpinMicros have passed; true when done() came true.
template <class F>
bool spinUntil(const F& done)
{
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
    for (int i = 0;; ++i) {
        if (done())
            return true;
        cpuRelax();
        if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until)
            return done();
    }
}
} // namespace

void ThreadPool::runChunks(const std::function<void(int, int, int)>& fn, int n, int chunks, int worker)
{
    for (int c; (c = next_chunk_.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
        int b, e;
        chunk(n, chunks, c, &b, &e);
        if (b < e)
            fn(b, e, worker);
    }
}

void ThreadPool::parallelFor(int n, const std::function<void(int, int, int)>& fn)
{
    if (n <= 0)
        return;
    if (threads_ == 1 || n == 1) {
        fn(0, n, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = &fn;
        job_n_ = n;
        job_chunks_ = std::min(n, threads_ * kChunksPerThread);
        next_chunk_.store(0, std::memory_order_relaxed);
        pending_.store(threads_ - 1, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release); // publishes job_ and job_n_
    }
    wake_.notify_all();
    runChunks(fn, n, job_chunks_, 0);
    if (!spinUntil([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;
}

void ThreadPool::workerLoop(int index)
{
    unsigned seen = 0;
    for (;;) {
        auto ready = [&] { return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen; };
        if (!spinUntil(ready)) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, ready);
        }
        if (stop_.load(std::memory_order_acquire))
            return;
        const std::function<void(int, int, int)>* job;
        int n, chunks;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            seen = generation_.load(std::memory_order_relaxed);
            job = job_;
            n = job_n_;
            chunks = job_chunks_;
        }
        runChunks(*job, n, chunks, index);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(mutex_); // the caller checks pending_ under the lock: no lost wake-up
            done_.notify_one();
        }
    }
}

} // namespace ss
