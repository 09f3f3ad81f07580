// A small blocking HTTP(S) client on libcurl, for UAA and Cloud Controller.
//
// One HttpClient keeps one connection cache (keep-alive, TLS session reuse). Not thread-safe:
// each owner (the token provider, the app cache's thread) has its own. Every request has a
// timeout; TLS peers are verified against the system store plus `ca_file` unless
// `skip_verify` is set.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nozzle::cfapi {

struct TlsOptions {
  std::string ca_file;
  bool skip_verify = false;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // HTTP Basic credentials, sent only when user is non-empty.
  std::string basic_user;
  std::string basic_password;
  std::chrono::milliseconds timeout{10000};
  // When set and it becomes true, the request ends early with an error (within about a second):
  // an owner being stopped need not wait out the timeout of a peer that does not answer.
  const std::atomic<bool>* abort = nullptr;
};

struct HttpResponse {
  long status = 0;        // 0 when no response arrived
  std::string error;      // transport error (DNS, connect, TLS, timeout); empty otherwise
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  // from a Retry-After header in seconds

  [[nodiscard]] bool transport_ok() const { return error.empty(); }
  [[nodiscard]] bool success() const { return error.empty() && status >= 200 && status < 300; }
  // "HTTP 404" or the transport error, for messages.
  [[nodiscard]] std::string describe() const;
};

class HttpClient {
 public:
  explicit HttpClient(TlsOptions tls);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse send(const HttpRequest& request);

 private:
  TlsOptions tls_;
  void* curl_;  // CURL*
};

// application/x-www-form-urlencoded escaping of one value.
std::string form_escape(std::string_view value);

}  // namespace nozzle::cfapi
