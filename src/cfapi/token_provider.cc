#include "cfapi/token_provider.h"

#include <rapidjson/document.h>

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
    : config_(std::move(config)), clock_(std::move(clock)), http_(std::move(tls)) {}

Result<std::string> TokenProvider::token() {
  std::lock_guard lock(mutex_);
  if (!token_.empty() && clock_() < refresh_at_) return token_;
  return fetch_locked();
}

void TokenProvider::invalidate(const std::string& token) {
  std::lock_guard lock(mutex_);
  if (token == token_) token_.clear();
}

Result<std::string> TokenProvider::fetch_locked() {
  HttpRequest req;
  req.method = "POST";
  req.url = config_.uaa_url;
  while (!req.url.empty() && req.url.back() == '/') req.url.pop_back();
  req.url += "/oauth/token";
  req.timeout = config_.timeout;
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
  std::string error;
  if (!resp.success()) {
    error = "UAA token request to " + req.url + " failed: " + resp.describe();
    if (resp.transport_ok()) {
      // UAA explains itself in "error_description"; it never echoes the secret.
      rapidjson::Document doc;
      doc.Parse(resp.body.c_str());
      if (!doc.HasParseError() && doc.IsObject()) {
        const auto d = doc.FindMember("error_description");
        if (d != doc.MemberEnd() && d->value.IsString()) error += std::string(": ") + d->value.GetString();
      }
    }
  } else {
    auto parsed = parse_token_response(resp.body);
    if (parsed) {
      token_ = std::move(parsed->header_value);
      const auto lifetime = parsed->expires_in > config_.refresh_margin
                                ? parsed->expires_in - config_.refresh_margin
                                : parsed->expires_in / 2;
      refresh_at_ = clock_() + lifetime;
      fetched_.fetch_add(1);
      log::info("UAA token fetched", {{"uaa", config_.uaa_url},
                                      {"expires_in_s", std::to_string(parsed->expires_in.count())}});
      return token_;
    }
    error = parsed.error();
  }
  failures_.fetch_add(1);
  token_.clear();
  log::write_limited("uaa-token", std::chrono::seconds(10), log::Level::Warn, "UAA token fetch failed",
                     {{"reason", error}});
  return Result<std::string>::failure(error);
}

}  // namespace nozzle::cfapi
