// collector/identity.h: workload names that survive churn. Replicas, rollouts
// and restarts of one Kubernetes workload, a Docker container by name, a
// systemd unit, or whatever configured rules say, keep one name.
//
// HostWorkloadNamer names a cgroup path (relative to the cgroup2 root) by, in
// order:
//  1. the configured NameRules, first match wins;
//  2. Kubernetes: a container cgroup below a kubepods pod (cgroupfs or systemd
//     driver; containerd, CRI-O or Docker; see collector/workload.h) becomes
//     "<namespace>/<owner>/<container>". The pod uid is looked up in
//     <root>/var/log/pods/<namespace>_<pod>_<uid>/ (the kubelet's log
//     directories); <owner> is PodOwnerName(<pod>) except for static pods
//     (a 32-hex uid), which keep their name. The container name comes from the
//     first of: the runtime's metadata for the container id
//       containerd  <root>/run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>/config.json
//                   annotation io.kubernetes.cri.container-name
//       CRI-O       <root>/run/containers/storage/overlay-containers/<id>/userdata/config.json
//                   annotation io.kubernetes.container.name
//       Docker      <root>/var/lib/docker/containers/<id>/config.v2.json
//                   Config.Labels io.kubernetes.container.name
//     (a pod's sandbox, the pause container, is "POD", as the kubelet labels
//     it); the kubelet's <root>/var/log/containers/<pod>_<namespace>_<container>-<id>.log
//     symlinks; the pod's only container log directory
//     (<root>/var/log/pods/<pod dir>/<container>/) when it has exactly one;
//     else "container:<first 12 hex of id>". A pod-level cgroup is
//     "<namespace>/<owner>".
//  3. Docker: a container cgroup outside any pod becomes "docker/<name>" from
//     "Name" in <root>/var/lib/docker/containers/<id>/config.v2.json; podman:
//     "podman/<name>" from its first name in
//     <root>/var/lib/containers/storage/overlay-containers/containers.json,
//     or for rootless podman (a cgroup below user-<uid>.slice) in
//     <root><home>/.local/share/containers/storage/overlay-containers/containers.json
//     (home from <root>/etc/passwd) (a container podman runs:
//     io.container.manager=libpod in its userdata/config.json). So a container recreated under its name (a new
//     id: `run --rm`, `--replace`, a systemd unit, an image update) keeps its
//     baseline, as Docker's does.
//  4. WorkloadFromCgroupPath (systemd services, plain paths, "host"), which is
//     also the answer whenever the metadata above is missing, unreadable or
//     malformed ("pod:<uid>/container:<id12>", "container:<id12>").
//
// Metadata is read from the files the kubelet and the runtimes keep for their
// own use; nothing is asked of an API server. The /var/log/pods and
// /var/log/containers listings are cached and read again on a miss only when
// the directory changed (its mtime) or `rescan_interval` has passed.
#ifndef DRIFTWATCH_COLLECTOR_IDENTITY_H_
#define DRIFTWATCH_COLLECTOR_IDENTITY_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/status.h"

namespace dw::collector {

// Names the workload a cgroup belongs to.
class WorkloadNamer {
 public:
  virtual ~WorkloadNamer() = default;
  // The workload of the cgroup at `cgroup_path` (relative to the cgroup2 root;
  // leading and trailing '/' ignored). Never fails: an unknown cgroup gets a
  // name derived from its path. Lookups may touch the filesystem, so callers
  // cache the answer per path.
  virtual std::string Name(const std::string& cgroup_path) = 0;
};

// A configured name for cgroup paths that match a glob.
//
// `pattern` is matched against whole path components (leading and trailing '/'
// ignored): a component "**" matches any number (zero or more) of components;
// in any other component '*' matches any run of characters within that
// component; all other characters match themselves. Each wildcard, in order,
// is a capture that `name` can use as $1..$9 ("**" captures its components
// joined by '/'); "$$" is a '$'. Wildcards take as much as they can while the
// rest still matches (like the regexes [^/]* and .*). A rule whose name comes
// out empty does not apply.
//   {"batch/*/worker-*", "batch-$1"}      batch/etl/worker-3         -> batch-etl
//   {"**/app-*.scope", "app/$2"}          user.slice/u/app-mail.scope -> app/mail
struct NameRule {
  std::string pattern;
  std::string name;
  bool operator==(const NameRule&) const = default;
};

// Ok, or kInvalidArgument naming the rule and what is wrong with it: an empty
// pattern or name, "**" that is not a whole component, a '$' not followed by
// 1-9 or '$', or a $N beyond the pattern's wildcards.
Status CheckNameRule(const NameRule& rule);

// The name `rule` gives `cgroup_path`, or nullopt when it does not match (or
// is invalid, see CheckNameRule).
std::optional<std::string> ApplyNameRule(const NameRule& rule, std::string_view cgroup_path);

// The workload controller a pod's name points to, by stripping the suffixes
// Kubernetes' name generators append (random parts use the alphabet
// "bcdfghjklmnpqrstvwxz2456789", 5 characters for generateName):
//   <deployment>-<rs hash: 5-10 of the alphabet>-<5 of the alphabet>  -> <deployment>
//   <cronjob>-<schedule: 8 digits>-<5 of the alphabet>               -> <cronjob>
//   <daemonset|job|replicaset>-<5 of the alphabet>                   -> <daemonset|job|replicaset>
//   <statefulset>-<ordinal: digits, no leading zero>                 -> <statefulset>
// Anything else (a bare pod) keeps its name. The pod name alone cannot tell a
// bare pod called "worker-2" from a StatefulSet replica; such a pod is named
// "worker".
std::string PodOwnerName(std::string_view pod_name);

struct IdentityOptions {
  // Filesystem prefix under which var/log/pods, var/log/containers,
  // var/lib/docker and run/ are looked up (a test points it at a temp dir).
  std::string root = "/";
  // Applied before the built-in names, first match wins.
  std::vector<NameRule> rules;
  // A cached directory listing is read again on a miss when the directory
  // changed, or when this long has passed since it was last read.
  std::chrono::milliseconds rescan_interval = std::chrono::seconds(5);
  // Read the kubelet's and the runtimes' files (2. and 3. above). Off, names
  // come from the rules and the cgroup path alone (a trace recorded on
  // another host, whose containers this host's files do not describe).
  bool metadata = true;
};

struct IdentityStats {
  uint64_t names = 0;            // Name() calls
  uint64_t by_rule = 0;          // answered by a configured rule
  uint64_t kubernetes = 0;       // answered from pod metadata
  uint64_t docker = 0;           // answered from a Docker container's name
  uint64_t podman = 0;           // answered from a podman container's name
  uint64_t unresolved = 0;       // container or pod cgroups whose metadata was not found
  uint64_t pod_scans = 0;        // listings of var/log/pods
  uint64_t container_scans = 0;  // listings of var/log/containers
  bool operator==(const IdentityStats&) const = default;
};

// The WorkloadNamer of a live host (see the top of this file). Invalid rules
// never match; check them with CheckNameRule first to report them. Not
// thread-safe.
class HostWorkloadNamer : public WorkloadNamer {
 public:
  explicit HostWorkloadNamer(IdentityOptions options = {});
  std::string Name(const std::string& cgroup_path) override;
  const IdentityStats& stats() const { return stats_; }

 private:
  struct Pod {
    std::string ns, name, dir;  // dir: the log directory's name
  };
  struct LoggedContainer {
    std::string pod, ns, container;
  };
  // When a directory listing was last read.
  struct Listing {
    bool read = false;
    std::filesystem::file_time_type mtime;
    std::chrono::steady_clock::time_point at;
  };

  std::optional<std::string> KubernetesName(const std::string& uid, const std::string& container_id);
  std::optional<std::string> DockerName(const std::string& container_id);
  std::optional<std::string> PodmanName(std::string_view cgroup_path, const std::string& container_id);
  std::string ContainerName(const Pod& pod, const std::string& container_id);
  const Pod* FindPod(const std::string& uid);
  const LoggedContainer* FindLogged(const std::string& container_id);
  bool Stale(Listing* listing, const std::filesystem::path& dir);

  IdentityOptions options_;
  std::filesystem::path root_;
  std::map<std::string, Pod> pods_;  // pod uid -> pod
  Listing pods_listing_;
  std::map<std::string, LoggedContainer> logged_;  // container id -> its log symlink's parts
  Listing logged_listing_;
  IdentityStats stats_;
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_IDENTITY_H_
