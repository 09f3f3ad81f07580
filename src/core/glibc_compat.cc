// Linked into the static release binary only (cmake/static_release.cmake), so that it needs no
// glibc symbol newer than GLIBC_2.35 (Ubuntu Jammy: cflinuxfs4 and BOSH stemcells).
//
// Debian 12's libstdc++.a was built against glibc 2.36, and its std::random_device calls
// arc4random (GLIBC_2.36). This definition takes precedence over glibc's at link time and has
// its contract: 32 random bits from the kernel's CSPRNG, never a failure (it aborts, as glibc's
// does, when the kernel cannot provide them). getrandom is GLIBC_2.25, Linux 3.17.
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

extern "C" std::uint32_t arc4random(void) {
  std::uint32_t value = 0;
  auto* out = reinterpret_cast<unsigned char*>(&value);
  std::size_t have = 0;
  while (have < sizeof value) {
    const ssize_t n = getrandom(out + have, sizeof value - have, 0);
    if (n > 0) {
      have += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      std::abort();
    }
  }
  return value;
}
