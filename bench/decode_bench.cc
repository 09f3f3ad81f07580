// Decoding throughput on one core: v1 dropsonde protobuf frames and v2 RLP gateway protojson
// batches, for a realistic mix (80% LogMessage with 50-500 byte payloads and the tags modern CF
// stamps; the rest ValueMetric, CounterEvent, ContainerMetric and HttpStartStop), and for the
// typical app LogMessage alone. Inputs are built once with the generated protobuf classes (v1)
// and by hand in protojson's layout, with its space after ',' and ':' (v2).
//
// Usage: bench_decode [seconds-per-round] [rounds] [v1|v2]   (defaults: 1.5 s, 5 rounds, both)
// Prints a Markdown table: median ns per envelope over the rounds, and envelopes per second.
// Time is the thread's CPU time, so that a shared machine's other load does not count.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dropsonde/envelope.pb.h"
#include "nozzle/decode/v1_decoder.h"
#include "nozzle/decode/v2_decoder.h"

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr const char* kGuids[] = {"6f8a2e1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "9c2b7d4e-1a3f-4b5c-8d6e-7f0a1b2c3d4e",
                                  "2e4f6a8c-0b1d-4e3f-9a5b-7c9d1e3f5a7b", "4c1e2f3a-5b6c-4d7e-8f9a-0b1c2d3e4f50"};

struct Mix {
  std::mt19937 g{42};
  int pick() {
    const int r = static_cast<int>(g() % 100);
    return r < 80 ? 0 : r < 87 ? 1 : r < 92 ? 2 : r < 95 ? 3 : 4;  // log, value, counter, container, http
  }
  std::string payload() {
    std::string s = "2023-11-14 22:13:20.123 INFO 1 --- [nio-8080-exec-7] c.a.billing.InvoiceController : ";
    s.resize(50 + g() % 451, 'x');
    for (std::size_t i = 80; i < s.size(); ++i) s[i] = static_cast<char>('a' + g() % 26);
    return s;
  }
};

// The tags Diego and the agent stamp on an app envelope (docs/WIRE.md, "Tags on app envelopes").
std::vector<std::pair<std::string, std::string>> app_tags(const char* guid) {
  return {{"source_id", guid},          {"app_id", guid},        {"app_name", "billing-api"},
          {"space_id", kGuids[1]},      {"space_name", "production"}, {"organization_id", kGuids[2]},
          {"organization_name", "acme"}, {"instance_id", "0"},    {"process_id", guid},
          {"process_type", "web"},      {"process_instance_id", kGuids[3]}, {"source_type", "APP/PROC/WEB"}};
}

std::string v1_frame(Mix& m, int kind) {
  events::Envelope e;
  const char* guid = kGuids[m.g() % 4];
  e.set_origin(kind == 4 ? "gorouter" : "rep");
  e.set_timestamp(1700000000123456789);
  e.set_deployment("cf-4a7e0d2b9c1f");
  e.set_job(kind == 4 ? "router" : "diego-cell");
  e.set_index("1f7c9e3a-5b2d-4c8e-9a6f-3d1b7e5c2a90");
  e.set_ip("10.0.16.22");
  if (kind == 0 || kind == 3) {
    for (const auto& [k, v] : app_tags(guid)) (*e.mutable_tags())[k] = v;
  }
  switch (kind) {
    case 0: {
      e.set_eventtype(events::Envelope::LogMessage);
      auto* l = e.mutable_logmessage();
      l->set_message(m.payload());
      l->set_message_type(events::LogMessage::OUT);
      l->set_timestamp(1700000000123400000);
      l->set_app_id(guid);
      l->set_source_type("APP/PROC/WEB");
      l->set_source_instance("0");
      break;
    }
    case 1:
      e.set_eventtype(events::Envelope::ValueMetric);
      e.mutable_valuemetric()->set_name("numGoRoutines");
      e.mutable_valuemetric()->set_value(123);
      e.mutable_valuemetric()->set_unit("Count");
      break;
    case 2:
      e.set_eventtype(events::Envelope::CounterEvent);
      e.mutable_counterevent()->set_name("dropsondeListener.receivedMessageCount");
      e.mutable_counterevent()->set_delta(17);
      e.mutable_counterevent()->set_total(123456789);
      break;
    case 3: {
      e.set_eventtype(events::Envelope::ContainerMetric);
      auto* c = e.mutable_containermetric();
      c->set_applicationid(guid);
      c->set_instanceindex(2);
      c->set_cpupercentage(0.7345);
      c->set_memorybytes(123456789);
      c->set_diskbytes(987654321);
      c->set_memorybytesquota(1073741824);
      c->set_diskbytesquota(1073741824);
      break;
    }
    default: {
      e.set_eventtype(events::Envelope::HttpStartStop);
      auto* h = e.mutable_httpstartstop();
      h->set_starttimestamp(1700000000100000000);
      h->set_stoptimestamp(1700000000137000000);
      h->mutable_requestid()->set_low(m.g());
      h->mutable_requestid()->set_high(m.g());
      h->set_peertype(events::Client);
      h->set_method(events::GET);
      h->set_uri("https://billing.example.com/api/v1/invoices?page=2");
      h->set_remoteaddress("10.0.4.17:51234");
      h->set_useragent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
      h->set_statuscode(200);
      h->set_contentlength(5312);
      h->mutable_applicationid()->set_low(m.g());
      h->mutable_applicationid()->set_high(m.g());
      h->set_instanceindex(0);
      h->set_instanceid("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
      h->add_forwarded("203.0.113.7");
      h->add_forwarded("10.0.1.5");
      break;
    }
  }
  std::string out;
  e.SerializeToString(&out);
  return out;
}

std::string base64(const std::string& in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += {abc[v >> 18], abc[v >> 12 & 63], abc[v >> 6 & 63], abc[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {abc[v >> 18], abc[v >> 12 & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += {abc[v >> 18], abc[v >> 12 & 63], abc[v >> 6 & 63], '='};
  }
  return out;
}

// One v2 envelope in protojson's layout (EmitUnpopulated, a space after ',' and ':').
std::string v2_json(Mix& m, int kind) {
  const char* guid = kGuids[m.g() % 4];
  std::string tags = std::string(R"("deployment": "cf-4a7e0d2b9c1f", "job": ")") + (kind == 4 ? "router" : "diego-cell") +
                     R"(", "index": "1f7c9e3a-5b2d-4c8e-9a6f-3d1b7e5c2a90", "ip": "10.0.16.22", "origin": ")" +
                     (kind == 4 ? "gorouter" : "rep") + "\"";
  if (kind == 0 || kind == 3) {
    for (const auto& [k, v] : app_tags(guid)) {
      if (k != "source_id") tags += ", \"" + k + "\": \"" + v + "\"";
    }
  }
  std::string j = R"({"timestamp": "1700000000123456789", "source_id": ")" + std::string(kind == 1 || kind == 2 ? "doppler" : guid) +
                  R"(", "instance_id": "0", "deprecated_tags": {}, "tags": {)" + tags;
  switch (kind) {
    case 0: return j + R"(}, "log": {"payload": ")" + base64(m.payload()) + R"(", "type": "OUT"}})";
    case 1: return j + R"(}, "gauge": {"metrics": {"numGoRoutines": {"unit": "Count", "value": 123}}}})";
    case 2:
      return j + R"(}, "counter": {"name": "dropsondeListener.receivedMessageCount", "delta": "17", "total": "123456789"}})";
    case 3:
      return j + R"(}, "gauge": {"metrics": {"cpu": {"unit": "percentage", "value": 0.7345}, "memory": {"unit": "bytes", )"
                 R"("value": 123456789}, "disk": {"unit": "bytes", "value": 987654321}, "memory_quota": {"unit": "bytes", )"
                 R"("value": 1073741824}, "disk_quota": {"unit": "bytes", "value": 1073741824}}}})";
    default:
      return j + R"(, "request_id": "954f61c4-ac84-44be-9217-cdfa3117fb41", "peer_type": "Client", "method": "GET", )"
                 R"("uri": "https://billing.example.com/api/v1/invoices?page=2", "remote_address": "10.0.4.17:51234", )"
                 R"("user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "status_code": "200", )"
                 R"("content_length": "5312", "routing_instance_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", )"
                 R"("forwarded": "203.0.113.7\n10.0.1.5"}, "timer": {"name": "http", "start": "1700000000100000000", )"
                 R"("stop": "1700000000137000000"}})";
  }
}

// Runs `pass` (which decodes everything once and returns the envelope count) for `seconds`,
// `rounds` times; returns the median ns per envelope.
double measure(double seconds, int rounds, const std::function<std::size_t()>& pass) {
  std::vector<double> ns;
  for (int r = 0; r < rounds; ++r) {
    std::size_t envelopes = 0;
    const double start = thread_cpu_seconds();
    double now = start;
    do {
      envelopes += pass();
      now = thread_cpu_seconds();
    } while (now - start < seconds);
    ns.push_back((now - start) * 1e9 / static_cast<double>(envelopes));
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.5;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string only = argc > 3 ? argv[3] : "";
  const bool run_v1 = only.empty() || only == "v1";
  const bool run_v2 = only.empty() || only == "v2";
  constexpr int kEnvelopes = 2000;
  constexpr int kBatch = 100;  // envelopes per RLP gateway batch

  Mix m;
  std::vector<std::string> v1_mix, v1_logs;
  std::vector<std::string> v2_mix, v2_logs;
  std::string mix_batch, log_batch;
  std::size_t v1_bytes = 0, v2_bytes = 0;
  for (int i = 0; i < kEnvelopes; ++i) {
    const int kind = m.pick();
    v1_mix.push_back(v1_frame(m, kind));
    v1_logs.push_back(v1_frame(m, 0));
    v1_bytes += v1_mix.back().size();
    mix_batch += (mix_batch.empty() ? "" : ", ") + v2_json(m, kind);
    log_batch += (log_batch.empty() ? "" : ", ") + v2_json(m, 0);
    if ((i + 1) % kBatch == 0) {
      v2_mix.push_back(R"({"batch": [)" + mix_batch + "]}");
      v2_logs.push_back(R"({"batch": [)" + log_batch + "]}");
      v2_bytes += v2_mix.back().size();
      mix_batch.clear();
      log_batch.clear();
    }
  }

  nozzle::Envelope env;
  auto v1_pass = [&](const std::vector<std::string>& frames) {
    return [&env, &frames] {
      for (const auto& f : frames) {
        if (nozzle::decode_v1_envelope(f, env)) std::abort();
      }
      return frames.size();
    };
  };
  nozzle::V2Decoder decoder;
  auto v2_pass = [&](const std::vector<std::string>& batches) {
    return [&decoder, &batches] {
      std::size_t n = 0;
      for (const auto& b : batches) {
        const auto r = decoder.decode_batch(b);
        if (r.invalid != 0) std::abort();
        n += kBatch;  // per v2 envelope read (a ContainerMetric gauge gives one Envelope too)
      }
      return n;
    };
  };

  std::printf("| case | bytes/envelope | ns/envelope | envelopes/s |\n|---|---:|---:|---:|\n");
  auto row = [&](const char* name, double bytes_per, double ns) {
    std::printf("| %s | %.0f | %.1f | %.0f |\n", name, bytes_per, ns, 1e9 / ns);
    std::fflush(stdout);
  };
  std::size_t log_bytes = 0;
  for (const auto& f : v1_logs) log_bytes += f.size();
  if (run_v1) {
    row("v1 protobuf, app LogMessage (12 tags)", static_cast<double>(log_bytes) / kEnvelopes,
        measure(seconds, rounds, v1_pass(v1_logs)));
    row("v1 protobuf, mix", static_cast<double>(v1_bytes) / kEnvelopes, measure(seconds, rounds, v1_pass(v1_mix)));
  }
  std::size_t v2_log_bytes = 0;
  for (const auto& b : v2_logs) v2_log_bytes += b.size();
  if (run_v2) {
    row("v2 JSON, app LogMessage (12 tags), batches of 100", static_cast<double>(v2_log_bytes) / kEnvelopes,
        measure(seconds, rounds, v2_pass(v2_logs)));
    row("v2 JSON, mix, batches of 100", static_cast<double>(v2_bytes) / kEnvelopes,
        measure(seconds, rounds, v2_pass(v2_mix)));
  }
  return 0;
}
