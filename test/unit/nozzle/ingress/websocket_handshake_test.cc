#include "nozzle/ingress/websocket_handshake.h"

#include <doctest/doctest.h>

using namespace nozzle::ws;

TEST_CASE("websocket handshake: the key and the accept value of RFC 6455's example") {
  const std::string_view nonce = "the sample nonce";
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(nonce[i]);
  CHECK(handshake_key(bytes) == "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(handshake_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("websocket handshake: the 101 response's headers are checked") {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  const std::string accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
  CHECK_FALSE(check_upgrade_response("websocket", "Upgrade", accept, key));
  CHECK_FALSE(check_upgrade_response("WebSocket", "keep-alive, upgrade", accept, key));
  CHECK(check_upgrade_response("h2c", "Upgrade", accept, key));
  CHECK(check_upgrade_response("", "Upgrade", accept, key));
  CHECK(check_upgrade_response("websocket", "keep-alive", accept, key));
  CHECK(check_upgrade_response("websocket", "", accept, key));
  CHECK(check_upgrade_response("websocket", "Upgrade", "", key));
  CHECK(check_upgrade_response("websocket", "Upgrade", accept, "AAAAAAAAAAAAAAAAAAAAAA==")->find("Accept") !=
        std::string::npos);
}
