#include "syslog/relp_session.h"

#include <doctest/doctest.h>

using namespace nozzle::syslog;

namespace {
// A server's answer to transaction `txnr`, with its data length counted.
std::string rsp(int txnr, std::string_view data) {
  return std::to_string(txnr) + " rsp " + std::to_string(data.size()) + " " + std::string(data) + "\n";
}
}  // namespace

TEST_CASE("RELP session: open, syslog frames and their acknowledgements, in any split") {
  RelpSession s(3);
  CHECK(s.start() == "1 open 58 relp_version=0\nrelp_software=syslog-nozzle\ncommands=syslog\n");
  std::string out;
  RelpSession::Progress p;
  s.feed(rsp(1, "200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog"), p);
  CHECK(p.error == "");
  CHECK(p.opened);
  CHECK(s.is_open());
  CHECK(s.frame_syslog("<13>1 - - - - - a\n", out));  // the LF is the frame's own
  CHECK(s.frame_syslog("<13>1 - - - - - bb", out));
  CHECK(s.frame_syslog("c", out));
  CHECK_FALSE(s.frame_syslog("d", out));  // window of 3
  CHECK(out == "2 syslog 17 <13>1 - - - - - a\n3 syslog 18 <13>1 - - - - - bb\n4 syslog 1 c\n");
  CHECK(s.in_flight() == 3);
  const std::string answers = "2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n";
  RelpSession::Progress q;
  for (char ch : answers) s.feed(std::string_view(&ch, 1), q);  // one byte at a time
  CHECK(q.error == "");
  CHECK(q.acked == 3);
  CHECK(s.in_flight() == 0);
  CHECK(s.close_command() == "5 close 0\n");
  RelpSession::Progress r;
  s.feed("5 rsp 0\n0 serverclose 0\n", r);
  CHECK(r.closed);
  CHECK(r.error == "");
}

TEST_CASE("RELP session: refusals and protocol violations end the session with a precise error") {
  const auto after_open = [](std::string_view answer) {
    RelpSession s(8);
    (void)s.start();
    RelpSession::Progress p;
    s.feed("1 rsp 6 200 OK\n", p);
    std::string out;
    (void)s.frame_syslog("x", out);
    (void)s.frame_syslog("y", out);
    RelpSession::Progress q;
    s.feed(answer, q);
    return q;
  };
  CHECK(after_open(rsp(2, "500 queue is full")).error == "RELP: the server refused frame 2: 500 queue is full");
  CHECK(after_open("3 rsp 6 200 OK\n").error == "RELP: answer 3 out of order (expected 2)");
  CHECK(after_open("2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n").error == "RELP: answer 4 out of order (expected 4)");
  CHECK(after_open("x rsp 6 200 OK\n").error == "RELP: malformed response (transaction number)");
  CHECK(after_open("2 rsp 6 200 OKX").error == "RELP: malformed response (no LF after the frame)");
  CHECK(after_open("2 rsp 99999999 ").error == "RELP: malformed response (data length)");
  CHECK(after_open("2 syslog 1 a\n").error == "RELP: unexpected command 'syslog' from the server");
  CHECK(after_open("0 serverclose 0\n").closed);
  const auto partial = after_open("2 rsp 6 200 OK\n3 rsp 6 20");
  CHECK(partial.error == "");
  CHECK(partial.acked == 1);

  RelpSession s;
  (void)s.start();
  RelpSession::Progress p;
  s.feed(rsp(1, "500 not for you, sorry"), p);
  CHECK(p.error == "RELP: the server refused the session: 500 not for you, sorry");
  CHECK_FALSE(s.is_open());
}

TEST_CASE("RELP session: a new connection starts the transaction numbers again") {
  RelpSession s(8);
  (void)s.start();
  RelpSession::Progress p;
  s.feed("1 rsp 6 200 OK\n", p);
  std::string out;
  (void)s.frame_syslog("x", out);
  CHECK(s.in_flight() == 1);
  CHECK(s.start().rfind("1 open ", 0) == 0);
  CHECK(s.in_flight() == 0);
  CHECK_FALSE(s.is_open());
}
