// The simulated Cloud Controller v3: apps, spaces and organizations (docs/WIRE.md,
// "Cloud Controller v3"), with filters (guids, names, space_guids, organization_guids), paging
// (page, per_page 1..5000), includes (space, space.organization on apps; organization on spaces),
// labels and annotations, CF v3 error bodies.
//
// Pure apart from the foundation it reads: handle() is called from any server thread.
#pragma once

#include <string>

#include "foundation.h"
#include "http_types.h"
#include "uaa.h"

namespace cfsim {

struct CcResult {
  HttpResponse response;
  std::string route;  // "/v3/apps", "/v3/apps/:guid", ... (what the counters count by)
};

class CcApi {
 public:
  CcApi(const Foundation& foundation, const TokenStore& tokens) : foundation_(foundation), tokens_(tokens) {}

  // True when the path belongs to Cloud Controller v3.
  static bool handles(const HttpRequest& req) { return req.path.starts_with("/v3/") || req.path == "/v3"; }
  // "/v3/apps", "/v3/apps/:guid", ... or "" for a path Cloud Controller does not serve here;
  // *id gets the guid of a single-resource path.
  static std::string route_of(std::string_view path, std::string* id = nullptr);
  // base_url: "https://127.0.0.1:PORT", used in links.
  [[nodiscard]] CcResult handle(const HttpRequest& req, const std::string& base_url) const;

 private:
  const Foundation& foundation_;
  const TokenStore& tokens_;
};

// {"errors":[{"code":..,"title":..,"detail":..}]}
HttpResponse cc_error(int status, int code, std::string_view title, std::string_view detail);

}  // namespace cfsim
