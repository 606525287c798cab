// collector/testing/temp_dir.h: a temporary directory for tests, removed with
// everything in it, and a file writer that makes the parent directories.
// Header-only; in the lowest C++ layer so that every test above it can use it.
#ifndef DRIFTWATCH_COLLECTOR_TESTING_TEMP_DIR_H_
#define DRIFTWATCH_COLLECTOR_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace dw::collector::testing {

// Writes `text` to `path`, creating its parent directories.
inline void WriteFile(const std::string& path, std::string_view text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class TempDir {
 public:
  // A new directory under the system's temporary directory, named after
  // `prefix`; path() is empty if it could not be made.
  explicit TempDir(std::string_view prefix = "dw-test") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `content` to `rel` inside the directory; returns its path.
  std::string Write(std::string_view rel, std::string_view content) const {
    std::string p = File(rel);
    WriteFile(p, content);
    return p;
  }

 private:
  std::string path_;
};

}  // namespace dw::collector::testing

#endif  // DRIFTWATCH_COLLECTOR_TESTING_TEMP_DIR_H_
