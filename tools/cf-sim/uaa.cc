#include "uaa.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

namespace cfsim {
namespace {

std::string base64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

HttpResponse oauth_error(int status, std::string_view error, std::string_view description) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("error"); w.String(error.data(), static_cast<rapidjson::SizeType>(error.size()));
  w.Key("error_description");
  w.String(description.data(), static_cast<rapidjson::SizeType>(description.size()));
  w.EndObject();
  HttpResponse r = HttpResponse::json(status, sb.GetString());
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", R"(Basic realm="UAA/client", error="unauthorized")");
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string TokenStore::issue(std::string_view client_id, std::string_view grant) {
  std::lock_guard lock(mutex_);
  const auto serial = ++serial_;
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string header = R"({"alg":"RS256","kid":"cf-sim","typ":"JWT"})";
  const std::string claims = R"({"jti":"cf-sim-)" + std::to_string(serial) + R"(","client_id":")" +
                             std::string(client_id) + R"(","grant_type":")" + std::string(grant) +
                             R"(","scope":[],"iat":)" + std::to_string(now_s) + R"(,"exp":)" +
                             std::to_string(now_s + options_.expires_in_seconds) + "}";
  std::string token = base64url(header) + "." + base64url(claims) + "." +
                      base64url("cf-sim-signature-" + std::to_string(serial));
  tokens_[token] = {Clock::now() + std::chrono::seconds(options_.expires_in_seconds), options_.scope};
  return token;
}

HttpResponse TokenStore::handle_token_request(const HttpRequest& req) {
  if (req.method != "POST") return oauth_error(405, "method_not_allowed", "Request method not supported");
  const Query form = parse_query(req.body);
  const std::string grant = query_value(form, "grant_type").value_or("");
  std::string client_id;
  std::string client_secret;
  bool basic = false;
  if (const auto auth = req.header("authorization"); auth.size() > 6 && auth.substr(0, 6) == "Basic ") {
    if (const auto decoded = base64_decode(trim(auth.substr(6)))) {
      const auto colon = decoded->find(':');
      if (colon != std::string::npos) {
        // RFC 6749 2.3.1: the parts are form-encoded before they are joined.
        client_id = url_decode(decoded->substr(0, colon));
        client_secret = url_decode(decoded->substr(colon + 1));
        basic = true;
      }
    }
  }
  if (!basic) {
    client_id = query_value(form, "client_id").value_or("");
    client_secret = query_value(form, "client_secret").value_or("");
  }
  std::string refresh;
  if (grant == "client_credentials") {
    if (client_id != options_.client_id || client_secret != options_.client_secret) {
      return oauth_error(401, "unauthorized", "Bad credentials");
    }
  } else if (grant == "password") {
    // The cf CLI's public client: id "cf", empty secret.
    if (client_id != "cf" || !client_secret.empty()) return oauth_error(401, "unauthorized", "Bad credentials");
    if (query_value(form, "username").value_or("") != options_.username ||
        query_value(form, "password").value_or("") != options_.password) {
      return oauth_error(401, "unauthorized", "Bad credentials");
    }
    refresh = "cf-sim-refresh";
  } else if (grant.empty()) {
    return oauth_error(400, "invalid_request", "Missing grant type");
  } else {
    return oauth_error(400, "unsupported_grant_type", "Unsupported grant type: " + grant);
  }
  const std::string token = issue(client_id, grant);
  int expires_in = 0;
  {
    std::lock_guard lock(mutex_);
    expires_in = options_.expires_in_seconds;
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("access_token"); w.String(token.c_str());
  w.Key("token_type"); w.String("bearer");
  if (!refresh.empty()) {
    w.Key("refresh_token"); w.String((refresh + "-" + std::to_string(issued())).c_str());
  }
  w.Key("expires_in"); w.Int(expires_in);
  w.Key("scope"); w.String(options_.scope.c_str());
  w.Key("jti"); w.String(("cf-sim-" + std::to_string(issued())).c_str());
  w.EndObject();
  HttpResponse r = HttpResponse::json(200, sb.GetString());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

TokenCheck TokenStore::check(std::string_view token, std::string_view scope) const {
  if (token.empty()) return TokenCheck::Missing;
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(std::string(token));
  if (it == tokens_.end()) return TokenCheck::Invalid;
  if (Clock::now() >= it->second.expires) return TokenCheck::Expired;
  if (!scope.empty()) {
    std::string_view scopes = it->second.scope;
    bool found = false;
    while (!scopes.empty() && !found) {
      const auto sp = scopes.find(' ');
      found = scopes.substr(0, sp) == scope;
      scopes = sp == std::string_view::npos ? std::string_view{} : scopes.substr(sp + 1);
    }
    if (!found) return TokenCheck::Invalid;
  }
  return TokenCheck::Valid;
}

void TokenStore::set_expires_in(int seconds) {
  std::lock_guard lock(mutex_);
  options_.expires_in_seconds = seconds;
}

std::uint64_t TokenStore::issued() const {
  std::lock_guard lock(mutex_);
  return serial_;
}

std::string_view token_for_traffic_controller(std::string_view a) {
  if (a.starts_with("bearer ")) a.remove_prefix(7);
  return a;
}

std::string_view token_for_rlp_gateway(std::string_view a) {
  if (a.starts_with("bearer")) a.remove_prefix(6);
  return trim(a);
}

std::string_view token_for_cloud_controller(std::string_view a) {
  if (a.size() > 7 && std::tolower(static_cast<unsigned char>(a[0])) == 'b') {
    std::string prefix(a.substr(0, 7));
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::tolower(c); });
    if (prefix == "bearer ") return trim(a.substr(7));
  }
  return {};
}

}  // namespace cfsim
