// collector/workload.cc: naming workloads from cgroup paths; container-runtime
// and kubelet layouts (cgroupfs and systemd drivers), systemd services, plain paths.
#include "collector/workload.h"

#include <optional>
#include <vector>

namespace dw::collector {
namespace {

constexpr size_t kContainerIdLen = 64;
constexpr size_t kShortIdLen = 12;

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !s.empty();
}

bool IsContainerId(std::string_view s) { return s.size() == kContainerIdLen && IsHex(s); }

// The container id a path component names, if any: "<runtime>-<id>.scope"
// (systemd driver), "<runtime>-<id>" or a bare "<id>" (cgroupfs driver).
// Runtime monitors ("libpod-conmon-<id>.scope") are not containers: the id
// part fails IsContainerId.
std::optional<std::string_view> ContainerIdOf(std::string_view c) {
  if (c.ends_with(".scope")) c.remove_suffix(6);
  for (std::string_view prefix : {"cri-containerd-", "containerd-", "docker-", "libpod-", "crio-", "nerdctl-"}) {
    if (c.starts_with(prefix)) {
      c.remove_prefix(prefix.size());
      break;
    }
  }
  if (IsContainerId(c)) return c;
  return std::nullopt;
}

// A pod uid: a UUID (36 chars with dashes) or, for static pods, a 32-hex hash.
bool IsPodUid(std::string_view s) {
  if (s.size() != 32 && s.size() != 36) return false;
  for (char c : s) {
    if (c != '-' && !IsHex(std::string_view(&c, 1))) return false;
  }
  return true;
}

// The pod uid a path component names, if any: "pod<uid>" (cgroupfs driver)
// or "kubepods[-<qos>]-pod<uid with _ for ->.slice" (systemd driver).
std::optional<std::string> PodUidOf(std::string_view c) {
  std::string uid;
  if (c.starts_with("pod")) {
    uid = c.substr(3);
  } else if (c.ends_with(".slice") && c.find("kubepods") != std::string_view::npos) {
    c.remove_suffix(6);
    size_t at = c.rfind("-pod");
    if (at == std::string_view::npos) return std::nullopt;
    uid = c.substr(at + 4);
    for (char& ch : uid) {
      if (ch == '_') ch = '-';
    }
  } else {
    return std::nullopt;
  }
  if (!IsPodUid(uid)) return std::nullopt;
  return uid;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::string_view Trim(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

CgroupContainer ContainerOfCgroupPath(std::string_view cgroup_path) {
  // Everything below a container's cgroup (e.g. a systemd inside it, or
  // podman's "libpod-<id>.scope/container") belongs to that container. A pod
  // is recognised only below a kubepods cgroup, so "pod..." elsewhere is plain.
  CgroupContainer out;
  bool in_kubepods = false;
  for (std::string_view c : SplitPath(Trim(cgroup_path))) {
    if (c.find("kubepods") != std::string_view::npos) in_kubepods = true;
    if (std::optional<std::string_view> id = ContainerIdOf(c)) {
      out.container_id = *id;
      return out;
    }
    if (in_kubepods && out.pod_uid.empty()) {
      if (std::optional<std::string> uid = PodUidOf(c)) out.pod_uid = *uid;
    }
  }
  return out;
}

std::string WorkloadFromCgroupPath(std::string_view cgroup_path) {
  cgroup_path = Trim(cgroup_path);
  if (cgroup_path.empty()) return "host";
  CgroupContainer found = ContainerOfCgroupPath(cgroup_path);
  std::string container = "container:" + found.container_id.substr(0, kShortIdLen);
  if (!found.pod_uid.empty()) return "pod:" + found.pod_uid + (found.container_id.empty() ? "" : "/" + container);
  if (!found.container_id.empty()) return container;

  // A system service, with whatever sub-cgroups it delegates to itself.
  std::vector<std::string_view> parts = SplitPath(cgroup_path);
  if (parts.front() == "system.slice") {
    for (std::string_view c : parts) {
      if (c.ends_with(".service")) return std::string(c);
    }
  }
  return std::string(cgroup_path);
}

}  // namespace dw::collector
