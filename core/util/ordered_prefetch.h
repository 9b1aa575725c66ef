#pragma once
// Runs work(i) for i = 0..count-1 on worker threads, a bounded number of items ahead of the
// consumer, and hands the results out strictly in index order. The indexer uses it to read, hash
// and decode files while the model embeds the previous batch; memory stays bounded by
// `lookahead` results however slow the consumer is.
//
// work() must not throw (catch inside and return the error as part of T). Destroying the
// prefetcher stops the workers after their current item, so a cancelled consumer can just return.
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace brivl {

template <typename T>
class OrderedPrefetch {
 public:
  OrderedPrefetch(int64_t count, int workers, int64_t lookahead, std::function<T(int64_t)> work)
      : count_(count), lookahead_(std::max<int64_t>(1, lookahead)), work_(std::move(work)) {
    const int n = static_cast<int>(std::clamp<int64_t>(workers, 1, std::max<int64_t>(1, count)));
    for (int w = 0; w < n; ++w) threads_.emplace_back([this] { worker_loop(); });
  }
  ~OrderedPrefetch() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  OrderedPrefetch(const OrderedPrefetch&) = delete;
  OrderedPrefetch& operator=(const OrderedPrefetch&) = delete;

  bool done() const { return next_take_ >= count_; }

  // The result of the next index in order; blocks until a worker has it. Call only while !done().
  T next() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_cv_.wait(lock, [&] { return ready_.count(next_take_) > 0; });
    auto node = ready_.extract(next_take_);
    ++next_take_;
    lock.unlock();
    work_cv_.notify_one();  // a slot in the window is free
    return std::move(node.mapped());
  }

 private:
  void worker_loop() {
    for (;;) {
      int64_t index;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_cv_.wait(lock, [&] { return stopping_ || (next_start_ < count_ && next_start_ < next_take_ + lookahead_); });
        if (stopping_ || next_start_ >= count_) return;
        index = next_start_++;
      }
      T result = work_(index);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(result));
      }
      ready_cv_.notify_all();
    }
  }

  const int64_t count_, lookahead_;
  const std::function<T(int64_t)> work_;
  std::mutex mutex_;
  std::condition_variable work_cv_, ready_cv_;
  bool stopping_ = false;
  int64_t next_start_ = 0, next_take_ = 0;
  std::map<int64_t, T> ready_;
  std::vector<std::thread> threads_;  // last: started after every member above exists
};

}  // namespace brivl
