#include "discovery.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cfsim {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void link(Writer& w, const char* name, const std::string& url) {
  w.Key(name);
  w.StartObject();
  w.Key("href");
  w.String(url.c_str());
  w.EndObject();
}

}  // namespace

std::string websocket_url(const std::string& base) {
  if (base.starts_with("https://")) return "wss://" + base.substr(8);
  if (base.starts_with("http://")) return "ws://" + base.substr(7);
  return base;
}

HttpResponse root_document(const std::string& base) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("links");
  w.StartObject();
  link(w, "self", base);
  w.Key("bits_service"); w.Null();
  w.Key("cloud_controller_v2"); w.Null();
  w.Key("cloud_controller_v3");
  w.StartObject();
  w.Key("href"); w.String((base + "/v3").c_str());
  w.Key("meta"); w.StartObject(); w.Key("version"); w.String("3.180.0"); w.EndObject();
  w.EndObject();
  link(w, "network_policy_v0", base + "/networking/v0/external");
  link(w, "network_policy_v1", base + "/networking/v1/external");
  link(w, "login", base);
  link(w, "uaa", base);
  w.Key("credhub"); w.Null();
  w.Key("routing"); w.Null();
  link(w, "logging", websocket_url(base));
  w.Key("log_cache"); w.Null();
  link(w, "log_stream", base);
  w.Key("app_ssh");
  w.StartObject();
  w.Key("href"); w.String("ssh.cf-sim.invalid:2222");
  w.Key("meta");
  w.StartObject();
  w.Key("host_key_fingerprint"); w.String("cf-sim");
  w.Key("oauth_client"); w.String("ssh-proxy");
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return HttpResponse::json(200, sb.GetString());
}

HttpResponse v2_info_document(const std::string& base) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("name"); w.String("cf-sim");
  w.Key("build"); w.String("cf-sim");
  w.Key("support"); w.String("CF API v2 is disabled");
  w.Key("version"); w.Int(0);
  w.Key("description"); w.String("simulated Cloud Foundry for syslog-nozzle tests");
  w.Key("authorization_endpoint"); w.String(base.c_str());
  w.Key("token_endpoint"); w.String(base.c_str());
  w.Key("min_cli_version"); w.Null();
  w.Key("min_recommended_cli_version"); w.Null();
  w.Key("app_ssh_endpoint"); w.String("ssh.cf-sim.invalid:2222");
  w.Key("app_ssh_host_key_fingerprint"); w.String("cf-sim");
  w.Key("app_ssh_oauth_client"); w.String("ssh-proxy");
  w.Key("doppler_logging_endpoint"); w.String(websocket_url(base).c_str());
  w.Key("api_version"); w.String("");
  w.Key("osbapi_version"); w.String("2.15");
  w.EndObject();
  return HttpResponse::json(200, sb.GetString());
}

}  // namespace cfsim
