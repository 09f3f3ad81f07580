#include "simulator.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

#include "cc_api.h"
#include "control_api.h"
#include "discovery.h"
#include "firehose_session.h"
#include "http_server.h"
#include "rlp_session.h"
#include "tls_cert.h"
#include "uaa.h"

namespace cfsim {

struct Simulator::Impl {
  explicit Impl(SimulatorOptions o)
      : options(std::move(o)),
        foundation(options.foundation),
        workload(options.workload, options.foundation.apps, options.foundation.spaces, options.foundation.orgs),
        tokens(options.uaa),
        hub(options.workload.total, options.workload.rate),
        cc(foundation, tokens),
        tls(asio::ssl::context::tls_server),
        lgr(options.loggregator) {}

  Route route(Simulator& sim, const HttpRequest& req);
  Route firehose(const HttpRequest& req);
  Route rlp(const HttpRequest& req);
  void track(const std::shared_ptr<StreamSession>& s) {
    std::lock_guard lock(sessions_mutex);
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    sessions.push_back(s);
  }
  StreamContext context() { return {options, workload, hub, counters, faults}; }

  SimulatorOptions options;
  Foundation foundation;
  Workload workload;
  TokenStore tokens;
  Faults faults;
  Counters counters;
  Hub hub;
  CcApi cc;
  asio::io_context io;
  asio::ssl::context tls;
  std::unique_ptr<HttpServer> server;
  std::vector<std::thread> threads;
  std::mutex sessions_mutex;
  std::vector<std::weak_ptr<StreamSession>> sessions;
  unsigned short port = 0;
  std::string base_url;
  std::string ca_file;
  bool ca_file_owned = false;
  bool started = false;
  bool stopped = false;
  std::atomic<std::uint64_t> upstream_dropped{0};

  // Loggregator's own counters, injected into every stream each options.loggregator.interval.
  void emit_loggregator();
  std::mutex lgr_mutex;
  LoggregatorMetrics lgr;  // guarded by lgr_mutex
  std::unique_ptr<asio::steady_timer> lgr_timer;
  std::chrono::steady_clock::time_point lgr_start;
};

void Simulator::Impl::emit_loggregator() {
  std::vector<nozzle::Envelope> envs;
  {
    std::lock_guard lock(lgr_mutex);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - lgr_start).count();
    const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    lgr.emit(elapsed, now, envs);
  }
  for (const auto& e : envs) hub.inject_all(e);
  lgr_timer->expires_after(options.loggregator.interval);
  lgr_timer->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) emit_loggregator();
  });
}

Route Simulator::Impl::route(Simulator& sim, const HttpRequest& req) {
  const std::string& path = req.path;
  if (path.starts_with("/firehose/")) return firehose(req);
  if (path == "/v2/read") return rlp(req);
  if (path.starts_with("/sim/")) return {handle_control(sim, req), {}};
  if (path == "/" || path == "/v2/info") {
    HttpResponse r = path == "/" ? root_document(base_url) : v2_info_document(base_url);
    counters.count_request(path, r.status);
    return {std::move(r), {}};
  }
  if (path == "/oauth/token") {
    HttpResponse r = faults.uaa_down() ? gorouter_bad_gateway() : tokens.handle_token_request(req);
    if (r.status == 200) counters.tokens_issued.add();
    if (r.status == 401) counters.token_failures.add();
    counters.count_request(path, r.status);
    r.delay = faults.uaa_latency();
    return {std::move(r), {}};
  }
  if (CcApi::handles(req)) {
    CcResult result;
    switch (faults.next_cc_request()) {
      case Faults::CcOutcome::Down: result = {gorouter_bad_gateway(), {}}; break;
      case Faults::CcOutcome::ServerError: result = {cc_server_error(), {}}; break;
      case Faults::CcOutcome::RateLimited: result = {cc_rate_limited(faults.retry_after_seconds()), {}}; break;
      case Faults::CcOutcome::Ok: result = cc.handle(req, base_url); break;
    }
    if (result.route.empty()) result.route = CcApi::route_of(req.path);
    if (result.route.empty()) result.route = "/v3/other";
    result.response.delay = faults.cc_latency();
    counters.count_request(result.route, result.response.status);
    return {std::move(result.response), {}};
  }
  HttpResponse r = HttpResponse::text(404, "404 Not Found: Requested route does not exist.\n");
  counters.count_request("other", 404);
  return {std::move(r), {}};
}

Route Simulator::Impl::firehose(const HttpRequest& req) {
  const std::string sub = req.path.substr(std::string_view("/firehose/").size());
  if (sub.empty() || sub.find('/') != std::string::npos) {
    counters.count_request("/firehose/:id", 404);
    return {HttpResponse::text(404, "404 page not found\n"), {}};
  }
  // The TC reads the Authorization header, else a cookie named "authorization".
  std::string auth(req.header("authorization"));
  if (auth.empty()) {
    std::string_view cookies = req.header("cookie");
    while (!cookies.empty()) {
      const auto semi = cookies.find(';');
      std::string_view c = cookies.substr(0, semi);
      while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
      if (c.starts_with("authorization=")) auth = url_decode(c.substr(14));
      cookies = semi == std::string_view::npos ? std::string_view{} : cookies.substr(semi + 1);
    }
  }
  const auto unauthorized = [&](std::string_view reason) {
    HttpResponse r = HttpResponse::text(401, "You are not authorized. " + std::string(reason));
    r.headers.emplace_back("WWW-Authenticate", "Basic");
    counters.count_request("/firehose/:id", 401);
    return Route{std::move(r), {}};
  };
  if (auth.empty()) return unauthorized("authorization not provided");
  if (tokens.check(token_for_traffic_controller(auth), "doppler.firehose") != TokenCheck::Valid) {
    return unauthorized("invalid authorization");
  }
  const auto key = req.header("sec-websocket-key");
  std::string upgrade(req.header("upgrade"));
  for (auto& c : upgrade) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (req.method != "GET" || upgrade != "websocket" || key.empty()) {
    counters.count_request("/firehose/:id", 400);
    return {HttpResponse::text(400, "Bad Request: not a websocket handshake\n"), {}};
  }
  const std::string filter_type = query_value(parse_query(req.query), "filter-type").value_or("");
  const FirehoseFilter filter = filter_type == "logs"      ? FirehoseFilter::Logs
                                : filter_type == "metrics" ? FirehoseFilter::Metrics
                                                           : FirehoseFilter::All;
  counters.count_request("/firehose/:id", 101);
  // Different filter-types form different groups, even with one subscription id (2.3).
  auto group = hub.join("v1|" + sub + "|" + filter_type);
  auto conn = counters.open_connection("v1", sub, filter_type);
  std::string head = firehose_handshake(key);
  return {{}, [this, group, filter, conn, head](std::unique_ptr<Transport> t, std::string leftover) mutable {
            auto s = std::make_shared<FirehoseSession>(std::move(t), context(), group, filter, conn);
            track(s);
            s->start(std::move(head), std::move(leftover));
          }};
}

Route Simulator::Impl::rlp(const HttpRequest& req) {
  const auto fail = [&](HttpResponse r) {
    counters.count_request("/v2/read", r.status);
    return Route{std::move(r), {}};
  };
  if (req.method != "GET") return fail(rlp_error(405, "method_not_allowed", "method not allowed"));
  RlpSelectors selectors;
  HttpResponse error;
  if (!parse_rlp_query(req.query, selectors, error)) return fail(std::move(error));
  // Every auth failure is a 404 (4.2); the gateway accepts doppler.firehose or logs.admin.
  const auto token = token_for_rlp_gateway(req.header("authorization"));
  if (tokens.check(token, "doppler.firehose") != TokenCheck::Valid &&
      tokens.check(token, "logs.admin") != TokenCheck::Valid) {
    return fail(rlp_error(404, "not_found", "resource not found"));
  }
  counters.count_request("/v2/read", 200);
  auto group = hub.join(selectors.shard_id.empty() ? std::string{} : "v2|" + selectors.shard_id + "|" + selectors.describe());
  auto conn = counters.open_connection("v2", selectors.shard_id, selectors.describe());
  return {{}, [this, group, selectors, conn](std::unique_ptr<Transport> t, std::string leftover) mutable {
            auto s = std::make_shared<RlpSession>(std::move(t), context(), group, std::move(selectors), conn);
            track(s);
            s->start(sse_response_head(), std::move(leftover));
          }};
}

Simulator::Simulator(SimulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() { stop(); }

void Simulator::start() {
  auto& m = *impl_;
  if (m.started) throw std::logic_error("Simulator::start called twice");
  m.started = true;
  const auto& o = m.options;
  if (o.tls) {
    m.tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    if (!o.cert_file.empty()) {
      m.tls.use_certificate_chain_file(o.cert_file);
      m.tls.use_private_key_file(o.key_file, asio::ssl::context::pem);
    } else {
      const GeneratedTls g = generate_tls();
      m.tls.use_certificate_chain(asio::buffer(g.cert_pem));
      m.tls.use_private_key(asio::buffer(g.key_pem), asio::ssl::context::pem);
      m.ca_file = o.ca_file;
      if (m.ca_file.empty()) {
        m.ca_file = (std::filesystem::temp_directory_path() /
                     ("cf-sim-ca-" + std::to_string(::getpid()) + "-" +
                      std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem")).string();
        m.ca_file_owned = true;
      }
      const std::string tmp = m.ca_file + ".tmp";
      {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f << g.ca_pem;
        if (!f) throw std::runtime_error("cannot write the CA file " + tmp);
      }
      std::filesystem::rename(tmp, m.ca_file);
    }
  }
  m.server = std::make_unique<HttpServer>(m.io, o.tls ? &m.tls : nullptr,
                                          [this](const HttpRequest& req) { return impl_->route(*this, req); });
  m.port = m.server->listen(o.address, o.port);
  const std::string host = o.address.find(':') != std::string::npos ? "[" + o.address + "]" : o.address;
  m.base_url = std::string(o.tls ? "https://" : "http://") + host + ":" + std::to_string(m.port);
  if (o.loggregator.interval.count() > 0) {
    m.lgr_start = std::chrono::steady_clock::now();
    m.lgr_timer = std::make_unique<asio::steady_timer>(m.io, o.loggregator.interval);
    m.lgr_timer->async_wait([&m](const boost::system::error_code& ec) {
      if (!ec) m.emit_loggregator();
    });
  }
  for (int i = 0; i < std::max(1, o.threads); ++i) {
    m.threads.emplace_back([&io = m.io] { io.run(); });
  }
}

void Simulator::stop() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  m.server->stop();
  std::vector<std::shared_ptr<StreamSession>> live;
  {
    std::lock_guard lock(m.sessions_mutex);
    for (auto& w : m.sessions) {
      if (auto s = w.lock()) live.push_back(s);
    }
  }
  for (auto& s : live) s->stop();
  live.clear();
  // Give the streams a moment to write their final bytes, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    {
      std::lock_guard lock(m.sessions_mutex);
      for (auto& w : m.sessions) any = any || !w.expired();
    }
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  m.io.stop();
  for (auto& t : m.threads) t.join();
  m.threads.clear();
  if (m.ca_file_owned) {
    std::error_code ec;
    std::filesystem::remove(m.ca_file, ec);
  }
}

unsigned short Simulator::port() const { return impl_->port; }
std::string Simulator::base_url() const { return impl_->base_url; }
std::string Simulator::websocket_url() const { return cfsim::websocket_url(impl_->base_url); }
std::string Simulator::ca_file() const { return impl_->ca_file; }
const SimulatorOptions& Simulator::options() const { return impl_->options; }
const Workload& Simulator::workload() const { return impl_->workload; }
const Foundation& Simulator::foundation() const { return impl_->foundation; }
CountersSnapshot Simulator::counters() const { return impl_->counters.snapshot(); }
bool Simulator::rename_app(const std::string& guid, const std::string& name) { return impl_->foundation.rename_app(guid, name); }
bool Simulator::delete_app(const std::string& guid) { return impl_->foundation.delete_app(guid); }
bool Simulator::set_label(const std::string& guid, const std::string& key, const std::optional<std::string>& value) {
  return impl_->foundation.set_label(guid, key, value);
}
AppRecord Simulator::add_app() { return impl_->foundation.add_app(); }
void Simulator::set_faults(const FaultSettings& f) { impl_->faults.set(f); }
FaultSettings Simulator::faults() const { return impl_->faults.get(); }
void Simulator::set_token_expiry(int seconds) { impl_->tokens.set_expires_in(seconds); }

void Simulator::report_upstream_drop(std::uint64_t dropped) {
  const std::uint64_t total = impl_->upstream_dropped.fetch_add(dropped) + dropped;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  nozzle::Envelope counter;
  make_upstream_drop_counter(now, dropped, total, counter);
  impl_->hub.inject_all(counter);
}

}  // namespace cfsim

namespace cfsim {

void Simulator::restart_loggregator_instance(SimComponent c, int instance) {
  std::lock_guard lock(impl_->lgr_mutex);
  impl_->lgr.restart(c, instance);
}

LoggregatorMetrics::Totals Simulator::loggregator_reported(SimComponent c) const {
  std::lock_guard lock(impl_->lgr_mutex);
  return impl_->lgr.reported(c);
}

}  // namespace cfsim
