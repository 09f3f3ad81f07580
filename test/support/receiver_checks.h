// Assertions shared by the receiver tests: what a receiver must have read out of the frames the
// nozzle sent. doctest CHECKs, so every mismatch is reported, with the message's index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope.h"
#include "support/received_message.h"

namespace nozzle::test {

// What a receiver keeps of a SYSLOG-MSG: all of it but the trailing LF (both rsyslog and
// syslog-ng drop it). REQUIREs that the message has one, as the formatter promises.
std::string without_trailing_lf(const std::string& message);

// Each received message's raw form is the sent one without its trailing LF, in order.
void check_raw_in_order(const std::vector<std::string>& sent, const std::vector<ReceivedMessage>& got);

// For datagrams, which may arrive in any order: `got` reordered to match `sent`, each sent
// message received exactly once (REQUIREd).
std::vector<ReceivedMessage> in_sent_order(const std::vector<std::string>& sent, std::vector<ReceivedMessage> got);

// The receiver parsed each pcf message (sent in `envelopes`' order, formatted with
// with_sample_identity()) into the header and instance@47450 parameters of the pcf frame
// (docs/ARCHITECTURE.md, "The frame"), and the MSG is the JSON body with its event type, origin and
// the UTF-8 log line intact. `timestamp` is how the receiver writes the sample time.
void check_pcf_fields(const std::vector<Envelope>& envelopes, const std::vector<ReceivedMessage>& got,
                      std::string_view timestamp);

// The receiver parsed each cf-style message of the sample app's log envelopes into what
// docs/WIRE.md ("CF app drain format") says CF's own app drains write: PRI by stream, +00:00 time,
// org.space.app host, the app guid, [SOURCE_TYPE/INSTANCE], no MSGID, every tag in tags@47450, the
// raw line. `nil` is how the receiver shows a NILVALUE field: rsyslog "-", syslog-ng "".
void check_cf_log_fields(const std::vector<Envelope>& logs, const std::vector<ReceivedMessage>& got,
                         std::string_view nil);

// The cf-sim sequence number a pcf-style message carries in its JSON body (tools/cf-sim/workload.h:
// msg "seq=N ...", value, total, memory_bytes or content_length by event type); -1 when the
// message has no JSON body or no sequence number.
std::int64_t pcf_seq(std::string_view msg);

}  // namespace nozzle::test
