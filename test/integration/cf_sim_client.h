// Test clients for cf-sim's endpoints: HTTPS requests, the firehose websocket and a raw byte
// stream (for SSE framing), on Beast with deadlines (each operation runs the client's own
// io_context for at most its timeout; nothing blocks forever).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cf-sim/simulator.h"

namespace cfsim_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Headers = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

// Waits for a condition with a deadline (never a bare sleep as synchronisation).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// Runs the io_context until `done` or the timeout; returns whether it finished.
inline bool run_until(asio::io_context& io, const bool& done, std::chrono::milliseconds timeout) {
  io.restart();
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < end) {
    io.run_one_for(end - std::chrono::steady_clock::now());
  }
  return done;
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  [[nodiscard]] rapidjson::Document json() const {
    rapidjson::Document d;
    d.Parse(body.c_str());
    return d;
  }
};

class Connection {
 public:
  explicit Connection(const cfsim::Simulator& sim) : tls_(asio::ssl::context::tls_client), stream_(io_, tls_) {
    if (!sim.ca_file().empty()) {
      tls_.load_verify_file(sim.ca_file());
      stream_.set_verify_mode(asio::ssl::verify_peer);
    }
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), sim.port());
    beast::get_lowest_layer(stream_).connect(ep);
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.handshake(asio::ssl::stream_base::client);
  }
  asio::io_context& io() { return io_; }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }

 private:
  asio::io_context io_;
  asio::ssl::context tls_;
  beast::ssl_stream<beast::tcp_stream> stream_;
};

inline Response request(const cfsim::Simulator& sim, http::verb method, const std::string& target,
                        const Headers& headers = {}, const std::string& body = "",
                        std::chrono::milliseconds timeout = 5000ms) {
  Connection c(sim);
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(c.stream(), req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  bool done = false;
  beast::error_code ec;
  http::async_read(c.stream(), buf, res, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(c.io(), done, timeout) || ec) return {};
  Response r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string().data(), f.name_string().size());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers[name] = std::string(f.value().data(), f.value().size());
  }
  r.body = res.body();
  return r;
}

inline std::string token(const cfsim::Simulator& sim) {
  const auto r = request(sim, http::verb::post, "/oauth/token",
                         {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"Authorization", "Basic bm96emxlOm5venpsZS1zZWNyZXQ="}},
                         "grant_type=client_credentials");
  if (r.status != 200) return {};
  return r.json()["access_token"].GetString();
}

// A firehose websocket client. Beast answers pings only while a read is in progress, so a test
// that stops reading also stops answering pings, as a stuck consumer does.
class Firehose {
 public:
  Firehose(const cfsim::Simulator& sim, const std::string& target, const std::string& authorization)
      : conn_(sim), ws_(std::move(conn_.stream())) {
    ws_.set_option(websocket::stream_base::decorator([authorization](websocket::request_type& req) {
      if (!authorization.empty()) req.set(http::field::authorization, authorization);
    }));
    ws_.read_message_max(64 << 20);
    beast::error_code ec;
    ws_.handshake(response_, "127.0.0.1", target, ec);
    ok_ = !ec;
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] int status() const { return static_cast<int>(response_.result_int()); }
  [[nodiscard]] const websocket::response_type& response() const { return response_; }

  // The next binary message, or nullopt on close / error / timeout (see error(), close_code()).
  std::optional<std::string> read(std::chrono::milliseconds timeout = 5000ms) {
    buf_.clear();
    bool done = false;
    ws_.async_read(buf_, [&](beast::error_code e, std::size_t) {
      ec_ = e;
      done = true;
    });
    if (!run_until(conn_.io(), done, timeout)) {
      timed_out_ = true;
      beast::get_lowest_layer(ws_).close();
      run_until(conn_.io(), done, 1000ms);
      return std::nullopt;
    }
    if (ec_) return std::nullopt;
    return beast::buffers_to_string(buf_.data());
  }
  [[nodiscard]] beast::error_code error() const { return ec_; }
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  [[nodiscard]] int close_code() const { return static_cast<int>(ws_.reason().code); }
  [[nodiscard]] std::string close_text() const { return std::string(ws_.reason().reason.data(), ws_.reason().reason.size()); }

 private:
  Connection conn_;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  websocket::response_type response_;
  beast::flat_buffer buf_;
  beast::error_code ec_;
  bool ok_ = false;
  bool timed_out_ = false;
};

// Raw bytes of one request's response (headers and chunked body as sent), read until `until`
// returns true on what arrived, the connection ends, or the timeout.
template <class Until>
std::string raw_exchange(const cfsim::Simulator& sim, const std::string& request_text, Until until,
                         std::chrono::milliseconds timeout = 5000ms) {
  Connection c(sim);
  asio::write(c.stream(), asio::buffer(request_text));
  std::string got;
  char buf[16384];
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!until(got) && std::chrono::steady_clock::now() < end) {
    bool done = false;
    beast::error_code ec;
    std::size_t n = 0;
    c.stream().async_read_some(asio::buffer(buf), [&](beast::error_code e, std::size_t k) {
      ec = e;
      n = k;
      done = true;
    });
    if (!run_until(c.io(), done, std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()))) break;
    got.append(buf, n);
    if (ec) break;
  }
  return got;
}

// Removes chunked transfer encoding from a body (everything after the header block).
inline std::string dechunk(std::string_view body, bool* saw_last_chunk = nullptr) {
  std::string out;
  while (!body.empty()) {
    const auto eol = body.find("\r\n");
    if (eol == std::string_view::npos) break;
    const std::size_t len = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    if (len == 0) {
      if (saw_last_chunk != nullptr) *saw_last_chunk = true;
      break;
    }
    if (body.size() < eol + 2 + len + 2) break;
    out.append(body.substr(eol + 2, len));
    body.remove_prefix(eol + 2 + len + 2);
  }
  return out;
}

}  // namespace cfsim_test
