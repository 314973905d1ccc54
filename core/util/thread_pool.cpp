#include "util/thread_pool.h"

#include <algorithm>

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
} // namespace

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
        pending_ = threads_ - 1;
        ++generation_;
    }
    wake_.notify_all();
    int b, e;
    chunk(n, threads_, 0, &b, &e);
    if (b < e)
        fn(b, e, 0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
}

void ThreadPool::workerLoop(int index)
{
    unsigned seen = 0;
    for (;;) {
        const std::function<void(int, int, int)>* job;
        int n;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_)
                return;
            seen = generation_;
            job = job_;
            n = job_n_;
        }
        int b, e;
        chunk(n, threads_, index, &b, &e);
        if (b < e)
            (*job)(b, e, index);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (--pending_ == 0)
                done_.notify_one();
        }
    }
}

} // namespace ss
