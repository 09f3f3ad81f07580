// The websocket opening handshake, client side (RFC 6455 4.1, 4.2.2). Pure code.
#include "nozzle/ingress/websocket_handshake.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace nozzle::ws {

namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string handshake_key(const std::array<std::uint8_t, 16>& nonce) { return base64(nonce.data(), nonce.size()); }

std::string handshake_accept(std::string_view key) {
  std::string input(key);
  input += kAcceptGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr) != 1) return {};
  return base64(digest, length);
}

std::optional<std::string> check_upgrade_response(std::string_view upgrade, std::string_view connection,
                                                  std::string_view accept, std::string_view key) {
  if (!iequals(trim(upgrade), "websocket")) return "the 101 response's Upgrade is '" + std::string(upgrade) + "', not websocket";
  if (!lists_token(connection, "upgrade")) return "the 101 response's Connection does not list upgrade";
  const std::string expected = handshake_accept(key);
  if (expected.empty() || trim(accept) != expected) return "the 101 response's Sec-WebSocket-Accept does not match the key";
  return std::nullopt;
}

}  // namespace nozzle::ws
