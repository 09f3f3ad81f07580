#include "cc_api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>

namespace cfsim {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kCreatedAt = "2024-01-01T00:00:00Z";

void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void href(Writer& w, const char* key, const std::string& url) {
  w.Key(key);
  w.StartObject();
  w.Key("href");
  str(w, url);
  w.EndObject();
}

void metadata(Writer& w, const std::map<std::string, std::string>& labels,
              const std::map<std::string, std::string>& annotations) {
  w.Key("metadata");
  w.StartObject();
  w.Key("labels");
  w.StartObject();
  for (const auto& [k, v] : labels) { str(w, k); str(w, v); }
  w.EndObject();
  w.Key("annotations");
  w.StartObject();
  for (const auto& [k, v] : annotations) { str(w, k); str(w, v); }
  w.EndObject();
  w.EndObject();
}

void relationship(Writer& w, const char* key, const std::string& guid) {
  w.Key(key);
  w.StartObject();
  w.Key("data");
  w.StartObject();
  w.Key("guid");
  str(w, guid);
  w.EndObject();
  w.EndObject();
}

void write_org(Writer& w, const OrgRecord& o, const std::map<std::string, std::string>& labels,
               const std::string& base) {
  w.StartObject();
  w.Key("guid"); str(w, o.guid);
  w.Key("created_at"); w.String(kCreatedAt);
  w.Key("updated_at"); w.String(kCreatedAt);
  w.Key("name"); str(w, o.name);
  w.Key("suspended"); w.Bool(false);
  w.Key("relationships");
  w.StartObject();
  w.Key("quota"); w.StartObject(); w.Key("data"); w.StartObject(); w.Key("guid");
  w.String("00000000-0000-4000-b000-000000000000"); w.EndObject(); w.EndObject();
  w.EndObject();
  metadata(w, labels, {});
  w.Key("links");
  w.StartObject();
  href(w, "self", base + "/v3/organizations/" + o.guid);
  w.EndObject();
  w.EndObject();
}

using Extra = std::function<void()>;

void write_space(Writer& w, const SpaceRecord& s, const std::map<std::string, std::string>& labels,
                 const std::string& org_guid_text, const std::string& base,
                 const Extra& extra = {}) {
  w.StartObject();
  w.Key("guid"); str(w, s.guid);
  w.Key("created_at"); w.String(kCreatedAt);
  w.Key("updated_at"); w.String(kCreatedAt);
  w.Key("name"); str(w, s.name);
  w.Key("relationships");
  w.StartObject();
  relationship(w, "organization", org_guid_text);
  w.Key("quota"); w.StartObject(); w.Key("data"); w.Null(); w.EndObject();
  w.EndObject();
  metadata(w, labels, {});
  w.Key("links");
  w.StartObject();
  href(w, "self", base + "/v3/spaces/" + s.guid);
  href(w, "organization", base + "/v3/organizations/" + org_guid_text);
  w.EndObject();
  if (extra) extra();
  w.EndObject();
}

void write_app(Writer& w, const AppRecord& a, const std::string& space_guid_text, const std::string& base,
               const Extra& extra = {}) {
  w.StartObject();
  w.Key("guid"); str(w, a.guid);
  w.Key("created_at"); w.String(kCreatedAt);
  w.Key("updated_at"); w.String(kCreatedAt);
  w.Key("name"); str(w, a.name);
  w.Key("state"); w.String(a.index % 10 == 9 ? "STOPPED" : "STARTED");
  w.Key("lifecycle");
  w.StartObject();
  w.Key("type"); w.String("buildpack");
  w.Key("data"); w.StartObject(); w.Key("buildpacks"); w.StartArray(); w.EndArray();
  w.Key("stack"); w.String("cflinuxfs4"); w.EndObject();
  w.EndObject();
  w.Key("relationships");
  w.StartObject();
  relationship(w, "space", space_guid_text);
  relationship(w, "current_droplet", "00000000-0000-4000-c000-" + a.guid.substr(24));
  w.EndObject();
  metadata(w, a.labels, a.annotations);
  w.Key("links");
  w.StartObject();
  href(w, "self", base + "/v3/apps/" + a.guid);
  href(w, "space", base + "/v3/spaces/" + space_guid_text);
  href(w, "processes", base + "/v3/apps/" + a.guid + "/processes");
  w.EndObject();
  if (extra) extra();
  w.EndObject();
}

std::set<std::string> comma_set(const Query& q, std::string_view name) {
  std::set<std::string> out;
  for (const auto& p : q) {
    if (p.name != name) continue;
    std::string_view v = p.value;
    while (!v.empty()) {
      const auto comma = v.find(',');
      if (comma != 0) out.emplace(v.substr(0, comma));
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  return out;
}

struct Paging {
  std::size_t page = 1;
  std::size_t per_page = 50;
};

// "" when fine, else the detail for a 400 CF-BadQueryParameter.
std::string parse_paging(const Query& q, Paging& p) {
  for (const auto& param : q) {
    std::size_t v = 0;
    const auto r = std::from_chars(param.value.data(), param.value.data() + param.value.size(), v);
    const bool number = r.ec == std::errc() && r.ptr == param.value.data() + param.value.size();
    if (param.name == "page") {
      if (!number || v < 1) return "Page must be greater than 0";
      p.page = v;
    } else if (param.name == "per_page") {
      if (!number || v < 1 || v > 5000) return "Per page must be between 1 and 5000";
      p.per_page = v;
    }
  }
  return {};
}

std::string unknown_params(const Query& q, std::initializer_list<std::string_view> known) {
  std::string bad;
  for (const auto& p : q) {
    if (std::find(known.begin(), known.end(), p.name) != known.end()) continue;
    if (!bad.empty()) bad += ", ";
    bad += "'" + p.name + "'";
  }
  return bad.empty() ? bad : "Unknown query parameter(s): " + bad;
}

// The query without page/per_page, re-encoded, for the pagination links.
std::string filters_of(const Query& q) {
  std::string out;
  for (const auto& p : q) {
    if (p.name == "page" || p.name == "per_page") continue;
    out += url_encode(p.name) + "=" + url_encode(p.value) + "&";
  }
  return out;
}

void pagination(Writer& w, std::size_t total, const Paging& p, const std::string& url_prefix) {
  const std::size_t pages = std::max<std::size_t>(1, (total + p.per_page - 1) / p.per_page);
  const auto link = [&](std::size_t page) {
    return url_prefix + "page=" + std::to_string(page) + "&per_page=" + std::to_string(p.per_page);
  };
  w.Key("pagination");
  w.StartObject();
  w.Key("total_results"); w.Uint64(total);
  w.Key("total_pages"); w.Uint64(pages);
  href(w, "first", link(1));
  href(w, "last", link(pages));
  w.Key("next");
  if (p.page < pages) { w.StartObject(); w.Key("href"); str(w, link(p.page + 1)); w.EndObject(); } else { w.Null(); }
  w.Key("previous");
  if (p.page > 1) { w.StartObject(); w.Key("href"); str(w, link(std::min(p.page - 1, pages))); w.EndObject(); } else { w.Null(); }
  w.EndObject();
}

HttpResponse bad_query(const std::string& detail) { return cc_error(400, 10005, "CF-BadQueryParameter", detail); }

}  // namespace

HttpResponse cc_error(int status, int code, std::string_view title, std::string_view detail) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("errors");
  w.StartArray();
  w.StartObject();
  w.Key("detail"); str(w, detail);
  w.Key("title"); str(w, title);
  w.Key("code"); w.Int(code);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return HttpResponse::json(status, sb.GetString());
}

std::string CcApi::route_of(std::string_view path, std::string* id) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const std::string_view collection : {"/v3/apps", "/v3/spaces", "/v3/organizations"}) {
    if (path == collection) return std::string(collection);
    if (path.starts_with(collection) && path.size() > collection.size() + 1 && path[collection.size()] == '/' &&
        path.find('/', collection.size() + 1) == std::string_view::npos) {
      if (id != nullptr) *id = path.substr(collection.size() + 1);
      return std::string(collection) + "/:guid";
    }
  }
  return {};
}

CcResult CcApi::handle(const HttpRequest& req, const std::string& base) const {
  std::string id;
  const std::string route = route_of(req.path, &id);
  if (route.empty()) {
    return {cc_error(404, 10000, "CF-NotFound", "Unknown request"), "/v3/other"};
  }
  const auto auth = req.header("authorization");
  if (auth.empty()) return {cc_error(401, 10002, "CF-NotAuthenticated", "Authentication error"), route};
  const auto check = tokens_.check(token_for_cloud_controller(auth));
  if (check != TokenCheck::Valid) return {cc_error(401, 1000, "CF-InvalidAuthToken", "Invalid Auth Token"), route};
  if (req.method != "GET") return {cc_error(405, 10000, "CF-NotFound", "Unknown request"), route};

  const Query q = parse_query(req.query);
  const auto include = query_value(q, "include").value_or("");
  rapidjson::StringBuffer sb;
  Writer w(sb);
  Paging paging;
  std::vector<std::uint32_t> inc_spaces;
  std::vector<std::uint32_t> inc_orgs;
  bool want_spaces = false;
  bool want_orgs = false;

  const auto finish_included = [&] {
    if (!want_spaces && !want_orgs) return;
    std::sort(inc_spaces.begin(), inc_spaces.end());
    inc_spaces.erase(std::unique(inc_spaces.begin(), inc_spaces.end()), inc_spaces.end());
    std::sort(inc_orgs.begin(), inc_orgs.end());
    inc_orgs.erase(std::unique(inc_orgs.begin(), inc_orgs.end()), inc_orgs.end());
    w.Key("included");
    w.StartObject();
    if (want_spaces) {
      w.Key("spaces");
      w.StartArray();
      for (auto s : inc_spaces) write_space(w, foundation_.space(s), foundation_.labels_of(foundation_.space(s).guid), foundation_.org(foundation_.space(s).org).guid, base);
      w.EndArray();
    }
    if (want_orgs) {
      w.Key("organizations");
      w.StartArray();
      for (auto o : inc_orgs) write_org(w, foundation_.org(o), foundation_.labels_of(foundation_.org(o).guid), base);
      w.EndArray();
    }
    w.EndObject();
  };

  if (route.starts_with("/v3/apps")) {
    if (!include.empty() && include != "space" && include != "space.organization") {
      return {bad_query("Invalid included resource: '" + include + "'"), route};
    }
    want_spaces = !include.empty();
    want_orgs = include == "space.organization";
    const auto add_includes = [&](const AppRecord& a) {
      inc_spaces.push_back(a.space);
      inc_orgs.push_back(a.org);
    };
    if (!id.empty()) {
      if (auto bad = unknown_params(q, {"include"}); !bad.empty()) return {bad_query(bad), route};
      const auto app = foundation_.find_app(id);
      if (!app) return {cc_error(404, 10010, "CF-ResourceNotFound", "App not found"), route};
      add_includes(*app);
      write_app(w, *app, foundation_.space(app->space).guid, base, finish_included);
      return {HttpResponse::json(200, sb.GetString()), route};
    }
    if (auto bad = unknown_params(q, {"guids", "names", "space_guids", "organization_guids", "page", "per_page",
                                      "include", "order_by", "stacks", "lifecycle_type", "label_selector"});
        !bad.empty()) {
      return {bad_query(bad), route};
    }
    if (auto bad = parse_paging(q, paging); !bad.empty()) return {bad_query(bad), route};
    const auto guids = comma_set(q, "guids");
    const auto names = comma_set(q, "names");
    const auto space_guids = comma_set(q, "space_guids");
    const auto org_guids = comma_set(q, "organization_guids");
    std::vector<AppRecord> matched;
    for (auto& a : foundation_.live_apps()) {
      if (!guids.empty() && !guids.contains(a.guid)) continue;
      if (!names.empty() && !names.contains(a.name)) continue;
      if (!space_guids.empty() && !space_guids.contains(foundation_.space(a.space).guid)) continue;
      if (!org_guids.empty() && !org_guids.contains(foundation_.org(a.org).guid)) continue;
      matched.push_back(std::move(a));
    }
    w.StartObject();
    pagination(w, matched.size(), paging, base + "/v3/apps?" + filters_of(q));
    w.Key("resources");
    w.StartArray();
    for (std::size_t i = (paging.page - 1) * paging.per_page; i < matched.size() && i < paging.page * paging.per_page; ++i) {
      write_app(w, matched[i], foundation_.space(matched[i].space).guid, base);
      add_includes(matched[i]);
    }
    w.EndArray();
    finish_included();
    w.EndObject();
    return {HttpResponse::json(200, sb.GetString()), route};
  }

  if (route.starts_with("/v3/spaces")) {
    if (!include.empty() && include != "organization") {
      return {bad_query("Invalid included resource: '" + include + "'"), route};
    }
    want_orgs = !include.empty();
    std::vector<std::uint32_t> matched;
    if (!id.empty()) {
      const auto s = foundation_.find_space(id);
      if (!s) return {cc_error(404, 10010, "CF-ResourceNotFound", "Space not found"), route};
      matched.push_back(*s);
    } else {
      if (auto bad = unknown_params(q, {"guids", "names", "organization_guids", "page", "per_page", "include",
                                        "order_by", "label_selector"});
          !bad.empty()) {
        return {bad_query(bad), route};
      }
      if (auto bad = parse_paging(q, paging); !bad.empty()) return {bad_query(bad), route};
      const auto guids = comma_set(q, "guids");
      const auto names = comma_set(q, "names");
      const auto org_guids = comma_set(q, "organization_guids");
      for (std::uint32_t j = 0; j < foundation_.space_count(); ++j) {
        const auto& s = foundation_.space(j);
        if (!guids.empty() && !guids.contains(s.guid)) continue;
        if (!names.empty() && !names.contains(s.name)) continue;
        if (!org_guids.empty() && !org_guids.contains(foundation_.org(s.org).guid)) continue;
        matched.push_back(j);
      }
    }
    const bool single = !id.empty();
    if (!single) {
      w.StartObject();
      pagination(w, matched.size(), paging, base + "/v3/spaces?" + filters_of(q));
      w.Key("resources");
      w.StartArray();
    }
    for (std::size_t i = (paging.page - 1) * paging.per_page; i < matched.size() && i < paging.page * paging.per_page; ++i) {
      const auto& s = foundation_.space(matched[i]);
      if (single) {
        inc_orgs.push_back(s.org);
        write_space(w, s, foundation_.labels_of(s.guid), foundation_.org(s.org).guid, base, finish_included);
        return {HttpResponse::json(200, sb.GetString()), route};
      }
      write_space(w, s, foundation_.labels_of(s.guid), foundation_.org(s.org).guid, base);
      inc_orgs.push_back(s.org);
    }
    w.EndArray();
    finish_included();
    w.EndObject();
    return {HttpResponse::json(200, sb.GetString()), route};
  }

  // Organizations.
  if (!id.empty()) {
    const auto o = foundation_.find_org(id);
    if (!o) return {cc_error(404, 10010, "CF-ResourceNotFound", "Organization not found"), route};
    write_org(w, foundation_.org(*o), foundation_.labels_of(foundation_.org(*o).guid), base);
    return {HttpResponse::json(200, sb.GetString()), route};
  }
  if (auto bad = unknown_params(q, {"guids", "names", "page", "per_page", "order_by", "label_selector"}); !bad.empty()) {
    return {bad_query(bad), route};
  }
  if (auto bad = parse_paging(q, paging); !bad.empty()) return {bad_query(bad), route};
  const auto guids = comma_set(q, "guids");
  const auto names = comma_set(q, "names");
  std::vector<std::uint32_t> matched;
  for (std::uint32_t k = 0; k < foundation_.org_count(); ++k) {
    const auto& o = foundation_.org(k);
    if ((!guids.empty() && !guids.contains(o.guid)) || (!names.empty() && !names.contains(o.name))) continue;
    matched.push_back(k);
  }
  w.StartObject();
  pagination(w, matched.size(), paging, base + "/v3/organizations?" + filters_of(q));
  w.Key("resources");
  w.StartArray();
  for (std::size_t i = (paging.page - 1) * paging.per_page; i < matched.size() && i < paging.page * paging.per_page; ++i) {
    write_org(w, foundation_.org(matched[i]), foundation_.labels_of(foundation_.org(matched[i]).guid), base);
  }
  w.EndArray();
  w.EndObject();
  return {HttpResponse::json(200, sb.GetString()), route};
}

}  // namespace cfsim
