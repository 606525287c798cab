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
// Pure and thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_WORKLOAD_H_
#define DRIFTWATCH_COLLECTOR_WORKLOAD_H_

#include <string>
#include <string_view>

namespace dw::collector {

std::string WorkloadFromCgroupPath(std::string_view cgroup_path);

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_WORKLOAD_H_
