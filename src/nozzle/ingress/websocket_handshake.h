// The client's half of the websocket opening handshake (RFC 6455 4.1): the key it sends and
// the checks on the server's 101 response. Pure code (the nonce is the caller's).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nozzle::ws {

// Sec-WebSocket-Key: the base64 of a random 16-byte nonce.
[[nodiscard]] std::string handshake_key(const std::array<std::uint8_t, 16>& nonce);
// Sec-WebSocket-Accept as the server must answer `key`: base64(SHA-1(key + the RFC's GUID)).
[[nodiscard]] std::string handshake_accept(std::string_view key);

// Why a 101 response's headers do not complete the upgrade for `key`, or nullopt when they do:
// Upgrade must be "websocket", Connection must list "upgrade" (both case-insensitive), and
// Sec-WebSocket-Accept must match the key.
[[nodiscard]] std::optional<std::string> check_upgrade_response(std::string_view upgrade, std::string_view connection,
                                                                std::string_view accept, std::string_view key);

}  // namespace nozzle::ws
