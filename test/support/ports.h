// Loopback ports for receivers, and whether a receiver holds them yet.
//
// Where a receiver can bind port 0 and tell which port it got (syslog-sink's ready file,
// rsyslog's listenPortFileName), use that. free_port() is for receivers that cannot (syslog-ng):
// another process may take the port between its close and the receiver's bind, so callers
// check that the receiver itself holds it (holds_port) and start again on new ports if not.
//
// Readiness is read from /proc, never by connecting: a bare connect to a TLS port makes the
// receiver log a failed handshake, which tests read as evidence.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace nozzle::test {

enum class Protocol { Tcp, Udp };

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
std::uint16_t free_port(Protocol protocol);

// The ports of the sockets process `pid` holds: TCP sockets listening, UDP sockets bound.
std::vector<std::uint16_t> bound_ports(pid_t pid, Protocol protocol);
bool holds_port(pid_t pid, Protocol protocol, std::uint16_t port);

// True once some process listens on TCP `port` (any address), within `timeout`.
bool wait_tcp_listening(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace nozzle::test
