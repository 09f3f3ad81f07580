// UAA access tokens for the firehose and Cloud Controller.
//
// client_credentials with HTTP Basic auth by default (what a nozzle's own UAA client uses);
// the password grant through the public `cf` client when a username is configured. The token
// is kept until `refresh_margin` before its `expires_in`, and fetched again on demand. When a
// holder is refused (401 on the v1 firehose or Cloud Controller, 404 on the RLP gateway) it
// calls invalidate() with the token it used: only the first report of a given token causes a
// new fetch, so a refusal seen by every connection at once costs one token, not a storm.
//
// Thread-safe: one mutex; concurrent callers wait for one fetch. Secrets are never logged.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "cfapi/http_client.h"
#include "core/result.h"

namespace nozzle::cfapi {

struct UaaConfig {
  std::string uaa_url;  // base URL, e.g. https://uaa.sys.example.com (no /oauth/token)
  std::string client_id;
  std::string client_secret;
  std::string username;  // password grant when set (client `cf` with an empty secret by default)
  std::string password;
  std::chrono::seconds refresh_margin{60};
  std::chrono::milliseconds timeout{10000};
};

class TokenProvider {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  TokenProvider(UaaConfig config, TlsOptions tls, Clock clock = std::chrono::steady_clock::now);

  // "bearer <access_token>", from the cache or a new fetch. The error says why (UAA's status
  // and error description, or the transport error), never the secret.
  Result<std::string> token();

  // The caller was refused with `token`. Forgets it unless a newer token has replaced it.
  void invalidate(const std::string& token);

  [[nodiscard]] std::uint64_t tokens_fetched() const { return fetched_.load(); }
  [[nodiscard]] std::uint64_t fetch_failures() const { return failures_.load(); }

 private:
  Result<std::string> fetch_locked();

  UaaConfig config_;
  Clock clock_;
  std::mutex mutex_;
  HttpClient http_;  // guarded by mutex_
  std::string token_;
  std::chrono::steady_clock::time_point refresh_at_{};
  std::atomic<std::uint64_t> fetched_{0};
  std::atomic<std::uint64_t> failures_{0};
};

// Parses UAA's token response: "bearer <access_token>" (token_type as given, lowercase
// "bearer" when missing) and expires_in. Pure; exposed for tests.
struct ParsedToken {
  std::string header_value;
  std::chrono::seconds expires_in{0};
};
Result<ParsedToken> parse_token_response(std::string_view json);

}  // namespace nozzle::cfapi
