// collector/runtime_context.h: the node, container and pod a cgroup belongs
// to, read from the container runtimes' own state on disk.
//
// For a container cgroup (collector/workload.h ContainerOfCgroupPath), the
// first runtime that knows the container id answers:
//   containerd  <root>/run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>/config.json
//               annotations io.kubernetes.cri.{container-name,image-name,sandbox-*}
//   CRI-O       <root>/run/containers/storage/overlay-containers/<id>/userdata/config.json
//               annotations io.kubernetes.cri-o.{ImageName,Labels,SandboxID,...}; pod
//               labels from the sandbox's io.kubernetes.cri-o.Labels
//   podman      <root>/var/lib/containers/storage/overlay-containers/containers.json
//               (names, metadata.image-name), recognised by the annotation
//               io.container.manager=libpod in .../<id>/userdata/config.json
//   Docker      <root>/var/lib/docker/containers/<id>/config.v2.json (Name,
//               Config.Image, Config.Labels; cri-dockerd's pods: the sandbox
//               container's labels are the pod's labels)
// Kubernetes namespace and pod name come from the runtime's annotations or
// labels, else from the kubelet's <root>/var/log/pods/<ns>_<pod>_<uid>/ for
// the pod uid in the cgroup path. containerd keeps pod labels only in its
// bolt database (meta.db), which is not read: its pods have no labels here.
// Anything missing, unreadable or malformed leaves its fields empty; nothing
// is asked of a daemon or an API server.
#ifndef DRIFTWATCH_COLLECTOR_RUNTIME_CONTEXT_H_
#define DRIFTWATCH_COLLECTOR_RUNTIME_CONTEXT_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "collector/event.h"
#include "collector/status.h"

namespace dw::collector {

// Splits an image reference at its tag: "docker.io/library/nginx:1.25" ->
// {"docker.io/library/nginx", "1.25"}; "localhost:5000/app" -> {"localhost:5000/app", ""};
// "app@sha256:..." -> {"app", ""}.
std::pair<std::string, std::string> SplitImageReference(std::string_view image);

// The one encoding of a RuntimeContext as a JSON object (the store keeps it in
// this form): keys node, runtime, container {id, name, image, repository,
// tag}, pod {namespace, name, uid, owner, labels}; empty fields and groups are
// left out, and an empty context is "".
std::string RuntimeContextToJson(const RuntimeContext& c);
// The inverse; "" is the empty context; kCorrupt for anything else that is
// not such an object.
Result<RuntimeContext> RuntimeContextFromJson(std::string_view text);

struct RuntimeContextOptions {
  // Filesystem prefix under which run/, var/lib and var/log are looked up.
  std::string root = "/";
  // The node name every context carries; "" takes this host's uname nodename.
  std::string node;
  // Read the runtimes' files. Off for a replayed trace, whose containers
  // these files (of this host, now) do not describe: its contexts hold the
  // node and the container id and pod uid of the cgroup path only.
  bool runtimes = true;
};

// Reads contexts on a live host. Each cgroup path is looked up once and
// cached, a container's metadata is written by its runtime before its first
// process runs. Not thread-safe.
class RuntimeContextReader {
 public:
  explicit RuntimeContextReader(RuntimeContextOptions options = {});
  // The context of the cgroup at `cgroup_path` (relative to the cgroup2 root);
  // never null.
  std::shared_ptr<const RuntimeContext> Of(const std::string& cgroup_path);
  // Cgroups looked up, and container cgroups no runtime knew.
  uint64_t lookups() const { return lookups_; }
  uint64_t unresolved() const { return unresolved_; }

 private:
  RuntimeContext Read(const std::string& cgroup_path);

  RuntimeContextOptions options_;
  std::map<std::string, std::shared_ptr<const RuntimeContext>> cache_;
  uint64_t lookups_ = 0;
  uint64_t unresolved_ = 0;
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_RUNTIME_CONTEXT_H_
