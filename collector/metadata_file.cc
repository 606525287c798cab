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

std::optional<nlohmann::json> ParseObject(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
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

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return parts;
}

namespace {

// The uid of the user whose systemd instance holds `cgroup_path`
// ("user.slice/user-1000.slice/user@1000.service/..."), or nullopt.
std::optional<std::string> UserSliceUid(std::string_view cgroup_path) {
  for (std::string_view part : Split(cgroup_path, '/')) {
    if (!part.starts_with("user-") || !part.ends_with(".slice")) continue;
    std::string_view uid = part.substr(5, part.size() - 5 - 6);
    if (!uid.empty() && uid.size() <= 10 && uid.find_first_not_of("0123456789") == std::string_view::npos) {
      return std::string(uid);
    }
  }
  return std::nullopt;
}

// The home directory of `uid` in <root>/etc/passwd, or "".
std::string HomeOf(const std::filesystem::path& root, const std::string& uid) {
  std::optional<std::string> passwd = ReadSmallFile(root / "etc/passwd");
  if (!passwd) return {};
  for (std::string_view line : Split(*passwd, '\n')) {
    // name:password:uid:gid:gecos:home:shell
    const std::vector<std::string_view> field = Split(line, ':');
    if (field.size() >= 6 && field[2] == uid && field[5].starts_with('/')) return std::string(field[5]);
  }
  return {};
}

}  // namespace

std::optional<PodmanContainer> ReadPodmanContainer(const std::filesystem::path& root, std::string_view cgroup_path,
                                                   const std::string& id) {
  std::filesystem::path dir = root / "var/lib/containers/storage/overlay-containers";
  std::optional<nlohmann::json> config;
  if (std::optional<std::string> uid = UserSliceUid(cgroup_path)) {
    if (std::string home = HomeOf(root, *uid); !home.empty()) {
      const std::filesystem::path user_dir =
          root / std::filesystem::path(home).relative_path() / ".local/share/containers/storage/overlay-containers";
      config = ReadJsonObject(user_dir / id / "userdata/config.json");
      if (config) dir = user_dir;
    }
  }
  if (!config) config = ReadJsonObject(dir / id / "userdata/config.json");
  if (!config) return std::nullopt;
  const nlohmann::json* annotations = Member(*config, "annotations");
  if (StringMember(annotations, "io.container.manager") != "libpod") return std::nullopt;
  PodmanContainer out;
  std::optional<nlohmann::json> list = ReadJsonFile(dir / "containers.json");
  if (!list || !list->is_array()) return out;
  for (const nlohmann::json& entry : *list) {
    if (StringMember(&entry, "id") != id) continue;
    const nlohmann::json* names = Member(entry, "names");
    if (names && names->is_array() && !names->empty() && names->front().is_string()) {
      out.name = names->front().get<std::string>();
    }
    if (std::optional<nlohmann::json> meta = ParseObject(StringMember(&entry, "metadata").value_or(""))) {
      if (out.name.empty()) out.name = StringMember(&*meta, "name").value_or("");
      out.image = StringMember(&*meta, "image-name").value_or("");
    }
    break;
  }
  return out;
}

}  // namespace dw::collector
