// collector/identity.cc: stable workload names from config rules, the kubelet's
// and the container runtimes' on-disk metadata, and cgroup paths.
#include "collector/identity.h"

#include <span>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "collector/metadata_file.h"
#include "collector/workload.h"

namespace dw::collector {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
constexpr size_t kShortIdLen = 12;
constexpr size_t kContainerIdLen = 64;
// The kubelet's name for a pod's sandbox container.
constexpr char kSandboxName[] = "POD";

std::string_view Trim(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::string_view p : Split(Trim(path), '/')) {
    if (!p.empty()) parts.push_back(p);
  }
  return parts;
}

// ---- Name rules.

// Matches one pattern component against one path component, appending a
// capture per '*'. Greedy: each '*' tries its longest run first.
bool MatchComponent(std::string_view pat, std::string_view s, std::vector<std::string>* caps) {
  while (!pat.empty() && pat.front() != '*') {
    if (s.empty() || s.front() != pat.front()) return false;
    pat.remove_prefix(1);
    s.remove_prefix(1);
  }
  if (pat.empty()) return s.empty();
  for (size_t n = s.size() + 1; n-- > 0;) {
    caps->emplace_back(s.substr(0, n));
    if (MatchComponent(pat.substr(1), s.substr(n), caps)) return true;
    caps->pop_back();
  }
  return false;
}

// Matches pattern components against path components. A component's own
// match does not depend on the rest, so only "**" needs backtracking.
bool MatchComponents(std::span<const std::string_view> pat, std::span<const std::string_view> path,
                     std::vector<std::string>* caps) {
  if (pat.empty()) return path.empty();
  if (pat.front() == "**") {
    for (size_t n = path.size() + 1; n-- > 0;) {
      std::string joined;
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) joined += '/';
        joined += path[i];
      }
      caps->push_back(std::move(joined));
      if (MatchComponents(pat.subspan(1), path.subspan(n), caps)) return true;
      caps->pop_back();
    }
    return false;
  }
  size_t mark = caps->size();
  if (!path.empty() && MatchComponent(pat.front(), path.front(), caps) &&
      MatchComponents(pat.subspan(1), path.subspan(1), caps)) {
    return true;
  }
  caps->resize(mark);
  return false;
}

// Fills `name` in with `caps`; nullopt for a bad '$' use.
std::optional<std::string> Expand(std::string_view name, const std::vector<std::string>& caps) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '$') {
      out += name[i];
      continue;
    }
    char next = i + 1 < name.size() ? name[i + 1] : '\0';
    ++i;
    if (next == '$') {
      out += '$';
    } else if (next >= '1' && next <= '9' && static_cast<size_t>(next - '1') < caps.size()) {
      out += caps[next - '1'];
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// ---- Kubernetes names.

bool InAlphabet(std::string_view s) {
  return !s.empty() && s.find_first_not_of(kNameAlphabet) == std::string_view::npos;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "<head>-<tail>" with both parts non-empty, split at the last '-'.
bool SplitLast(std::string_view name, std::string_view* head, std::string_view* tail) {
  size_t at = name.rfind('-');
  if (at == std::string_view::npos || at == 0 || at + 1 == name.size()) return false;
  *head = name.substr(0, at);
  *tail = name.substr(at + 1);
  return true;
}

bool IsHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Container names are DNS labels; anything that would break the
// "<namespace>/<owner>/<container>" shape is not taken.
bool UsableName(std::string_view s) { return !s.empty() && s.find('/') == std::string_view::npos; }

// ---- Metadata files (collector/metadata_file.h).

// The Kubernetes container name the runtimes record in the container's own
// metadata, written before the container's first process runs (the
// /var/log/containers symlink comes only after it started).
std::optional<std::string> RuntimeContainerName(const fs::path& root, const std::string& id) {
  struct Source {
    fs::path file;
    std::vector<const char*> labels;  // path to the labels/annotations object
  };
  const Source sources[] = {
      {root / "run/containerd/io.containerd.runtime.v2.task/k8s.io" / id / "config.json", {"annotations"}},
      {root / "run/containers/storage/overlay-containers" / id / "userdata/config.json", {"annotations"}},
      {root / "var/lib/docker/containers" / id / "config.v2.json", {"Config", "Labels"}},
  };
  for (const Source& s : sources) {
    std::optional<Json> j = ReadJsonObject(s.file);
    if (!j) continue;
    const Json* labels = &*j;
    for (const char* key : s.labels) {
      labels = labels ? Member(*labels, key) : nullptr;
    }
    if (labels == nullptr) continue;
    // CRI-O and cri-dockerd; containerd names its sandbox only by type.
    for (const char* key : {"io.kubernetes.container.name", "io.kubernetes.cri.container-name"}) {
      std::optional<std::string> name = StringMember(labels, key);
      if (name && UsableName(*name)) return name;
    }
    if (StringMember(labels, "io.kubernetes.cri.container-type") == "sandbox") return kSandboxName;
  }
  return std::nullopt;
}

// The names of the subdirectories of `dir` (empty when it cannot be listed).
std::vector<std::string> Subdirectories(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) out.push_back(it->path().filename().string());
  }
  return out;
}

// The entry names of `dir` (empty when it cannot be listed).
std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  return out;
}

}  // namespace

Status CheckNameRule(const NameRule& rule) {
  auto invalid = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidArgument,
                  "name rule \"" + rule.pattern + "\" -> \"" + rule.name + "\": " + why);
  };
  if (Components(rule.pattern).empty()) return invalid("empty pattern");
  if (rule.name.empty()) return invalid("empty name");
  size_t wildcards = 0;
  for (std::string_view c : Components(rule.pattern)) {
    if (c == "**") {
      ++wildcards;
    } else if (c.find("**") != std::string_view::npos) {
      return invalid("** must be a whole path component");
    } else {
      for (char ch : c) wildcards += ch == '*';
    }
  }
  for (size_t i = 0; i < rule.name.size(); ++i) {
    if (rule.name[i] != '$') continue;
    char next = i + 1 < rule.name.size() ? rule.name[i + 1] : '\0';
    ++i;
    if (next == '$') continue;
    if (next < '1' || next > '9') return invalid("$ must be followed by 1-9 or $");
    if (static_cast<size_t>(next - '0') > wildcards) {
      return invalid(std::string("$") + next + " but the pattern has " + std::to_string(wildcards) +
                     " wildcard(s)");
    }
  }
  return Status::Ok();
}

std::optional<std::string> ApplyNameRule(const NameRule& rule, std::string_view cgroup_path) {
  if (!CheckNameRule(rule).ok()) return std::nullopt;
  std::vector<std::string_view> pat = Components(rule.pattern);
  std::vector<std::string_view> path = Components(cgroup_path);
  std::vector<std::string> caps;
  if (!MatchComponents(pat, path, &caps)) return std::nullopt;
  std::optional<std::string> name = Expand(rule.name, caps);
  if (!name || name->empty()) return std::nullopt;
  return name;
}

std::string PodOwnerName(std::string_view pod_name) {
  std::string_view head, tail;
  if (SplitLast(pod_name, &head, &tail) && tail.size() == 5 && InAlphabet(tail)) {
    // generateName's suffix. Below it, a Deployment's ReplicaSet hash or a
    // CronJob's scheduled time (minutes since the epoch) names a generation
    // of the same workload.
    std::string_view owner, generation;
    if (SplitLast(head, &owner, &generation) &&
        ((generation.size() >= 5 && generation.size() <= 10 && InAlphabet(generation)) ||
         (generation.size() == 8 && AllDigits(generation)))) {
      return std::string(owner);
    }
    return std::string(head);
  }
  if (SplitLast(pod_name, &head, &tail) && AllDigits(tail) && (tail == "0" || tail.front() != '0')) {
    return std::string(head);
  }
  return std::string(pod_name);
}

HostWorkloadNamer::HostWorkloadNamer(IdentityOptions options)
    : options_(std::move(options)), root_(options_.root.empty() ? "/" : options_.root) {}

std::string HostWorkloadNamer::Name(const std::string& cgroup_path) {
  ++stats_.names;
  std::string_view path = Trim(cgroup_path);
  for (const NameRule& rule : options_.rules) {
    if (std::optional<std::string> name = ApplyNameRule(rule, path)) {
      ++stats_.by_rule;
      return *name;
    }
  }
  if (!options_.metadata) return WorkloadFromCgroupPath(path);
  CgroupContainer c = ContainerOfCgroupPath(path);
  std::optional<std::string> name;
  if (!c.pod_uid.empty()) {
    name = KubernetesName(c.pod_uid, c.container_id);
    if (name) ++stats_.kubernetes;
  } else if (!c.container_id.empty()) {
    name = DockerName(c.container_id);
    if (name) {
      ++stats_.docker;
    } else if ((name = PodmanName(path, c.container_id))) {
      ++stats_.podman;
    }
  } else {
    return WorkloadFromCgroupPath(path);
  }
  if (name) return *name;
  ++stats_.unresolved;
  return WorkloadFromCgroupPath(path);
}

std::optional<std::string> HostWorkloadNamer::KubernetesName(const std::string& uid,
                                                             const std::string& container_id) {
  const Pod* pod = FindPod(uid);
  if (pod == nullptr) return std::nullopt;
  // Static pods are named by their manifest (uid: its 32-hex hash), not by a
  // controller: no generated suffix to strip.
  std::string owner = uid.size() == 32 ? pod->name : PodOwnerName(pod->name);
  std::string name = pod->ns + "/" + owner;
  if (!container_id.empty()) name += "/" + ContainerName(*pod, container_id);
  return name;
}

std::string HostWorkloadNamer::ContainerName(const Pod& pod, const std::string& container_id) {
  if (std::optional<std::string> name = RuntimeContainerName(root_, container_id)) return *name;
  const LoggedContainer* logged = FindLogged(container_id);
  if (logged != nullptr && logged->pod == pod.name && logged->ns == pod.ns) return logged->container;
  std::vector<std::string> dirs = Subdirectories(root_ / "var/log/pods" / pod.dir);
  if (dirs.size() == 1) return dirs.front();
  return "container:" + container_id.substr(0, kShortIdLen);
}

std::optional<std::string> HostWorkloadNamer::DockerName(const std::string& container_id) {
  std::optional<Json> config = ReadJsonObject(root_ / "var/lib/docker/containers" / container_id / "config.v2.json");
  if (!config) return std::nullopt;
  std::optional<std::string> name = StringMember(&*config, "Name");
  if (!name) return std::nullopt;
  std::string_view n = *name;
  if (n.starts_with('/')) n.remove_prefix(1);
  if (!UsableName(n)) return std::nullopt;
  return "docker/" + std::string(n);
}

std::optional<std::string> HostWorkloadNamer::PodmanName(std::string_view cgroup_path,
                                                         const std::string& container_id) {
  std::optional<PodmanContainer> c = ReadPodmanContainer(root_, cgroup_path, container_id);
  if (!c || !UsableName(c->name)) return std::nullopt;
  return "podman/" + c->name;
}

bool HostWorkloadNamer::Stale(Listing* listing, const fs::path& dir) {
  std::error_code ec;
  fs::file_time_type mtime = fs::last_write_time(dir, ec);
  if (ec) mtime = fs::file_time_type::min();
  auto now = std::chrono::steady_clock::now();
  if (listing->read && mtime == listing->mtime && now - listing->at < options_.rescan_interval) return false;
  // The mtime is taken before listing, so a change during it is seen next time.
  listing->read = true;
  listing->mtime = mtime;
  listing->at = now;
  return true;
}

const HostWorkloadNamer::Pod* HostWorkloadNamer::FindPod(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it != pods_.end()) return &it->second;
  fs::path dir = root_ / "var/log/pods";
  if (!Stale(&pods_listing_, dir)) return nullptr;
  ++stats_.pod_scans;
  pods_.clear();
  // "<namespace>_<pod>_<uid>": none of the three can hold a '_'.
  for (const std::string& entry : Entries(dir)) {
    std::vector<std::string_view> parts = Split(entry, '_');
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) continue;
    pods_[std::string(parts[2])] = Pod{std::string(parts[0]), std::string(parts[1]), entry};
  }
  it = pods_.find(uid);
  return it == pods_.end() ? nullptr : &it->second;
}

const HostWorkloadNamer::LoggedContainer* HostWorkloadNamer::FindLogged(const std::string& container_id) {
  auto it = logged_.find(container_id);
  if (it != logged_.end()) return &it->second;
  fs::path dir = root_ / "var/log/containers";
  if (!Stale(&logged_listing_, dir)) return nullptr;
  ++stats_.container_scans;
  logged_.clear();
  // "<pod>_<namespace>_<container>-<64 hex id>.log"
  for (const std::string& entry : Entries(dir)) {
    std::string_view e = entry;
    if (!e.ends_with(".log")) continue;
    e.remove_suffix(4);
    if (e.size() < kContainerIdLen + 2 || e[e.size() - kContainerIdLen - 1] != '-') continue;
    std::string_view id = e.substr(e.size() - kContainerIdLen);
    if (!IsHex(id)) continue;
    std::vector<std::string_view> parts = Split(e.substr(0, e.size() - kContainerIdLen - 1), '_');
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || !UsableName(parts[2])) continue;
    logged_[std::string(id)] = LoggedContainer{std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
  }
  it = logged_.find(container_id);
  return it == logged_.end() ? nullptr : &it->second;
}

}  // namespace dw::collector
