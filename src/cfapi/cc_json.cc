// parse_apps_page: the /v3/apps body with included spaces and organizations (docs/WIRE.md,
// "Cloud Controller v3").
#include <rapidjson/document.h>

#include <string_view>
#include <unordered_map>

#include "cfapi/cc_client.h"

namespace nozzle::cfapi {
namespace {

using Value = rapidjson::Value;

std::string_view string_at(const Value& obj, const char* name) {
  if (!obj.IsObject()) return {};
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

const Value* object_at(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsObject()) return nullptr;
  return &it->value;
}

// relationships.<name>.data.guid
std::string_view related_guid(const Value& resource, const char* name) {
  const Value* rel = object_at(resource, "relationships");
  const Value* to = rel ? object_at(*rel, name) : nullptr;
  const Value* data = to ? object_at(*to, "data") : nullptr;
  return data ? string_at(*data, "guid") : std::string_view{};
}

// firehose-to-syslog's opt-out: the key f2s-disable-logging with the value "true", as a label
// or an annotation (CF labels cannot hold "true"-like values in every version, so both count).
bool opted_out(const Value& resource) {
  const Value* md = object_at(resource, "metadata");
  if (md == nullptr) return false;
  for (const char* kind : {"labels", "annotations"}) {
    const Value* map = object_at(*md, kind);
    if (map != nullptr && string_at(*map, "f2s-disable-logging") == "true") return true;
  }
  return false;
}

// syslog-nozzle/forward and syslog-nozzle/drain among the labels (cc_client.h). A forward value
// other than true or false is read as unset: the level above decides.
RoutingLabels routing_labels(const Value& resource) {
  RoutingLabels out;
  const Value* md = object_at(resource, "metadata");
  const Value* labels = md ? object_at(*md, "labels") : nullptr;
  if (labels == nullptr) return out;
  const std::string_view forward = string_at(*labels, kForwardLabel.data());
  if (forward == "true") out.forward = RoutingLabels::Forward::Yes;
  else if (forward == "false") out.forward = RoutingLabels::Forward::No;
  out.drain = std::string(string_at(*labels, kDrainLabel.data()));
  return out;
}

struct Named {
  std::string_view name;
  std::string_view org_guid;  // spaces only
  bool opted_out = false;
  RoutingLabels labels;
};

std::unordered_map<std::string_view, Named> index_included(const Value& doc, const char* kind) {
  std::unordered_map<std::string_view, Named> out;
  const Value* included = object_at(doc, "included");
  if (included == nullptr) return out;
  const auto it = included->FindMember(kind);
  if (it == included->MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& r : it->value.GetArray()) {
    const auto guid = string_at(r, "guid");
    if (guid.empty()) continue;
    out[guid] = Named{string_at(r, "name"), related_guid(r, "organization"), opted_out(r), routing_labels(r)};
  }
  return out;
}

}  // namespace

Result<AppsPage> parse_apps_page(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Result<AppsPage>::failure("the body is not a JSON object");
  const auto resources = doc.FindMember("resources");
  if (resources == doc.MemberEnd() || !resources->value.IsArray()) {
    return Result<AppsPage>::failure("the body has no resources array");
  }
  const auto spaces = index_included(doc, "spaces");
  const auto orgs = index_included(doc, "organizations");

  AppsPage page;
  page.apps.reserve(resources->value.Size());
  for (const auto& r : resources->value.GetArray()) {
    CcApp app;
    app.guid = string_at(r, "guid");
    if (app.guid.empty()) continue;
    app.name = string_at(r, "name");
    app.app_opted_out = opted_out(r);
    app.app_labels = routing_labels(r);
    app.space_guid = related_guid(r, "space");
    if (const auto s = spaces.find(app.space_guid); s != spaces.end()) {
      app.space_name = s->second.name;
      app.space_opted_out = s->second.opted_out;
      app.space_labels = s->second.labels;
      app.org_guid = s->second.org_guid;
      if (const auto o = orgs.find(s->second.org_guid); o != orgs.end()) {
        app.org_name = o->second.name;
        app.org_opted_out = o->second.opted_out;
        app.org_labels = o->second.labels;
      }
    }
    page.apps.push_back(std::move(app));
  }
  if (const Value* pagination = object_at(doc, "pagination")) {
    if (const Value* next = object_at(*pagination, "next")) page.next_url = string_at(*next, "href");
  }
  return page;
}

}  // namespace nozzle::cfapi
