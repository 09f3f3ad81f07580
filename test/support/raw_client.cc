#include "support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace nozzle::test {
namespace {

constexpr timeval kSocketTimeout{5, 0};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string openssl_text(const char* what) {
  std::string text = what;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    text += std::string(": ") + buf;
  }
  return text;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

std::string connect_tcp(std::uint16_t port, Fd& sock) {
  sock.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock.fd < 0) return errno_text("socket");
  setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &kSocketTimeout, sizeof kSocketTimeout);
  setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &kSocketTimeout, sizeof kSocketTimeout);
  const sockaddr_in addr = loopback(port);
  if (connect(sock.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return errno_text("connect");
  return {};
}

}  // namespace

std::string octet_frame(std::string_view message) {
  std::string frame = std::to_string(message.size());
  frame += ' ';
  frame += message;
  return frame;
}

std::string send_tcp(std::uint16_t port, std::string_view bytes) {
  Fd sock;
  if (auto e = connect_tcp(port, sock); !e.empty()) return e;
  while (!bytes.empty()) {
    const ssize_t n = send(sock.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) return errno_text("send");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  shutdown(sock.fd, SHUT_WR);
  return {};
}

std::string send_tls(std::uint16_t port, std::string_view bytes, const RawTlsOptions& options) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return openssl_text("SSL_CTX_new");
  if (SSL_CTX_load_verify_locations(ctx.get(), options.ca.c_str(), nullptr) != 1) {
    return openssl_text("loading the CA");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!options.cert.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx.get(), options.cert.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx.get(), options.key.c_str(), SSL_FILETYPE_PEM) != 1)) {
    return openssl_text("loading the client certificate");
  }
  Fd sock;
  if (auto e = connect_tcp(port, sock); !e.empty()) return e;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), sock.fd);
  SSL_set_tlsext_host_name(ssl.get(), "localhost");
  SSL_set1_host(ssl.get(), "localhost");
  if (SSL_connect(ssl.get()) != 1) return openssl_text("TLS handshake");
  while (!bytes.empty()) {
    const int n = SSL_write(ssl.get(), bytes.data(), static_cast<int>(bytes.size()));
    if (n <= 0) return openssl_text("SSL_write");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  SSL_shutdown(ssl.get());  // close_notify; receivers rarely answer it, so no second call
  return {};
}

std::string send_udp(std::uint16_t port, std::string_view datagram) {
  Fd sock;
  sock.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock.fd < 0) return errno_text("socket");
  const sockaddr_in addr = loopback(port);
  if (sendto(sock.fd, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&addr),
             sizeof addr) != static_cast<ssize_t>(datagram.size())) {
    return errno_text("sendto");
  }
  return {};
}

}  // namespace nozzle::test
