// Plain request and response values that cf-sim's handlers take and return. The handlers are
// pure functions of these (no sockets), so they are unit-tested without a server.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cfsim {

// A query string split into decoded name/value pairs, in order. A name without '=' has an
// empty value and has_value false (the RLP gateway's `log`, `counter`, ... take no value).
struct QueryParam {
  std::string name;
  std::string value;
  bool has_value = false;
};
using Query = std::vector<QueryParam>;

Query parse_query(std::string_view query);
// Percent-decoding ('+' becomes a space, as in forms). Invalid escapes are kept as they are.
std::string url_decode(std::string_view s);
std::string url_encode(std::string_view s);
// The first value of `name`, or nullopt.
std::optional<std::string> query_value(const Query& q, std::string_view name);
bool query_has(const Query& q, std::string_view name);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

struct HttpRequest {
  std::string method;  // upper case, as sent
  std::string path;    // without the query
  std::string query;   // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // The first header with this (lower-case) name, or "".
  [[nodiscard]] std::string_view header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return v;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Held back this long before it is written (Cloud Controller latency faults).
  std::chrono::milliseconds delay{0};

  static HttpResponse json(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    r.body = std::move(body);
    return r;
  }
  static HttpResponse text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return r;
  }
};

std::string_view reason_phrase(int status);
// Status line, headers (Content-Length added) and body, ready to write.
std::string render_response(const HttpResponse& r, bool keep_alive);

}  // namespace cfsim
