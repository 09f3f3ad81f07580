// Cloud Controller v3 for enrichment (docs/WIRE.md, "Cloud Controller v3"): the apps list with
// include=space.organization, by page (the warm-up) or by guids (misses and refreshes).
//
// AppSource is the seam the app cache talks to; CcClient is its real implementation on libcurl,
// and unit tests put a hand-written fake behind the cache instead. Blocking, not thread-safe:
// the cache's own thread is the only caller. CcClient does one thing about failures itself, the
// single token refresh after a 401; everything else (429 Retry-After, 5xx and transport backoff,
// the --cc-rps pace) is reported to the caller, who schedules around it without sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cfapi/http_client.h"
#include "cfapi/token_provider.h"
#include "core/result.h"

namespace nozzle::cfapi {

// The nozzle's own labels on an app, a space or an org (README, "Self-service by label"):
//   syslog-nozzle/forward=true|false  forward this app (needed with --app-selection opt-in) or not
//   syslog-nozzle/drain=NAME          send this app's envelopes to the drain named NAME
// The nearest level that carries a key decides it: app over space over org.
inline constexpr std::string_view kForwardLabel = "syslog-nozzle/forward";
inline constexpr std::string_view kDrainLabel = "syslog-nozzle/drain";

struct RoutingLabels {
  enum class Forward : std::int8_t { Unset = -1, No = 0, Yes = 1 };
  Forward forward = Forward::Unset;
  std::string drain;  // "" when unset
  bool operator==(const RoutingLabels&) const = default;
};

// One app as the cache needs it: names, guids, whether it opted out of logging, and its labels.
struct CcApp {
  std::string guid;
  std::string name;
  std::string space_guid;
  std::string space_name;
  std::string org_guid;
  std::string org_name;
  bool app_opted_out = false;    // f2s-disable-logging: "true" as a label or annotation
  bool space_opted_out = false;  // on the app's space
  bool org_opted_out = false;    // on the app's org
  RoutingLabels app_labels;
  RoutingLabels space_labels;
  RoutingLabels org_labels;
};

struct AppsPage {
  std::vector<CcApp> apps;
  std::string next_url;  // pagination.next.href, "" on the last page
};

// Parses a /v3/apps list body with included spaces and organizations. Apps whose space or org
// is not in `included` keep empty names for it. Pure; exposed for tests.
Result<AppsPage> parse_apps_page(std::string_view json);

enum class FetchStatus {
  Ok,
  RateLimited,  // 429; retry_after when the header said
  Failed,       // 5xx, transport error, timeout, 401 after the refresh, or a body that does not parse
  Refused,      // other 4xx: retrying will not help soon (403, 400)
};

struct FetchResult {
  FetchStatus status = FetchStatus::Failed;
  AppsPage page;
  std::optional<std::chrono::seconds> retry_after;
  std::string error;  // for the log: status and CF error title, or the transport error

  [[nodiscard]] bool ok() const { return status == FetchStatus::Ok; }
};

class AppSource {
 public:
  virtual ~AppSource() = default;
  // One page of every app. page_url "" asks for the first page; then pass page.next_url.
  virtual FetchResult list_apps(const std::string& page_url) = 0;
  // The apps among `guids` that Cloud Controller knows; the others are simply absent.
  virtual FetchResult apps_by_guid(std::span<const std::string> guids) = 0;
};

struct CcClientConfig {
  std::string api_url;  // e.g. https://api.sys.example.com (no trailing slash needed)
  TlsOptions tls;       // --ca-cert / --skip-ssl-validation
  std::chrono::milliseconds timeout{10000};  // per request, connect included
  int per_page = 5000;  // Cloud Controller's maximum (docs/WIRE.md, "Cloud Controller v3")
};

class CcClient final : public AppSource {
 public:
  CcClient(CcClientConfig config, TokenProvider& tokens);

  FetchResult list_apps(const std::string& page_url) override;
  FetchResult apps_by_guid(std::span<const std::string> guids) override;

  [[nodiscard]] std::uint64_t requests() const { return requests_; }

 private:
  FetchResult get(const std::string& url);

  CcClientConfig config_;
  TokenProvider& tokens_;
  HttpClient http_;
  std::uint64_t requests_ = 0;
};

// The path and query of `href` on `api_url`: a next-page link is followed on the configured API
// address, so the token never goes to a host named in a response. Pure; exposed for tests.
std::string rebase_url(std::string_view api_url, std::string_view href);

}  // namespace nozzle::cfapi
