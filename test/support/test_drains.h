// What the drain tests share: a drain from its URL with the short backoff and connect timeout
// that keep a test fast, and a small valid RFC 5424 message that carries its sequence number.
#pragma once

#include <cstddef>
#include <string>

#include "syslog/drain_config.h"

namespace nozzle::test {

// Parses `url` (the test fails when it does not parse) and shortens backoff (100 ms to 400 ms)
// and the connect timeout (3 s).
syslog::DrainConfig fast_drain(const std::string& url);

// "<13>1 ... {"seq":N,"msg":"xxx..."}\n" with `padding` x's.
std::string numbered_message(int seq, std::size_t padding = 0);

}  // namespace nozzle::test
