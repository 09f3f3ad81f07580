#include "syslog/drain_pool.h"

#include "core/log.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "syslog/drain_group.h"
#include "syslog/stream_drain.h"
#include "syslog/udp_drain.h"

namespace nozzle::syslog {

namespace asio = boost::asio;

struct DrainPool::Impl {
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::shared_ptr<DrainBase>> drains;  // every writer, the endpoints of groups included
  std::vector<Drain*> visible;                     // what add() returned, in order
  std::vector<std::unique_ptr<DrainGroup>> groups;
  std::optional<asio::steady_timer> group_timer;  // DrainGroup::tick()
  bool groups_stopped = false;
  std::thread thread;

  std::shared_ptr<DrainBase> make(DrainConfig config) {
    std::shared_ptr<DrainBase> drain;
    if (config.transport == Transport::Udp) {
      drain = std::make_shared<UdpDrain>(ioc, std::move(config));
    } else {
      drain = std::make_shared<StreamDrain>(ioc, std::move(config));
    }
    if (std::string error = drain->open_spool(); !error.empty()) {
      log::error("drain spool unavailable; the drain keeps frames in memory only",
                 {{"drain", drain->config().name}, {"error", error}});
    }
    drains.push_back(drain);
    return drain;
  }

  void tick_groups() {
    group_timer->expires_after(DrainGroup::kTick);
    group_timer->async_wait([this](const boost::system::error_code& ec) {
      if (ec || groups_stopped) return;
      const auto now = std::chrono::steady_clock::now();
      for (auto& g : groups) g->tick(now);
      tick_groups();
    });
  }
  bool started = false;
  bool stopped = false;
  bool handed_over = false;  // hand_over_thread(): another thread runs ioc
};

DrainPool::DrainPool() : impl_(std::make_unique<Impl>()) {}

DrainPool::~DrainPool() { stop(std::chrono::steady_clock::now()); }

Drain& DrainPool::add(DrainConfig config) {
  if (impl_->started) throw std::logic_error("DrainPool::add after start");
  if (!config.group.enabled()) {
    Drain& drain = *impl_->make(std::move(config));
    impl_->visible.push_back(&drain);
    return drain;
  }
  // A drain group: one drain per endpoint, each with the group's options, its own name
  // ("group/host:port") and its own spool folder below the group's.
  std::vector<std::shared_ptr<DrainBase>> endpoints;
  for (const GroupEndpoint& e : config.group.endpoints) {
    DrainConfig one = config;
    one.group = GroupOptions{};
    one.host = e.host;
    one.port = e.port;
    one.named = false;
    one.name = config.name + "/" + endpoint_label(e);
    if (one.spool.enabled()) {
      std::string folder = endpoint_label(e);
      for (char& c : folder) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
      }
      one.spool.dir += "/" + folder;
    }
    endpoints.push_back(impl_->make(std::move(one)));
  }
  impl_->groups.push_back(std::make_unique<DrainGroup>(std::move(config), std::move(endpoints)));
  impl_->visible.push_back(impl_->groups.back().get());
  return *impl_->groups.back();
}

void DrainPool::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->work.emplace(impl_->ioc.get_executor());
  for (auto& d : impl_->drains) {
    asio::post(impl_->ioc, [d] { d->start(); });
  }
  if (!impl_->groups.empty()) {
    impl_->group_timer.emplace(impl_->ioc);
    asio::post(impl_->ioc, [this] { impl_->tick_groups(); });
  }
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

asio::io_context& DrainPool::hand_over_thread() {
  if (!impl_->started || impl_->handed_over)
    throw std::logic_error("DrainPool::hand_over_thread: not started, or twice");
  impl_->handed_over = true;
  impl_->ioc.stop();  // what is queued stays queued for the next thread to run
  impl_->thread.join();
  impl_->ioc.restart();
  for (auto& d : impl_->drains) d->set_wake_inline();
  return impl_->ioc;
}

void DrainPool::stop(std::chrono::steady_clock::time_point deadline) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->started) return;

  std::mutex mutex;
  std::condition_variable cv;
  std::size_t remaining = impl_->drains.size();
  // Groups stop switching first: what each endpoint holds is its own to flush or spool.
  asio::post(impl_->ioc, [this] {
    impl_->groups_stopped = true;
    if (impl_->group_timer) impl_->group_timer->cancel();
  });
  for (auto& d : impl_->drains) {
    asio::post(impl_->ioc, [d, deadline, &mutex, &cv, &remaining] {
      d->stop(deadline, [&mutex, &cv, &remaining] {
        std::lock_guard lock(mutex);
        if (--remaining == 0) cv.notify_all();
      });
    });
  }
  // Each drain finishes by its deadline; the margin covers handlers already queued.
  const auto limit = std::max(deadline, std::chrono::steady_clock::now()) + std::chrono::seconds(5);
  if (impl_->handed_over) {
    // Nobody else runs the io_context now: this thread does, until every drain is done.
    const auto done = [&] {
      std::lock_guard lock(mutex);
      return remaining == 0;
    };
    try {
      while (!done() && std::chrono::steady_clock::now() < limit) impl_->ioc.run_one_until(limit);
    } catch (...) {  // a destructor path: report it, never throw from here
      log::warn("drain pool: a drain's handler failed during stop");
    }
  } else {
    std::unique_lock lock(mutex);
    cv.wait_until(lock, limit, [&] { return remaining == 0; });
  }
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // The completions of what finish() cancelled (a TLS handshake, timers) may still be queued,
  // each holding its drain: run them now (each sees its drain finished and returns), so that
  // no drain outlives the pool through a handler that holds it.
  // They only return (each drain is finished); should one throw, the rest are dropped with
  // the io_context, as before.
  bool failed = false;
  impl_->ioc.restart();
  try {
    impl_->ioc.poll();
  } catch (...) {  // a destructor path: report it below, never throw from here
    failed = true;
  }
  if (failed) log::warn("drain pool: a cancelled handler failed at stop");
}

std::size_t DrainPool::size() const { return impl_->visible.size(); }

Drain& DrainPool::at(std::size_t i) { return *impl_->visible.at(i); }

}  // namespace nozzle::syslog
