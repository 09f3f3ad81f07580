// The stats and health HTTP server (Beast), on its own thread. It answers GET requests by
// calling the handler with the path; the handler renders from atomics, so it never blocks the
// pipeline. One request per connection at a time, a deadline on every read and write.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nozzle {

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class StatsServer {
 public:
  using Handler = std::function<HttpReply(const std::string& path)>;

  // address: "host:port" (port 0: the OS chooses). Throws std::runtime_error when it cannot bind.
  StatsServer(const std::string& address, Handler handler);
  ~StatsServer();
  StatsServer(const StatsServer&) = delete;
  StatsServer& operator=(const StatsServer&) = delete;

  void start();
  void stop();
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nozzle
