// libFuzzer target: any byte string as a spool segment left on disk by an earlier run (a torn
// write, a flipped bit, a file that is not a segment at all), opened and read to the end by
// Spool. It must never crash; every frame it hands out must carry a valid checksum (it was
// read whole), and the frames counted at open must equal those read plus those counted damaged.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "syslog/spool.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/nozzle-spool-fuzz-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/00000000000000000001.seg", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));

  nozzle::syslog::SpoolOptions options;
  options.dir = dir;
  options.fsync = nozzle::syslog::SpoolFsync::Never;
  nozzle::syslog::Spool spool(options);
  nozzle::syslog::SpoolLoss loss;
  if (!spool.open(loss).empty()) std::abort();
  const std::uint64_t at_open = spool.frames();
  std::uint64_t read = 0;
  nozzle::syslog::FrameBatch batch;
  while (std::size_t n = spool.read(batch, 4096, loss)) {
    std::size_t bytes = 0;
    for (std::uint32_t len : batch.lengths) bytes += len;
    if (bytes != batch.bytes.size()) std::abort();
    read += n;
    batch.clear();
    spool.commit();
  }
  // Nothing changed the file after open, so every record counted there is read back.
  if (read != at_open || !spool.empty()) std::abort();
  return 0;
}
