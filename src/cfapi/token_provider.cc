#include "cfapi/token_provider.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "core/log.h"

namespace nozzle::cfapi {

Result<ParsedToken> parse_token_response(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Result<ParsedToken>::failure("UAA token response is not a JSON object");
  }
  const auto token = doc.FindMember("access_token");
  if (token == doc.MemberEnd() || !token->value.IsString() || token->value.GetStringLength() == 0) {
    return Result<ParsedToken>::failure("UAA token response has no access_token");
  }
  ParsedToken parsed;
  std::string type = "bearer";
  if (const auto t = doc.FindMember("token_type"); t != doc.MemberEnd() && t->value.IsString()) {
    type = t->value.GetString();
    // The Traffic Controller strips only a lowercase "bearer " prefix (docs/WIRE.md,
    // "Request and authorization").
    for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  parsed.header_value = type + " " + token->value.GetString();
  if (const auto e = doc.FindMember("expires_in"); e != doc.MemberEnd() && e->value.IsNumber()) {
    const double seconds = e->value.GetDouble();
    parsed.expires_in = std::chrono::seconds(seconds > 0 ? static_cast<long long>(seconds) : 0);
  }
  return parsed;
}

TokenProvider::TokenProvider(UaaConfig config, TlsOptions tls, Clock clock)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      http_(std::move(tls)),
      backoff_(std::chrono::seconds(1), std::chrono::seconds(30), Backoff::system_random()) {}

TokenProvider::~TokenProvider() { stop(); }

void TokenProvider::start() {
  std::lock_guard lock(mutex_);
  start_locked();
}

void TokenProvider::start_locked() {
  if (thread_.joinable() || stopping_) return;
  next_attempt_ = clock_();
  thread_ = std::thread([this] { run(); });
}

void TokenProvider::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  abort_.store(true);
  wake_.notify_all();
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TokenProvider::usable_locked() const { return !token_.empty() && clock_() < expires_at_; }

std::optional<std::string> TokenProvider::current() {
  std::lock_guard lock(mutex_);
  start_locked();
  if (usable_locked()) return token_;
  return std::nullopt;
}

Result<std::string> TokenProvider::token() {
  std::unique_lock lock(mutex_);
  start_locked();
  const std::uint64_t seen = attempts_;
  changed_.wait(lock, [&] { return stopping_ || usable_locked() || attempts_ != seen; });
  if (usable_locked()) return token_;
  return Result<std::string>::failure(stopping_ ? std::string("no UAA token: shutting down") : last_error_);
}

void TokenProvider::invalidate(const std::string& token) {
  {
    std::lock_guard lock(mutex_);
    if (token.empty() || token != token_) return;  // a newer token has replaced it already
    token_.clear();
    next_attempt_ = clock_();
  }
  wake_.notify_all();
}

std::string TokenProvider::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void TokenProvider::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = clock_();
    if (now < next_attempt_) {
      // The injected clock may not be the steady clock: look at it again at least every second.
      wake_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(next_attempt_ - now, std::chrono::seconds(1)));
      continue;
    }
    lock.unlock();
    Fetched f = fetch();
    lock.lock();
    const auto after = clock_();
    ++attempts_;
    if (!f.token.empty()) {
      token_ = std::move(f.token);
      backoff_.reset();
      if (f.expires_in.count() > 0) {
        expires_at_ = after + f.expires_in;
        const auto margin = std::chrono::duration_cast<std::chrono::milliseconds>(config_.refresh_margin);
        next_attempt_ = after + (f.expires_in > margin ? f.expires_in - margin : f.expires_in / 2);
      } else {
        // No lifetime given: the token serves until a holder is refused with it.
        expires_at_ = next_attempt_ = std::chrono::steady_clock::time_point::max();
      }
    } else {
      // The token held, if any, serves on until it expires.
      last_error_ = std::move(f.error);
      next_attempt_ = after + backoff_.next();
    }
    changed_.notify_all();
  }
}

TokenProvider::Fetched TokenProvider::fetch() {
  HttpRequest req;
  req.method = "POST";
  req.url = config_.uaa_url;
  while (!req.url.empty() && req.url.back() == '/') req.url.pop_back();
  req.url += "/oauth/token";
  req.timeout = config_.timeout;
  req.abort = &abort_;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  if (config_.username.empty()) {
    req.body = "grant_type=client_credentials";
    req.basic_user = config_.client_id;
    req.basic_password = config_.client_secret;
  } else {
    req.body = "grant_type=password&username=" + form_escape(config_.username) +
               "&password=" + form_escape(config_.password);
    req.basic_user = config_.client_id.empty() ? "cf" : config_.client_id;
    req.basic_password = config_.client_secret;
  }

  const HttpResponse resp = http_.send(req);
  Fetched out;
  if (!resp.success()) {
    out.error = "UAA token request to " + req.url + " failed: " + resp.describe();
    if (resp.transport_ok()) {
      // UAA explains itself in "error_description"; it never echoes the secret.
      rapidjson::Document doc;
      doc.Parse(resp.body.c_str());
      if (!doc.HasParseError() && doc.IsObject()) {
        const auto d = doc.FindMember("error_description");
        if (d != doc.MemberEnd() && d->value.IsString()) out.error += std::string(": ") + d->value.GetString();
      }
    }
  } else if (auto parsed = parse_token_response(resp.body)) {
    out.token = std::move(parsed->header_value);
    out.expires_in = parsed->expires_in;
    fetched_.fetch_add(1);
    log::info("UAA token fetched", {{"uaa", config_.uaa_url},
                                    {"expires_in_s", std::to_string(parsed->expires_in.count())}});
    return out;
  } else {
    out.error = parsed.error();
  }
  if (abort_.load()) return out;  // stopping: not a failure of UAA's
  failures_.fetch_add(1);
  log::write_limited("uaa-token", std::chrono::seconds(10), log::Level::Warn, "UAA token fetch failed",
                     {{"reason", out.error}});
  return out;
}

}  // namespace nozzle::cfapi
