// collector/metadata_file.cc: bounded reads of runtime metadata files.
#include "collector/metadata_file.h"

#include <fcntl.h>
#include <unistd.h>

namespace dw::collector {

constexpr size_t kMaxMetadataBytes = 4 << 20;

std::optional<std::string> ReadSmallFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[16384];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxMetadataBytes) break;
  }
  ::close(fd);
  if (n < 0 || out.size() > kMaxMetadataBytes) return std::nullopt;
  return out;
}

std::optional<nlohmann::json> ReadJsonFile(const std::filesystem::path& path) {
  std::optional<std::string> text = ReadSmallFile(path);
  if (!text) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::optional<nlohmann::json> ReadJsonObject(const std::filesystem::path& path) {
  std::optional<nlohmann::json> j = ReadJsonFile(path);
  if (!j || !j->is_object()) return std::nullopt;
  return j;
}

const nlohmann::json* Member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<std::string> StringMember(const nlohmann::json* obj, const char* key) {
  if (obj == nullptr) return std::nullopt;
  const nlohmann::json* v = Member(*obj, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

}  // namespace dw::collector
