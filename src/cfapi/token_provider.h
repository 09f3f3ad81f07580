// UAA access tokens for the firehose and Cloud Controller.
//
// client_credentials with HTTP Basic auth by default (what a nozzle's own UAA client uses);
// the password grant through the public `cf` client when a username is configured.
//
// Tokens are fetched by a refresher thread of the provider's own, never by a caller: UAA's
// request is blocking (up to `timeout`), and a firehose connection's thread must not stop
// reading, ticking and releasing held envelopes while it waits. The refresher fetches the first
// token at once, renews each one `refresh_margin` before it expires (at half its life when that
// is shorter), and after a failure tries again with capped, jittered backoff (1 s doubling to
// 30 s); a token is used until it expires, also while renewing it fails. When a holder is
// refused (401 on the v1 firehose or Cloud Controller, 404 on the RLP gateway) it calls
// invalidate() with the token it used: only the first report of a given token causes a new
// fetch, so a refusal seen by every connection at once costs one token, not a storm.
//
// Thread-safe: one mutex, never held across a request. Secrets are never logged.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cfapi/http_client.h"
#include "core/backoff.h"
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
  ~TokenProvider();  // stop()
  TokenProvider(const TokenProvider&) = delete;
  TokenProvider& operator=(const TokenProvider&) = delete;

  // Starts the refresher thread, which fetches the first token at once. Idempotent; current()
  // and token() start it too.
  void start();
  // Stops the refresher: a request in flight is abandoned (within about a second), and callers
  // waiting in token() get an error. Idempotent; no token is fetched afterwards.
  void stop();

  // Never waits for UAA: "bearer <access_token>" while a token that has not expired is held,
  // else nothing (the refresher is fetching one, or waiting to try again after a failure).
  std::optional<std::string> current();

  // Waits for a token: the current one, else the outcome of the refresher's next attempt. The
  // error says why (UAA's status and error description, or the transport error), never the
  // secret. For threads that may block (the app cache's), not for a firehose connection's.
  Result<std::string> token();

  // The caller was refused with `token`. Forgets it unless a newer token has replaced it, and
  // has a new one fetched at once.
  void invalidate(const std::string& token);

  [[nodiscard]] std::uint64_t tokens_fetched() const { return fetched_.load(); }
  [[nodiscard]] std::uint64_t fetch_failures() const { return failures_.load(); }
  // Why the last attempt failed ("" before any failure).
  [[nodiscard]] std::string last_error() const;

 private:
  struct Fetched {
    std::string token;  // empty on failure
    std::chrono::milliseconds expires_in{0};
    std::string error;
  };
  void start_locked();
  [[nodiscard]] bool usable_locked() const;
  void run();
  Fetched fetch();  // the request; refresher thread only, without the lock

  UaaConfig config_;
  Clock clock_;
  HttpClient http_;  // refresher thread only
  Backoff backoff_;  // refresher thread only
  std::atomic<bool> abort_{false};

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the refresher: invalidated, or stopping
  std::condition_variable changed_;  // token() callers: an attempt ended, or stopping
  std::string token_;
  std::chrono::steady_clock::time_point expires_at_{};
  std::chrono::steady_clock::time_point next_attempt_{};  // the refresher's next fetch
  std::uint64_t attempts_ = 0;
  std::string last_error_;
  bool stopping_ = false;
  std::thread thread_;

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
