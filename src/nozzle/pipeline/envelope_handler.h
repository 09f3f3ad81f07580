// The one interface between ingress and the rest of a connection's thread: ingress decodes
// and filters, then hands each envelope here. Nothing in it knows of Asio or of sockets.
//
// Thread contract: every method is called on the connection's thread only, one at a time.
// on_envelope() gets an Envelope that is reused for the next one, so a handler that keeps
// anything copies it.
#pragma once

#include "core/envelope.h"

namespace nozzle {

class EnvelopeHandler {
 public:
  virtual ~EnvelopeHandler() = default;
  virtual void on_envelope(Envelope& env) = 0;
  // Called on the connection's thread after the envelopes of one read from the network (a
  // burst of websocket messages, a chunk of SSE events): what was held back per envelope
  // (frames bound for the drains) goes on now, once per burst instead of once per envelope.
  virtual void on_batch_end() {}
  // Called on the connection's thread every tick_interval, also while the stream is idle or
  // down, so that held envelopes can move on.
  virtual void on_tick() {}
  // Called on the connection's thread once, after its last envelope, when the source stops.
  virtual void on_stop() {}
};

}  // namespace nozzle
