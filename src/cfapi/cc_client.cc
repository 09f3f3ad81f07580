#include "cfapi/cc_client.h"

#include <rapidjson/document.h>

namespace nozzle::cfapi {
namespace {

// "HTTP 403 CF-NotAuthorized" from a CF v3 error body, or just the status.
std::string describe(const HttpResponse& r) {
  std::string out = r.describe();
  if (!r.transport_ok()) return out;
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  const auto errors = doc.FindMember("errors");
  if (errors == doc.MemberEnd() || !errors->value.IsArray() || errors->value.Empty()) return out;
  const auto& first = errors->value[0];
  if (first.IsObject()) {
    const auto title = first.FindMember("title");
    if (title != first.MemberEnd() && title->value.IsString()) out += std::string(" ") + title->value.GetString();
  }
  return out;
}

std::string trimmed(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string rebase_url(std::string_view api_url, std::string_view href) {
  std::string base = trimmed(std::string(api_url));
  const auto scheme = href.find("://");
  if (scheme != std::string_view::npos) {
    const auto path = href.find('/', scheme + 3);
    href = path == std::string_view::npos ? std::string_view{} : href.substr(path);
  }
  if (!href.empty() && href.front() != '/') base += '/';
  base += href;
  return base;
}

CcClient::CcClient(CcClientConfig config, TokenProvider& tokens)
    : config_(std::move(config)), tokens_(tokens), http_(config_.tls) {
  config_.api_url = trimmed(config_.api_url);
}

FetchResult CcClient::list_apps(const std::string& page_url) {
  if (!page_url.empty()) return get(rebase_url(config_.api_url, page_url));
  return get(config_.api_url + "/v3/apps?per_page=" + std::to_string(config_.per_page) +
             "&include=space.organization");
}

FetchResult CcClient::apps_by_guid(std::span<const std::string> guids) {
  std::string url = config_.api_url + "/v3/apps?guids=";
  for (std::size_t i = 0; i < guids.size(); ++i) {
    if (i > 0) url += ',';  // guids are [0-9a-f-]: nothing to escape
    url += guids[i];
  }
  url += "&per_page=" + std::to_string(config_.per_page) + "&include=space.organization";
  return get(url);
}

FetchResult CcClient::get(const std::string& url) {
  FetchResult result;
  HttpResponse response;
  // A 401 means the token was revoked or expired early: one refresh, then give up until the
  // next attempt (the token provider makes sure a storm of refusals costs one token).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = tokens_.token();
    if (!token) {
      result.error = "no token: " + token.error();
      return result;
    }
    HttpRequest request;
    request.url = url;
    request.timeout = config_.timeout;
    request.headers.emplace_back("Authorization", *token);
    request.headers.emplace_back("Accept", "application/json");
    ++requests_;
    response = http_.send(request);
    if (response.transport_ok() && response.status == 401 && attempt == 0) {
      tokens_.invalidate(*token);
      continue;
    }
    break;
  }
  if (response.success()) {
    auto page = parse_apps_page(response.body);
    if (!page) {
      result.error = "unreadable Cloud Controller response: " + page.error();
      return result;
    }
    result.status = FetchStatus::Ok;
    result.page = std::move(*page);
    return result;
  }
  result.error = describe(response);
  result.retry_after = response.retry_after;
  if (!response.transport_ok() || response.status >= 500 || response.status == 401) {
    result.status = FetchStatus::Failed;
  } else if (response.status == 429) {
    result.status = FetchStatus::RateLimited;
  } else {
    result.status = FetchStatus::Refused;
  }
  return result;
}

}  // namespace nozzle::cfapi
