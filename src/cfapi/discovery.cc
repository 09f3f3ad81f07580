#include "cfapi/discovery.h"

#include <rapidjson/document.h>

namespace nozzle::cfapi {
namespace {

std::string link_href(const rapidjson::Value& links, const char* name) {
  const auto it = links.FindMember(name);
  if (it == links.MemberEnd() || !it->value.IsObject()) return {};  // absent, or null
  const auto href = it->value.FindMember("href");
  if (href == it->value.MemberEnd() || !href->value.IsString()) return {};
  return href->value.GetString();
}

std::string string_member(const rapidjson::Value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return it->value.GetString();
}

void fill(std::string& field, std::string value) {
  while (!value.empty() && value.back() == '/') value.pop_back();
  if (field.empty()) field = std::move(value);
}

}  // namespace

void apply_root_links(std::string_view root_json, Endpoints& known) {
  rapidjson::Document doc;
  doc.Parse(root_json.data(), root_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  const auto links = doc.FindMember("links");
  if (links == doc.MemberEnd() || !links->value.IsObject()) return;
  fill(known.uaa, link_href(links->value, "uaa"));
  fill(known.doppler, link_href(links->value, "logging"));
  fill(known.rlp, link_href(links->value, "log_stream"));
}

void apply_v2_info(std::string_view info_json, Endpoints& known) {
  rapidjson::Document doc;
  doc.Parse(info_json.data(), info_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  fill(known.uaa, string_member(doc, "token_endpoint"));
  fill(known.doppler, string_member(doc, "doppler_logging_endpoint"));
}

Result<Endpoints> discover(HttpClient& http, Endpoints overrides) {
  Endpoints e = std::move(overrides);
  while (!e.api.empty() && e.api.back() == '/') e.api.pop_back();
  const auto complete = [&] { return !e.uaa.empty() && !e.doppler.empty() && !e.rlp.empty(); };
  std::string problems;
  if (!complete()) {
    HttpRequest req;
    req.url = e.api + "/";
    req.headers = {{"Accept", "application/json"}};
    const HttpResponse root = http.send(req);
    if (root.success()) {
      apply_root_links(root.body, e);
    } else {
      problems += "GET " + req.url + ": " + root.describe() + "; ";
    }
  }
  if (e.uaa.empty() || e.doppler.empty()) {
    HttpRequest req;
    req.url = e.api + "/v2/info";
    req.headers = {{"Accept", "application/json"}};
    const HttpResponse info = http.send(req);
    if (info.success()) {
      apply_v2_info(info.body, e);
    } else {
      problems += "GET " + req.url + ": " + info.describe() + "; ";
    }
  }
  if (e.uaa.empty() || (e.doppler.empty() && e.rlp.empty())) {
    std::string missing = e.uaa.empty() ? "the UAA endpoint" : "";
    if (e.doppler.empty() && e.rlp.empty()) {
      missing += missing.empty() ? "" : " and ";
      missing += "a firehose endpoint (links.logging / links.log_stream)";
    }
    return Result<Endpoints>::failure("cannot discover " + missing + " from " + e.api + ": " +
                                      (problems.empty() ? "not in the API root or /v2/info" : problems));
  }
  return e;
}

}  // namespace nozzle::cfapi
