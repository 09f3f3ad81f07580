// A unique temporary directory for one test (or one receiver), removed when it goes out of
// scope. NOZZLE_KEEP_TEMP=1 keeps it and prints its path, to read a receiver's config and output
// after a failure.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace nozzle::test {

class TempDir {
 public:
  // Creates $TMPDIR/<prefix>-XXXXXX (or under /tmp). Throws std::runtime_error on failure.
  explicit TempDir(std::string_view prefix = "nozzle-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The whole content of a file, or "" when it does not exist (yet).
std::string read_file(const std::filesystem::path& path);
// Writes `content` to `path`, replacing it. Throws std::runtime_error on failure.
void write_file(const std::filesystem::path& path, std::string_view content);

}  // namespace nozzle::test
