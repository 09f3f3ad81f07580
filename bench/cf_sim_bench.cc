// cf-sim delivery benchmark: envelopes/s that one v1 firehose websocket connection and one RLP
// event stream deliver to a consumer that only counts. The simulator runs on one thread (one
// core); the consumer reads on another.
//
//   bench_cf_sim [seconds=3] [payload_max=256]
//
// v1: the consumer parses websocket frame headers and counts binary messages (it never
// decodes them). v2: it counts "timestamp" keys in the event stream. Both are cross-checked
// with cf-sim's own counters.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "cf-sim/simulator.h"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Result {
  std::uint64_t envelopes = 0;
  std::uint64_t bytes = 0;
  double seconds = 0;
};

// One request on a throw-away connection (the UAA token).
template <class Stream>
std::string http_exchange(Stream& s, const std::string& req) {
  asio::write(s, asio::buffer(req));
  std::string got;
  char buf[4096];
  boost::system::error_code ec;
  // Connection: close, so the reply ends at EOF.
  for (;;) {
    const auto n = s.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break;
  }
  return got;
}

template <class Stream>
Result consume(Stream& s, const std::string& request, bool websocket, std::chrono::duration<double> duration) {
  asio::write(s, asio::buffer(request));
  std::string head;
  std::vector<char> buf(1 << 20);
  boost::system::error_code ec;
  std::size_t carry = 0;  // v1: bytes of the buffer holding an incomplete frame header
  std::uint64_t skip = 0;  // v1: payload bytes still to skip
  Result r;
  std::string tail;  // v2: the last few bytes, for a key split across reads
  bool in_body = false;
  const auto start = Clock::now();
  while (Clock::now() - start < duration) {
    const auto n = s.read_some(asio::buffer(buf.data() + carry, buf.size() - carry), ec);
    if (ec) break;
    r.bytes += n;
    std::size_t len = carry + n;
    std::size_t pos = 0;
    if (!in_body) {
      head.append(buf.data() + carry, n);
      const auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      in_body = true;
      const std::size_t body_in_head = head.size() - end - 4;
      pos = len - body_in_head;
    }
    if (websocket) {
      while (pos < len) {
        if (skip > 0) {
          const auto k = std::min<std::uint64_t>(skip, len - pos);
          skip -= k;
          pos += k;
          continue;
        }
        const auto* b = reinterpret_cast<const unsigned char*>(buf.data() + pos);
        const std::size_t avail = len - pos;
        if (avail < 2) break;
        std::uint64_t plen = b[1] & 0x7f;
        std::size_t hl = 2;
        if (plen == 126) {
          if (avail < 4) break;
          plen = (b[2] << 8) | b[3];
          hl = 4;
        } else if (plen == 127) {
          if (avail < 10) break;
          plen = 0;
          for (int i = 0; i < 8; ++i) plen = (plen << 8) | b[2 + i];
          hl = 10;
        }
        if ((b[0] & 0x0f) == 2) ++r.envelopes;
        pos += hl;
        skip = plen;
      }
      carry = len - pos;
      if (carry > 0) std::memmove(buf.data(), buf.data() + pos, carry);
    } else {
      std::string_view data(buf.data() + pos, len - pos);
      std::string joined = tail + std::string(data.substr(0, std::min<std::size_t>(16, data.size())));
      for (std::size_t p = 0; (p = joined.find("\"timestamp\"", p)) != std::string::npos; ++p) {
        if (p < tail.size() && p + 11 > tail.size()) ++r.envelopes;  // split across reads
      }
      for (std::size_t p = 0; (p = data.find("{\"timestamp\"", p)) != std::string_view::npos; ++p) ++r.envelopes;
      tail = std::string(data.substr(data.size() > 16 ? data.size() - 16 : 0));
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

Result run(bool tls, bool v1, double seconds, std::size_t payload_max) {
  cfsim::SimulatorOptions o;
  o.tls = tls;
  o.threads = 1;
  o.foundation = {.orgs = 10, .spaces = 100, .apps = 5000};
  o.workload.payload_min = 32;
  o.workload.payload_max = payload_max;
  o.keepalive_timeout = std::chrono::minutes(10);
  o.slow_consumer_timeout = std::chrono::minutes(10);
  o.write_bytes = 512 * 1024;
  cfsim::Simulator sim(o);
  sim.start();
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (tls) {
    ctx.load_verify_file(sim.ca_file());
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), sim.port());
  const auto connect_and = [&](auto&& body) {
    if (tls) {
      asio::ssl::stream<tcp::socket> s(io, ctx);
      s.next_layer().connect(ep);
      s.handshake(asio::ssl::stream_base::client);
      return body(s);
    }
    tcp::socket s(io);
    s.connect(ep);
    return body(s);
  };
  const std::string form = "grant_type=client_credentials&client_id=nozzle&client_secret=nozzle-secret";
  const std::string token_reply = connect_and([&](auto& s) {
    return http_exchange(s, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                            "Connection: close\r\nContent-Length: " + std::to_string(form.size()) + "\r\n\r\n" + form);
  });
  const auto t0 = token_reply.find("\"access_token\":\"") + 16;
  const std::string token = token_reply.substr(t0, token_reply.find('"', t0) - t0);
  const std::string req =
      v1 ? "GET /firehose/bench HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: bearer " +
               token + "\r\n\r\n"
         : "GET /v2/read?shard_id=bench&log&counter&gauge&timer&event HTTP/1.1\r\nHost: x\r\nAuthorization: bearer " +
               token + "\r\n\r\n";
  Result r = connect_and([&](auto& s) { return consume(s, req, v1, std::chrono::duration<double>(seconds)); });
  sim.stop();
  const auto c = sim.counters();
  std::printf("    cf-sim counted %llu envelopes sent, the consumer %llu\n",
               static_cast<unsigned long long>(c.envelopes_sent()), static_cast<unsigned long long>(r.envelopes));
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 3.0;
  const std::size_t payload_max = argc > 2 ? std::stoul(argv[2]) : 256;
  std::printf("cf-sim delivery, one connection, simulator on one thread, %.1f s each, payload 32..%zu B\n", seconds,
              payload_max);
  for (const bool v1 : {true, false}) {
    for (const bool tls : {false, true}) {
      const Result r = run(tls, v1, seconds, payload_max);
      std::printf("%-3s %-5s %12.0f envelopes/s %8.1f MB/s\n", v1 ? "v1" : "v2", tls ? "tls" : "plain",
                  static_cast<double>(r.envelopes) / r.seconds, static_cast<double>(r.bytes) / r.seconds / 1e6);
      std::fflush(stdout);
    }
  }
  return 0;
}
