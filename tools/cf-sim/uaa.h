// The simulated UAA: POST /oauth/token (client_credentials and password grants) and the token
// checks that Cloud Controller, the Traffic Controller and the RLP gateway make.
//
// Thread-safe. Tokens are JWT-shaped (header.claims.signature, base64url) but only this store
// can vouch for them; each expires expires_in seconds after it was issued.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http_types.h"

namespace cfsim {

struct UaaOptions {
  std::string client_id = "nozzle";
  std::string client_secret = "nozzle-secret";
  std::string username = "admin";
  std::string password = "admin-password";
  int expires_in_seconds = 43199;
  std::string scope = "doppler.firehose logs.admin cloud_controller.admin_read_only";
};

enum class TokenCheck { Valid, Missing, Invalid, Expired };

class TokenStore {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TokenStore(UaaOptions options) : options_(std::move(options)) {}

  // POST /oauth/token. Counts nothing itself: the caller counts by status.
  HttpResponse handle_token_request(const HttpRequest& request);
  // Whether `token` (without any "bearer" prefix) was issued here and is still valid and
  // carries `scope` (empty: any).
  [[nodiscard]] TokenCheck check(std::string_view token, std::string_view scope = {}) const;
  void set_expires_in(int seconds);
  [[nodiscard]] std::uint64_t issued() const;

 private:
  std::string issue(std::string_view client_id, std::string_view grant);

  UaaOptions options_;
  mutable std::mutex mutex_;
  struct Issued {
    Clock::time_point expires;
    std::string scope;
  };
  std::unordered_map<std::string, Issued> tokens_;
  std::uint64_t serial_ = 0;
};

// The Authorization header as each component reads it (docs/WIRE.md, "Request and authorization",
// "Errors and authorization", "UAA tokens"): the Traffic Controller strips a lowercase "bearer "
// only; the RLP gateway trims the prefix "bearer" and then spaces; Cloud Controller takes "bearer"
// in any case.
std::string_view token_for_traffic_controller(std::string_view authorization);
std::string_view token_for_rlp_gateway(std::string_view authorization);
std::string_view token_for_cloud_controller(std::string_view authorization);

}  // namespace cfsim
