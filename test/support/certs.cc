#include "support/certs.h"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace nozzle::test {
namespace {

constexpr auto kOpensslTimeout = std::chrono::seconds(30);

struct Spec {
  std::string name;
  std::string common_name;
  std::string extensions;  // the [ext] section's lines
  std::string issuer;      // "" for a self-signed CA, else the issuing CA's name
};

const std::string kCaExtensions =
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier = hash\n";

std::string leaf_extensions(const std::string& usage, const std::string& san) {
  std::string ext =
      "basicConstraints = critical,CA:FALSE\n"
      "keyUsage = critical,digitalSignature,keyEncipherment\n"
      "extendedKeyUsage = " + usage + "\n"
      "subjectKeyIdentifier = hash\n"
      "authorityKeyIdentifier = keyid,issuer\n";
  if (!san.empty()) ext += "subjectAltName = " + san + "\n";
  return ext;
}

// Starts one openssl command per argv, in parallel (RSA key generation dominates), and waits
// for all of them.
void run_all(const std::vector<std::vector<std::string>>& commands, const std::filesystem::path& dir,
             const std::string& step) {
  std::vector<std::unique_ptr<Process>> running;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const std::string log = step + "-" + std::to_string(i);
    running.push_back(std::make_unique<Process>(ProcessOptions{
        .argv = commands[i], .stdout_path = dir / (log + ".out"), .stderr_path = dir / (log + ".err")}));
  }
  for (auto& p : running) {
    if (!p->wait_exit(kOpensslTimeout) || *p->exit_code() != 0) {
      throw std::runtime_error("making test certificates failed:\n" + p->describe());
    }
  }
}

class CertFactory {
 public:
  CertFactory() : dir_("nozzle-certs") {}

  void make(const std::vector<Spec>& specs) {
    std::vector<std::vector<std::string>> self_signed, requests, signings;
    for (const Spec& s : specs) {
      write_file(dir_ / (s.name + ".cnf"),
                 "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = " + s.common_name +
                     "\n[ext]\n" + s.extensions);
      const std::string base = (dir_ / s.name).string();
      if (s.issuer.empty()) {
        self_signed.push_back({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key",
                               "-out", base + ".pem", "-days", "2", "-config", base + ".cnf", "-extensions", "ext"});
        continue;
      }
      const std::string ca = (dir_ / s.issuer).string();
      requests.push_back({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key",
                          "-out", base + ".csr", "-config", base + ".cnf"});
      signings.push_back({"openssl", "x509", "-req", "-in", base + ".csr", "-CA", ca + ".pem", "-CAkey",
                          ca + ".key", "-set_serial", std::to_string(++serial_), "-days", "2", "-extfile",
                          base + ".cnf", "-extensions", "ext", "-out", base + ".pem"});
    }
    // Keys and requests do not depend on the CAs: generate everything at once, then sign.
    for (auto& r : requests) self_signed.push_back(std::move(r));
    run_all(self_signed, dir_.path(), "generate");
    run_all(signings, dir_.path(), "sign");
  }

  [[nodiscard]] std::filesystem::path cert(const std::string& name) const { return dir_ / (name + ".pem"); }
  [[nodiscard]] CertPair pair(const std::string& name) const {
    return {dir_ / (name + ".pem"), dir_ / (name + ".key")};
  }

 private:
  TempDir dir_;
  int serial_ = 0;
};

}  // namespace

const TestCerts& test_certs() {
  // Kept for the whole process: the factory's directory is removed at exit.
  static std::unique_ptr<CertFactory> factory;
  static TestCerts certs;
  static std::once_flag once;
  std::call_once(once, [] {
    auto f = std::make_unique<CertFactory>();
    f->make({
        {"ca", "nozzle test CA", kCaExtensions, ""},
        {"other-ca", "unrelated test CA", kCaExtensions, ""},
        {"server", "localhost", leaf_extensions("serverAuth", "DNS:localhost,IP:127.0.0.1"), "ca"},
        {"server-wrong-name", "wrong.example", leaf_extensions("serverAuth", "DNS:wrong.example"), "ca"},
        {"client", "nozzle-client", leaf_extensions("clientAuth", ""), "ca"},
        {"other-ca-client", "nozzle-client", leaf_extensions("clientAuth", ""), "other-ca"},
        {"intruder-client", "intruder", leaf_extensions("clientAuth", ""), "ca"},
    });
    certs = {.ca = f->cert("ca"),
             .other_ca = f->cert("other-ca"),
             .server = f->pair("server"),
             .server_wrong_name = f->pair("server-wrong-name"),
             .client = f->pair("client"),
             .other_ca_client = f->pair("other-ca-client"),
             .intruder_client = f->pair("intruder-client")};
    factory = std::move(f);
  });
  return certs;
}

}  // namespace nozzle::test
