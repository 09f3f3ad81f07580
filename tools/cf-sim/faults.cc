#include "faults.h"

#include <charconv>

namespace cfsim {
namespace {

template <class T>
bool parse_number(const std::string& text, T& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

// True when request n (1-based, after counting) must fail to keep failures at share * n.
bool due(double share, std::uint64_t n, std::uint64_t& failures) {
  if (share <= 0) return false;
  if (static_cast<double>(failures + 1) <= share * static_cast<double>(n) + 1e-9) {
    ++failures;
    return true;
  }
  return false;
}

}  // namespace

std::string apply_fault_query(const Query& q, FaultSettings& out) {
  FaultSettings s = out;  // all or nothing
  for (const auto& p : q) {
    bool ok = true;
    std::int64_t i = 0;
    double d = 0;
    if (p.name == "cc_latency_ms") {
      ok = parse_number(p.value, i) && i >= 0;
      s.cc_latency = std::chrono::milliseconds(i);
    } else if (p.name == "cc_error_rate") {
      ok = parse_number(p.value, d) && d >= 0 && d <= 1;
      s.cc_error_rate = d;
    } else if (p.name == "cc_rate_limit_rate") {
      ok = parse_number(p.value, d) && d >= 0 && d <= 1;
      s.cc_rate_limit_rate = d;
    } else if (p.name == "retry_after") {
      ok = parse_number(p.value, i) && i >= 0 && i < 86400;
      s.retry_after_seconds = static_cast<int>(i);
    } else if (p.name == "cc_down_ms") {
      ok = parse_number(p.value, i) && i >= 0;
      s.cc_down_for = std::chrono::milliseconds(i);
    } else if (p.name == "uaa_down_ms") {
      ok = parse_number(p.value, i) && i >= 0;
      s.uaa_down_for = std::chrono::milliseconds(i);
    } else if (p.name == "uaa_latency_ms") {
      ok = parse_number(p.value, i) && i >= 0;
      s.uaa_latency = std::chrono::milliseconds(i);
    } else if (p.name == "drop_every_envelopes") {
      ok = parse_number(p.value, i) && i >= 0;
      s.drop_every_envelopes = static_cast<std::uint64_t>(i);
    } else if (p.name == "drop_every_ms") {
      ok = parse_number(p.value, i) && i >= 0;
      s.drop_every = std::chrono::milliseconds(i);
    } else {
      return "unknown fault parameter: " + p.name;
    }
    if (!ok) return "bad value for " + p.name + ": " + p.value;
  }
  out = s;
  return {};
}

void Faults::set(const FaultSettings& s) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  // A down period counts from the moment it is set; setting the same one again restarts it.
  cc_down_until_ = s.cc_down_for.count() > 0 ? now + s.cc_down_for : Clock::time_point{};
  uaa_down_until_ = s.uaa_down_for.count() > 0 ? now + s.uaa_down_for : Clock::time_point{};
  if (s.cc_error_rate != settings_.cc_error_rate || s.cc_rate_limit_rate != settings_.cc_rate_limit_rate) {
    cc_requests_ = cc_errors_ = cc_limited_ = 0;
  }
  settings_ = s;
  drop_every_envelopes_.store(s.drop_every_envelopes, std::memory_order_relaxed);
  drop_every_ms_.store(s.drop_every.count(), std::memory_order_relaxed);
}

FaultSettings Faults::get() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

Faults::CcOutcome Faults::next_cc_request() {
  std::lock_guard lock(mutex_);
  if (Clock::now() < cc_down_until_) return CcOutcome::Down;
  ++cc_requests_;
  if (due(settings_.cc_error_rate, cc_requests_, cc_errors_)) return CcOutcome::ServerError;
  if (due(settings_.cc_rate_limit_rate, cc_requests_, cc_limited_)) return CcOutcome::RateLimited;
  return CcOutcome::Ok;
}

std::chrono::milliseconds Faults::cc_latency() const {
  std::lock_guard lock(mutex_);
  return settings_.cc_latency;
}

int Faults::retry_after_seconds() const {
  std::lock_guard lock(mutex_);
  return settings_.retry_after_seconds;
}

bool Faults::uaa_down() const {
  std::lock_guard lock(mutex_);
  return Clock::now() < uaa_down_until_;
}

std::chrono::milliseconds Faults::uaa_latency() const {
  std::lock_guard lock(mutex_);
  return settings_.uaa_latency;
}

HttpResponse gorouter_bad_gateway() {
  HttpResponse r = HttpResponse::text(502, "502 Bad Gateway: Registered endpoint failed to handle the request.\n");
  r.headers.emplace_back("X-Cf-Routererror", "endpoint_failure");
  return r;
}

HttpResponse cc_server_error() {
  return HttpResponse::json(
      500, R"({"errors":[{"detail":"An unknown error occurred.","title":"UnknownError","code":10001}]})");
}

HttpResponse cc_rate_limited(int retry_after_seconds) {
  HttpResponse r = HttpResponse::json(
      429, R"({"errors":[{"detail":"Rate Limit Exceeded","title":"CF-RateLimitExceeded","code":10013}]})");
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  r.headers.emplace_back("X-RateLimit-Limit", "2000");
  r.headers.emplace_back("X-RateLimit-Remaining", "0");
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count() + retry_after_seconds;
  r.headers.emplace_back("X-RateLimit-Reset", std::to_string(reset));
  return r;
}

}  // namespace cfsim
