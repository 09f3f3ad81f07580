// HttpClient (http_client.h) on Boost.Beast and OpenSSL, for the static release build
// (NOZZLE_STATIC_RELEASE). Debian ships libcurl.a, but not static archives of all it links:
// GSSAPI/Kerberos has none, nor p11-kit under the GnuTLS that libldap and librtmp use. So the
// self-contained artifact speaks HTTP/1.1 itself, with the TLS setup the firehose and the
// drains already use (core/tls_client.h). Same contract as the libcurl client: one kept-alive
// connection, a deadline on the whole request, Retry-After in seconds, no redirects.
#include "cfapi/http_client.h"

#include <openssl/evp.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <charconv>
#include <optional>

#include "core/tls_client.h"

namespace nozzle::cfapi {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// Cloud Controller pages with includes stay far below this; a bigger body is an error.
constexpr std::uint64_t kBodyLimit = 64u << 20;

struct Target {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string path;  // origin-form, "/" at least
  [[nodiscard]] std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

std::optional<Target> split_url(std::string_view url) {
  Target t;
  if (url.starts_with("https://")) {
    t.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const std::size_t slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (t.path.front() == '?') t.path.insert(0, "/");
  if (authority.find('@') != std::string_view::npos || authority.empty()) return std::nullopt;
  std::string_view port;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    t.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) return std::nullopt;
  t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
  return t;
}

std::string host_header(const Target& t) {
  const bool default_port = t.port == (t.tls ? "443" : "80");
  const std::string host = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  return default_port ? host : host + ":" + t.port;
}

std::string basic_credentials(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

std::optional<std::chrono::seconds> retry_after(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  long seconds = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || ptr == v.data() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// One kept-alive connection and the io_context that runs each request to its deadline.
struct Connection {
  explicit Connection(const TlsOptions& options) {
    tls = tls::make_client_context({.ca_file = options.ca_file, .skip_verify = options.skip_verify});
  }

  asio::io_context io;
  tcp::resolver resolver{io};
  std::shared_ptr<asio::ssl::context> tls;
  std::string key;  // Target::key() of the open stream, empty when none
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void close() {
    resolver.cancel();
    if (plain || secure) {
      beast::error_code ignored;
      lowest().socket().close(ignored);
    }
    plain.reset();
    secure.reset();
    key.clear();
    buffer.clear();
  }
};

// Opens a connection to `t`, TLS verified unless skip_verify. Returns an error text, empty on success.
asio::awaitable<std::string> open(Connection& c, const Target& t, bool skip_verify,
                                  std::chrono::steady_clock::time_point deadline) {
  c.close();
  beast::error_code ec;
  const auto endpoints = co_await c.resolver.async_resolve(t.host, t.port, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return "cannot resolve " + t.host + ": " + ec.message();
  if (t.tls) {
    c.secure.emplace(c.io, *c.tls);
  } else {
    c.plain.emplace(c.io);
  }
  c.lowest().expires_at(deadline);
  co_await c.lowest().async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return "cannot connect to " + t.host + ":" + t.port + ": " + ec.message();
  if (t.tls) {
    if (!tls::configure_peer(c.secure->native_handle(), t.host, skip_verify)) {
      co_return "TLS: invalid server name " + t.host;
    }
    co_await c.secure->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      bool verify_failed = false;
      co_return "TLS handshake with " + t.host + ": " +
          tls::describe_handshake_failure(c.secure->native_handle(), ec.message(), verify_failed);
    }
  }
  c.key = t.key();
  co_return std::string();
}

template <typename Stream>
asio::awaitable<beast::error_code> exchange(Stream& stream, beast::flat_buffer& buffer,
                                            http::request<http::string_body>& req,
                                            http::response_parser<http::string_body>& parser) {
  beast::error_code ec;
  co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return ec;
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  co_return ec;
}

asio::awaitable<HttpResponse> perform(Connection& c, const TlsOptions& options, const HttpRequest& request,
                                      std::chrono::steady_clock::time_point deadline) {
  HttpResponse response;
  const std::optional<Target> t = split_url(request.url);
  if (!t) {
    response.error = "unsupported URL (http or https only): " + request.url;
    co_return response;
  }
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(t->path);
  req.version(11);
  req.set(http::field::host, host_header(*t));
  req.set(http::field::user_agent, "syslog-nozzle");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.basic_user.empty()) {
    req.set(http::field::authorization, basic_credentials(request.basic_user, request.basic_password));
  }
  if (request.method != "GET" || !request.body.empty()) req.body() = request.body;
  req.prepare_payload();

  // A kept-alive connection the server has closed since fails on first use: one retry on a
  // new connection then, as libcurl does.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = c.key == t->key();
    if (!reused) {
      std::string error = co_await open(c, *t, options.skip_verify, deadline);
      if (!error.empty()) {
        c.close();
        response.error = std::move(error);
        co_return response;
      }
    }
    c.lowest().expires_at(deadline);
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    const beast::error_code ec = c.secure ? co_await exchange(*c.secure, c.buffer, req, parser)
                                          : co_await exchange(*c.plain, c.buffer, req, parser);
    if (ec) {
      c.close();
      if (reused && ec != beast::error::timeout) continue;
      response.error = (ec == beast::error::timeout ? std::string("timed out") : ec.message()) + " (" + t->host + ")";
      co_return response;
    }
    auto& res = parser.get();
    response.status = static_cast<long>(res.result_int());
    if (const auto it = res.find(http::field::retry_after); it != res.end()) {
      response.retry_after = retry_after(std::string_view(it->value().data(), it->value().size()));
    }
    response.body = std::move(res.body());
    if (!res.keep_alive()) c.close();
    co_return response;
  }
  co_return response;
}

}  // namespace

// `curl_` (the header's name for the opaque handle) holds the Connection here.
HttpClient::HttpClient(TlsOptions tls) : tls_(std::move(tls)), curl_(new Connection(tls_)) {}

HttpClient::~HttpClient() { delete static_cast<Connection*>(curl_); }

HttpResponse HttpClient::send(const HttpRequest& request) {
  auto& c = *static_cast<Connection*>(curl_);
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  std::optional<HttpResponse> result;
  c.io.restart();
  asio::co_spawn(c.io, perform(c, tls_, request, deadline), [&result](std::exception_ptr e, HttpResponse r) {
    if (e) {
      r = HttpResponse{};
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        r.error = ex.what();
      }
    }
    result = std::move(r);
  });
  // The streams' own expiry covers connect, handshake, write and read; this also bounds
  // the resolver, which has none. In slices of 100 ms, so that an abort is seen soon.
  const auto end = deadline + std::chrono::milliseconds(50);
  const auto aborted = [&request] { return request.abort != nullptr && request.abort->load(); };
  while (!result && !aborted() && std::chrono::steady_clock::now() < end && !c.io.stopped()) {
    c.io.run_until(std::min(end, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
  }
  if (!result) {
    c.close();  // aborts what is pending; the coroutine then ends with an error
    c.io.restart();
    c.io.run();
    if (!result) result.emplace();
    result->status = 0;
    result->body.clear();
    result->error = aborted() ? std::string("aborted")
                              : "timed out after " + std::to_string(request.timeout.count()) + " ms";
  }
  return std::move(*result);
}

}  // namespace nozzle::cfapi
