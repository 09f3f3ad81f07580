#include "nozzle/ingress/firehose_source.h"

#include <stdexcept>

#include "nozzle/ingress/firehose_connection.h"

namespace nozzle {

std::unique_ptr<FirehoseConnection> make_v1_connection(ConnectionContext ctx);
std::unique_ptr<FirehoseConnection> make_v2_connection(ConnectionContext ctx);

namespace {

class Source final : public FirehoseSource {
 public:
  Source(FirehoseApi api, const SourceConfig& config, cfapi::TokenProvider& tokens,
         std::vector<EnvelopeHandler*> handlers) {
    auto url = parse_endpoint_url(config.endpoint);
    if (!url) throw std::runtime_error(url.error());
    if (handlers.size() != static_cast<std::size_t>(config.connections)) {
      throw std::logic_error("one EnvelopeHandler per firehose connection");
    }
    std::shared_ptr<boost::asio::ssl::context> tls;
    if (url->tls) tls = tls::make_client_context(config.tls);
    for (int i = 0; i < config.connections; ++i) {
      ConnectionContext ctx{i, config, *url, tls, &tokens, handlers[static_cast<std::size_t>(i)], &counters_};
      connections_.push_back(api == FirehoseApi::V1 ? make_v1_connection(std::move(ctx))
                                                    : make_v2_connection(std::move(ctx)));
    }
  }
  ~Source() override { stop(); }

  void start() override {
    for (auto& c : connections_) c->start();
  }
  void stop() override {
    for (auto& c : connections_) c->stop();
  }
  SourceCounters& counters() override { return counters_; }

 private:
  SourceCounters counters_;
  std::vector<std::unique_ptr<FirehoseConnection>> connections_;
};

}  // namespace

std::unique_ptr<FirehoseSource> make_firehose_source(FirehoseApi api, const SourceConfig& config,
                                                     cfapi::TokenProvider& tokens,
                                                     std::vector<EnvelopeHandler*> handlers) {
  return std::make_unique<Source>(api, config, tokens, std::move(handlers));
}

}  // namespace nozzle
