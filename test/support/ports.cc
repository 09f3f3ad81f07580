#include "support/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/wait.h"

namespace nozzle::test {
namespace {

// /proc/net/tcp states: 0A is LISTEN. A bound, unconnected UDP socket shows 07 (CLOSE).
constexpr std::string_view kTcpListen = "0A";
constexpr std::string_view kUdpBound = "07";

struct SocketEntry {
  std::uint16_t port = 0;
  std::string state;
  std::string inode;
};

std::vector<SocketEntry> read_socket_table(Protocol protocol) {
  std::vector<SocketEntry> entries;
  const char* files[2] = {protocol == Protocol::Tcp ? "/proc/net/tcp" : "/proc/net/udp",
                          protocol == Protocol::Tcp ? "/proc/net/tcp6" : "/proc/net/udp6"};
  for (const char* file : files) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      if (!(fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode)) {
        continue;
      }
      const std::size_t colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      entries.push_back({static_cast<std::uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16)),
                         state, inode});
    }
  }
  return entries;
}

std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code ec;
  const std::filesystem::path fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir, ec)) {
    std::error_code link_ec;
    const std::string target = std::filesystem::read_symlink(entry.path(), link_ec).string();
    if (!link_ec && target.starts_with("socket:[") && target.ends_with("]")) {
      inodes.insert(target.substr(8, target.size() - 9));
    }
  }
  return inodes;
}

std::string_view ready_state(Protocol protocol) { return protocol == Protocol::Tcp ? kTcpListen : kUdpBound; }

}  // namespace

std::uint16_t free_port(Protocol protocol) {
  const int fd = socket(AF_INET, protocol == Protocol::Tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int e = errno;
    close(fd);
    throw std::runtime_error(std::string("bind to a free port: ") + std::strerror(e));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::vector<std::uint16_t> bound_ports(pid_t pid, Protocol protocol) {
  const std::set<std::string> inodes = socket_inodes(pid);
  std::vector<std::uint16_t> ports;
  for (const auto& e : read_socket_table(protocol)) {
    if (e.state == ready_state(protocol) && inodes.contains(e.inode)) ports.push_back(e.port);
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

bool holds_port(pid_t pid, Protocol protocol, std::uint16_t port) {
  const auto ports = bound_ports(pid, protocol);
  return std::find(ports.begin(), ports.end(), port) != ports.end();
}

bool wait_tcp_listening(std::uint16_t port, std::chrono::milliseconds timeout) {
  return wait_until(
      [port] {
        const auto table = read_socket_table(Protocol::Tcp);
        return std::any_of(table.begin(), table.end(),
                           [port](const SocketEntry& e) { return e.port == port && e.state == kTcpListen; });
      },
      timeout);
}

}  // namespace nozzle::test
