// collector/metadata_file.h: reading the small JSON files container runtimes
// and the kubelet keep for their own use (collector/identity.h,
// collector/runtime_context.h). Internal to collector/.
#ifndef DRIFTWATCH_COLLECTOR_METADATA_FILE_H_
#define DRIFTWATCH_COLLECTOR_METADATA_FILE_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dw::collector {

// The content of a small (<= 4 MiB) file; nullopt when it cannot be read whole.
std::optional<std::string> ReadSmallFile(const std::filesystem::path& path);

// The JSON value in `path` when it parses; nullopt when missing, unreadable,
// too large or malformed.
std::optional<nlohmann::json> ReadJsonFile(const std::filesystem::path& path);

// The JSON object in `path`; nullopt when missing, unreadable or not an object.
std::optional<nlohmann::json> ReadJsonObject(const std::filesystem::path& path);

// A JSON object encoded in a string (CRI-O's io.kubernetes.cri-o.Labels,
// podman's metadata); nullopt for anything else.
std::optional<nlohmann::json> ParseObject(std::string_view text);

// The pieces of `s` between the separators `sep` (empty ones included:
// "a::b" -> a, "", b).
std::vector<std::string_view> Split(std::string_view s, char sep);

// obj[key] when obj is an object holding that key.
const nlohmann::json* Member(const nlohmann::json& obj, const char* key);

// obj[key] when it is a string.
std::optional<std::string> StringMember(const nlohmann::json* obj, const char* key);

// What podman keeps about a container it runs: its first name in
// <storage>/overlay-containers/containers.json (else its metadata's "name")
// and its image, where <storage> is, under `root`, the rootful
// var/lib/containers/storage, or for a container whose cgroup (`cgroup_path`)
// is below a user's systemd (`user-<uid>.slice`: rootless podman) that
// user's <home>/.local/share/containers/storage (home from <root>/etc/passwd),
// tried first. nullopt when the container is not podman's: no
// .../<id>/userdata/config.json with the annotation
// io.container.manager=libpod (CRI-O writes the same files without it). The
// fields are empty when containers.json is missing or does not list the id.
struct PodmanContainer {
  std::string name;
  std::string image;
};
std::optional<PodmanContainer> ReadPodmanContainer(const std::filesystem::path& root, std::string_view cgroup_path,
                                                   const std::string& id);

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_METADATA_FILE_H_
