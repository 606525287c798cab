// collector/workload.h: the workload a cgroup path belongs to.
//
// A process in a plain cgroup belongs to the workload named by its cgroup path
// relative to the cgroup2 root ("shop/nginx"). Container-runtime paths resolve
// to the container, not to a pid or a transient scope:
//   kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
//   kubepods/burstable/pod<uid>/<id>
//   system.slice/docker-<id>.scope, docker/<id>
//   machine.slice/libpod-<id>.scope, crio-<id>.scope
// become "container:<first 12 hex of id>" (a pod uid, if present, becomes
// "pod:<uid>/container:<id12>"). systemd services ("system.slice/nginx.service")
// become the unit name ("nginx.service"). The root cgroup is "host".
// Pure and thread-safe. collector/identity.h builds names that survive churn
// (Kubernetes owners, Docker names, config rules) on top of these.
#ifndef DRIFTWATCH_COLLECTOR_WORKLOAD_H_
#define DRIFTWATCH_COLLECTOR_WORKLOAD_H_

#include <string>
#include <string_view>

namespace dw::collector {

std::string WorkloadFromCgroupPath(std::string_view cgroup_path);

// The Kubernetes pod and the container a cgroup path belongs to, by the same
// rules as WorkloadFromCgroupPath.
struct CgroupContainer {
  std::string pod_uid;       // pod uid as the kubelet writes it (dashes), "" outside a kubepods pod
  std::string container_id;  // the runtime's full 64-hex container id, "" when none
  bool operator==(const CgroupContainer&) const = default;
};
CgroupContainer ContainerOfCgroupPath(std::string_view cgroup_path);

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_WORKLOAD_H_
