#include "syslog/drain_pool.h"

#include "core/log.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "syslog/stream_drain.h"
#include "syslog/udp_drain.h"

namespace nozzle::syslog {

namespace asio = boost::asio;

struct DrainPool::Impl {
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::shared_ptr<DrainBase>> drains;
  std::thread thread;
  bool started = false;
  bool stopped = false;
};

DrainPool::DrainPool() : impl_(std::make_unique<Impl>()) {}

DrainPool::~DrainPool() { stop(std::chrono::steady_clock::now()); }

Drain& DrainPool::add(DrainConfig config) {
  if (impl_->started) throw std::logic_error("DrainPool::add after start");
  std::shared_ptr<DrainBase> drain;
  if (config.transport == Transport::Udp) {
    drain = std::make_shared<UdpDrain>(impl_->ioc, std::move(config));
  } else {
    drain = std::make_shared<StreamDrain>(impl_->ioc, std::move(config));
  }
  if (std::string error = drain->open_spool(); !error.empty()) {
    log::error("drain spool unavailable; the drain keeps frames in memory only",
               {{"drain", drain->config().name}, {"error", error}});
  }
  impl_->drains.push_back(drain);
  return *drain;
}

void DrainPool::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->work.emplace(impl_->ioc.get_executor());
  for (auto& d : impl_->drains) {
    asio::post(impl_->ioc, [d] { d->start(); });
  }
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void DrainPool::stop(std::chrono::steady_clock::time_point deadline) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->started) return;

  std::mutex mutex;
  std::condition_variable cv;
  std::size_t remaining = impl_->drains.size();
  for (auto& d : impl_->drains) {
    asio::post(impl_->ioc, [d, deadline, &mutex, &cv, &remaining] {
      d->stop(deadline, [&mutex, &cv, &remaining] {
        std::lock_guard lock(mutex);
        if (--remaining == 0) cv.notify_all();
      });
    });
  }
  {
    // Each drain finishes by its deadline; the margin covers handlers already queued.
    std::unique_lock lock(mutex);
    cv.wait_until(lock, std::max(deadline, std::chrono::steady_clock::now()) + std::chrono::seconds(5),
                  [&] { return remaining == 0; });
  }
  impl_->work.reset();
  impl_->ioc.stop();
  impl_->thread.join();
}

std::size_t DrainPool::size() const { return impl_->drains.size(); }

Drain& DrainPool::at(std::size_t i) { return *impl_->drains.at(i); }

}  // namespace nozzle::syslog
