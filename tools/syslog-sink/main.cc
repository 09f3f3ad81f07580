// syslog-sink: a strict, fast syslog receiver for tests and benchmarks. See kUsage.
//
// Exit codes: 0 after a signal, --duration or --exit-after-frames (the summary JSON is printed
// on stdout); 1 when start-up fails (a port in use, a bad certificate); 2 for bad arguments.
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "sink_server.h"

namespace {

constexpr std::string_view kUsage = R"(usage: syslog-sink [options]
Receives syslog over TCP, TLS and UDP, validates every message as RFC 5424 and counts it.
TCP/TLS framing is detected per frame: octet counting (LEN SP MSG) or LF-terminated.

  --tcp ADDR:PORT            plain TCP listener (port 0: the OS chooses)
  --tls ADDR:PORT            TLS listener (TLS 1.2 minimum); needs --cert and --key
  --udp ADDR:PORT            UDP listener, one message per datagram
  --cert FILE --key FILE     TLS server certificate chain and private key (PEM)
  --ca FILE                  verify client certificates against this CA (PEM)
  --require-client-cert      with --ca: a client without a valid certificate fails the handshake
  --ready-file PATH          once bound, write {"tcp":P,"tls":P,"udp":P} (the listeners opened)
  --status-file PATH         the summary JSON, rewritten every 100 ms
  --raw-out FILE             every message as LEN SP MSG, flushed every 100 ms and at exit
  --stall                    accept (and finish TLS handshakes) but never read
  --exit-after-frames N      stop after N frames
  --duration SECONDS         stop after this long (fractions allowed)
  --max-message BYTES        largest accepted message (default 65536)
  --latency                  per valid frame, receipt time minus its TIMESTAMP; the summary gains
                             "latency":{count,p50_us,p90_us,p99_us,p999_us,max_us}; SIGUSR1
                             starts the figures afresh (a benchmark's window after its warm-up)
On SIGTERM/SIGINT (or the limits above) it prints the summary JSON on stdout and exits 0.
Files are replaced atomically (PATH.tmp, then rename).
)";

struct Args {
  sink::SinkConfig config;
  std::vector<std::string> errors;
  bool help = false;
};

bool valid_host_port(const std::string& spec) {
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return false;
  unsigned port = 0;
  const char* first = spec.data() + colon + 1;
  const char* last = spec.data() + spec.size();
  const auto r = std::from_chars(first, last, port);
  return r.ec == std::errc() && r.ptr == last && port <= 65535;
}

template <class Int>
bool parse_positive(const std::string& text, Int& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && out > 0;
}

Args parse_args(int argc, char** argv) {
  Args args;
  auto& c = args.config;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      has_value = true;
    }
    const auto take = [&](std::string& out) {
      if (has_value) {
        out = value;
      } else if (i + 1 < argc) {
        out = argv[++i];
      } else {
        args.errors.push_back(flag + " needs a value");
      }
    };
    const auto take_switch = [&](bool& out) {
      if (has_value) args.errors.push_back(flag + " takes no value");
      out = true;
    };
    std::string text;
    if (flag == "--tcp") take(c.tcp);
    else if (flag == "--tls") take(c.tls);
    else if (flag == "--udp") take(c.udp);
    else if (flag == "--cert") take(c.cert);
    else if (flag == "--key") take(c.key);
    else if (flag == "--ca") take(c.ca);
    else if (flag == "--require-client-cert") take_switch(c.require_client_cert);
    else if (flag == "--ready-file") take(c.ready_file);
    else if (flag == "--status-file") take(c.status_file);
    else if (flag == "--raw-out") take(c.raw_out);
    else if (flag == "--stall") take_switch(c.stall);
    else if (flag == "--latency") take_switch(c.latency);
    else if (flag == "--help" || flag == "-h") args.help = true;
    else if (flag == "--exit-after-frames") {
      take(text);
      if (!parse_positive(text, c.exit_after_frames)) {
        args.errors.push_back("--exit-after-frames: a positive integer, not '" + text + "'");
      }
    } else if (flag == "--max-message") {
      take(text);
      if (!parse_positive(text, c.max_message) || c.max_message > (1u << 30)) {
        args.errors.push_back("--max-message: 1..1073741824, not '" + text + "'");
      }
    } else if (flag == "--duration") {
      take(text);
      double seconds = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), seconds);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !(seconds > 0) ||
          seconds > 1e7) {
        args.errors.push_back("--duration: seconds > 0, not '" + text + "'");
      } else {
        c.duration = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
      }
    } else {
      args.errors.push_back("unknown argument '" + flag + "'");
    }
  }
  return args;
}

// Every cross-field rule, all errors together.
void validate(Args& args) {
  auto& c = args.config;
  auto& errors = args.errors;
  if (c.tcp.empty() && c.tls.empty() && c.udp.empty()) {
    errors.push_back("at least one of --tcp, --tls, --udp is needed");
  }
  for (const auto& [flag, spec] : {std::pair<const char*, const std::string&>{"--tcp", c.tcp},
                                   {"--tls", c.tls},
                                   {"--udp", c.udp}}) {
    if (!spec.empty() && !valid_host_port(spec)) {
      errors.push_back(std::string(flag) + ": ADDR:PORT with PORT 0..65535, not '" + spec + "'");
    }
  }
  if (!c.tls.empty() && (c.cert.empty() || c.key.empty())) errors.push_back("--tls needs --cert and --key");
  if (c.tls.empty() && (!c.cert.empty() || !c.key.empty() || !c.ca.empty() || c.require_client_cert)) {
    errors.push_back("--cert, --key, --ca and --require-client-cert need --tls");
  }
  if (c.require_client_cert && c.ca.empty()) errors.push_back("--require-client-cert needs --ca");
  for (const auto& [flag, file] : {std::pair<const char*, const std::string&>{"--cert", c.cert},
                                   {"--key", c.key},
                                   {"--ca", c.ca}}) {
    if (!file.empty() && ::access(file.c_str(), R_OK) != 0) {
      errors.push_back(std::string(flag) + ": cannot read '" + file + "'");
    }
  }
  if (c.stall && c.tcp.empty() && c.tls.empty()) errors.push_back("--stall needs --tcp or --tls");
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  if (args.help) {
    std::cout << kUsage;
    return 0;
  }
  validate(args);
  if (!args.errors.empty()) {
    for (const auto& e : args.errors) std::cerr << "syslog-sink: " << e << "\n";
    std::cerr << kUsage;
    return 2;
  }
  try {
    boost::asio::io_context io(1);
    sink::SinkServer server(io, std::move(args.config));
    server.start();
    io.run();
    std::cout << server.finish() << std::endl;
  } catch (const std::exception& e) {
    nozzle::log::error("syslog-sink failed to start", {{"error", e.what()}});
    return 1;
  }
  return 0;
}
