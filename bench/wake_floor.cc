// The floor under the nozzle's cost per burst: what a thread pays, in CPU, to be woken by a
// socket and to wake a second thread, with no work at all in between. It is the skeleton of
// the nozzle's path at low rates (firehose thread woken by the stream, hands over to the drain
// writer, which writes to the receiver) without TLS, decoding or formatting.
//
//   build/bench/bench_wake_floor                       a burst of 4 KiB every 5 ms, 10 s
//   build/bench/bench_wake_floor --interval-us 500     every 0.5 ms
//   build/bench/bench_wake_floor --pin 1               reader and relay on CPU 1
//   build/bench/bench_wake_floor --no-relay            the reader sends on itself: one thread
//   build/bench/bench_wake_floor --tls                 both sockets carry TLS 1.3, as the nozzle's do:
//                                                      the reader decrypts, the sender encrypts
//
// Threads: a writer sends `bytes` to a TCP loopback socket every interval (absolute sleeps);
// the reader waits in epoll_wait, reads until EAGAIN and adds 1 to an eventfd; the relay waits
// in epoll_wait on that eventfd, reads it and sends the bytes on to a second TCP socket, whose
// far end a drainer thread reads. With --no-relay the reader sends itself and there is no
// hand-over: the floor of a design with one thread per burst. With --tls each burst is one TLS
// record each way (the certificate is made in memory at start; the bench's ends do not verify
// each other, which costs nothing after the handshake). CPU is each thread's own (CLOCK_THREAD_CPUTIME_ID) over
// the window, after one second of warm-up. Nothing here asserts on time; it prints what it measured.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "cf-sim/tls_cert.h"

namespace {

struct Options {
  long interval_us = 5000;
  std::size_t bytes = 4096;
  double seconds = 10;
  int pin = -1;
  bool relay = true;
  bool tls = false;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_wake_floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double mono_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void pin_to(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) die("pthread_setaffinity_np");
}

// A connected pair of TCP loopback sockets: [0] the client, [1] the accepted end.
void tcp_pair(int fds[2]) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    die("listen");
  }
  fds[0] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fds[0] < 0 || ::connect(fds[0], reinterpret_cast<sockaddr*>(&addr), len) != 0) die("connect");
  fds[1] = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fds[1] < 0) die("accept");
  ::close(listener);
  const int one = 1;
  ::setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// One end of a connection, plain TCP or TLS. Reads never block (the descriptor is non-blocking
// once connected); the bench's writes are far smaller than the socket buffers.
class Conn {
 public:
  explicit Conn(int fd) : fd_(fd) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  [[nodiscard]] int fd() const { return fd_; }

  // Makes this end TLS, `server` or client, and runs its half of the handshake (blocking).
  void start_tls(SSL_CTX* ctx, bool server) {
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1 || (server ? SSL_accept(ssl_) : SSL_connect(ssl_)) != 1) {
      ERR_print_errors_fp(stderr);
      die("TLS handshake");
    }
  }
  void make_non_blocking() const {
    if (::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK) != 0) die("fcntl");
  }
  void send(const std::string& bytes) const {
    if (ssl_ == nullptr) {
      if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) die("send");
    } else if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) {
      die("SSL_write");
    }
  }
  // Reads until nothing more is there.
  void read_all(std::vector<char>& buf) const {
    if (ssl_ == nullptr) {
      while (::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {}
    } else {
      while (SSL_read(ssl_, buf.data(), static_cast<int>(buf.size())) > 0) {}
    }
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
};

// TLS on both ends of a connected pair; the handshake runs on two threads.
void tls_pair(Conn& server, Conn& client, SSL_CTX* server_ctx, SSL_CTX* client_ctx) {
  std::thread accept([&] { server.start_tls(server_ctx, true); });
  client.start_tls(client_ctx, false);
  accept.join();
}

SSL_CTX* make_ctx(bool server) {
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == nullptr || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) die("SSL_CTX_new");
  if (!server) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return ctx;
  }
  const cfsim::GeneratedTls made = cfsim::generate_tls();
  BIO* cert_bio = BIO_new_mem_buf(made.cert_pem.data(), static_cast<int>(made.cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(made.key_pem.data(), static_cast<int>(made.key_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  if (cert == nullptr || key == nullptr || SSL_CTX_use_certificate(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key) != 1) {
    ERR_print_errors_fp(stderr);
    die("server certificate");
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  return ctx;
}

// Waits for `fd` to be readable (edge-triggered, as Asio's reactor registers descriptors).
struct Waiter {
  int epoll = -1;
  explicit Waiter(int fd) : epoll(::epoll_create1(EPOLL_CLOEXEC)) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.fd = fd;
    if (epoll < 0 || ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll");
  }
  bool wait(int timeout_ms) {
    epoll_event ev{};
    return ::epoll_wait(epoll, &ev, 1, timeout_ms) > 0;
  }
};

struct Window {
  std::atomic<bool> measuring{false};
  std::atomic<bool> done{false};
};

struct ThreadFigures {
  double cpu_s = 0;
  long wakes = 0;
};

// Runs `step` once per wake-up and counts CPU and wakes while the window is open.
template <typename Step>
void measure(const Window& w, ThreadFigures& out, Waiter& waiter, Step step) {
  bool was_measuring = false;
  double start = 0;
  while (!w.done.load(std::memory_order_relaxed)) {
    if (!waiter.wait(100)) continue;
    step();
    const bool m = w.measuring.load(std::memory_order_relaxed);
    if (m && !was_measuring) {
      start = thread_cpu_s();
    } else if (m) {
      ++out.wakes;
    } else if (was_measuring) {
      out.cpu_s = thread_cpu_s() - start;
    }
    was_measuring = m;
  }
  if (was_measuring) out.cpu_s = thread_cpu_s() - start;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--interval-us" && v) {
      o.interval_us = std::atol(v), ++i;
    } else if (a == "--bytes" && v) {
      o.bytes = static_cast<std::size_t>(std::atol(v)), ++i;
    } else if (a == "--seconds" && v) {
      o.seconds = std::atof(v), ++i;
    } else if (a == "--no-relay") {
      o.relay = false;
    } else if (a == "--tls") {
      o.tls = true;
    } else if (a == "--pin" && v) {
      o.pin = std::atoi(v), ++i;
    } else {
      std::fprintf(
          stderr,
          "usage: bench_wake_floor [--interval-us N] [--bytes N] [--seconds S] [--pin CPU] [--no-relay] [--tls]\n");
      return 2;
    }
  }
  if (o.interval_us <= 0 || o.bytes == 0 || o.seconds <= 0) {
    std::fprintf(stderr, "bench_wake_floor: --interval-us, --bytes and --seconds must be positive\n");
    return 2;
  }

  int in_fds[2], out_fds[2];
  tcp_pair(in_fds);
  tcp_pair(out_fds);
  // in: the writer (the firehose's server) to the reader (the nozzle's connection);
  // out: the sender (the nozzle's drain writer) to the drainer (the receiver).
  Conn writer(in_fds[0]), reader_end(in_fds[1]), sender(out_fds[0]), drainer_end(out_fds[1]);
  if (o.tls) {
    SSL_CTX* server_ctx = make_ctx(true);
    SSL_CTX* client_ctx = make_ctx(false);
    tls_pair(writer, reader_end, server_ctx, client_ctx);
    tls_pair(drainer_end, sender, server_ctx, client_ctx);
  }
  reader_end.make_non_blocking();
  drainer_end.make_non_blocking();
  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) die("eventfd");
  Window w;
  ThreadFigures reader_fig, relay_fig;

  std::thread reader([&] {
    pin_to(o.pin);
    Waiter waiter(reader_end.fd());
    std::vector<char> buf(256 << 10);
    const std::string payload(o.bytes, 'r');
    measure(w, reader_fig, waiter, [&] {
      reader_end.read_all(buf);
      if (!o.relay) {
        sender.send(payload);
        return;
      }
      const std::uint64_t one = 1;
      if (::write(efd, &one, sizeof one) < 0) die("eventfd write");
    });
  });
  std::thread relay([&] {
    pin_to(o.pin);
    Waiter waiter(efd);
    const std::string payload(o.bytes, 'r');
    measure(w, relay_fig, waiter, [&] {
      std::uint64_t n = 0;
      while (::read(efd, &n, sizeof n) > 0) {}
      sender.send(payload);
    });
  });
  std::thread drainer([&] {
    Waiter waiter(drainer_end.fd());
    std::vector<char> buf(256 << 10);
    while (!w.done.load(std::memory_order_relaxed)) {
      if (waiter.wait(100)) drainer_end.read_all(buf);
    }
  });

  const std::string payload(o.bytes, 'w');
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  const double t0 = mono_s();
  double opened = 0;
  double closed = 0;
  long sent = 0;
  for (;;) {
    const double now = mono_s();
    if (opened == 0 && now - t0 >= 1.0) {
      w.measuring = true;
      opened = now;
    }
    if (opened != 0 && now - opened >= o.seconds) {
      w.measuring = false;
      closed = now;
      break;
    }
    writer.send(payload);
    if (opened != 0) ++sent;
    next.tv_nsec += o.interval_us * 1000;
    while (next.tv_nsec >= 1000000000L) next.tv_nsec -= 1000000000L, ++next.tv_sec;
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
  }
  // One more burst so that each thread sees the window close on a wake-up.
  writer.send(payload);
  usleep(200000);
  w.done = true;
  reader.join();
  relay.join();
  drainer.join();

  const auto per_wake = [](const ThreadFigures& f) {
    return f.wakes > 0 ? f.cpu_s / static_cast<double>(f.wakes) * 1e6 : 0.0;
  };
  std::printf(
      "{\"interval_us\": %ld, \"bytes\": %zu, \"tls\": %s, \"pin\": %d, \"relay\": %s, \"seconds\": %.2f, \"bursts\": "
      "%ld, "
      "\"reader_wakes\": %ld, \"reader_us_per_wake\": %.2f, \"relay_wakes\": %ld, \"relay_us_per_wake\": %.2f, "
      "\"both_us_per_burst\": %.2f}\n",
      o.interval_us, o.bytes, o.tls ? "true" : "false", o.pin, o.relay ? "true" : "false", closed - opened, sent,
      reader_fig.wakes, per_wake(reader_fig), relay_fig.wakes, per_wake(relay_fig),
      (reader_fig.cpu_s + relay_fig.cpu_s) / static_cast<double>(sent > 0 ? sent : 1) * 1e6);
  return 0;
}
