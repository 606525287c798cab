// collector/workload_test.cc: workload names of real-looking cgroup paths.
#include "collector/workload.h"

#include <gtest/gtest.h>

#include <string>

namespace dw::collector {
namespace {

// Container ids and pod uids as runtimes and the kubelet write them.
constexpr char kId[] = "4f1c2b3a9d8e7f6051423344556677889900aabbccddeeff0011223344556677";
constexpr char kId2[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kUid[] = "0f5c8a2e-3b1d-4c6e-9a7f-1234567890ab";
constexpr char kUidUnderscored[] = "0f5c8a2e_3b1d_4c6e_9a7f_1234567890ab";
constexpr char kStaticUid[] = "5c8f4b0e2d1a3c9b7e6f5a4d3c2b1a09";

struct Case {
  std::string path;
  std::string want;
};

TEST(WorkloadTest, Table) {
  const std::string id = kId, id2 = kId2, uid = kUid, uid_ = kUidUnderscored;
  const std::string c12 = "container:4f1c2b3a9d8e", c12b = "container:e3b0c44298fc";
  const Case cases[] = {
      // The root.
      {"", "host"},
      {"/", "host"},
      // Kubernetes, systemd cgroup driver, each runtime.
      {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_ + ".slice/cri-containerd-" + id +
           ".scope",
       "pod:" + uid + "/" + c12},
      {"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid_ + ".slice/crio-" + id + ".scope",
       "pod:" + uid + "/" + c12},
      {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_ + ".slice/docker-" + id2 + ".scope",
       "pod:" + uid + "/" + c12b},
      // Guaranteed pods sit directly under kubepods.slice.
      {"kubepods.slice/kubepods-pod" + uid_ + ".slice/cri-containerd-" + id + ".scope", "pod:" + uid + "/" + c12},
      // A pod-level cgroup, no container part.
      {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_ + ".slice", "pod:" + uid},
      {"kubepods.slice/kubepods-pod" + uid_ + ".slice", "pod:" + uid},
      // QoS slices hold no pod: plain paths.
      {"kubepods.slice/kubepods-burstable.slice", "kubepods.slice/kubepods-burstable.slice"},
      {"kubepods.slice", "kubepods.slice"},
      // Kubernetes, cgroupfs driver.
      {"kubepods/burstable/pod" + uid + "/" + id, "pod:" + uid + "/" + c12},
      {"kubepods/besteffort/pod" + uid + "/" + id2, "pod:" + uid + "/" + c12b},
      {"kubepods/pod" + uid + "/" + id, "pod:" + uid + "/" + c12},
      {"kubepods/burstable/pod" + uid, "pod:" + uid},
      {"kubepods/burstable/pod" + uid + "/crio-" + id, "pod:" + uid + "/" + c12},
      // A static pod: the uid is a 32-hex hash of its manifest.
      {"kubepods/burstable/pod" + std::string(kStaticUid) + "/" + id, "pod:" + std::string(kStaticUid) + "/" + c12},
      // kubelet with --cgroup-root (kind): still recognised.
      {"kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod" +
           uid_ + ".slice/cri-containerd-" + id + ".scope",
       "pod:" + uid + "/" + c12},
      // Leading slash as in /proc/<pid>/cgroup.
      {"/kubepods/pod" + uid + "/" + id, "pod:" + uid + "/" + c12},
      // Docker and other runtimes without a pod.
      {"system.slice/docker-" + id + ".scope", c12},
      {"docker/" + id, c12},
      {"docker-" + id + ".scope", c12},
      {"machine.slice/libpod-" + id + ".scope", c12},
      {"machine.slice/libpod-" + id + ".scope/container", c12},
      {"system.slice/crio-" + id + ".scope", c12},
      {"system.slice/cri-containerd-" + id + ".scope", c12},
      {"user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id2 + ".scope", c12b},
      // A container running systemd: its own sub-cgroups belong to it.
      {"system.slice/docker-" + id + ".scope/system.slice/nginx.service", c12},
      // A runtime monitor is not the container; nor is a short id.
      {"machine.slice/libpod-conmon-" + id + ".scope", "machine.slice/libpod-conmon-" + id + ".scope"},
      {"system.slice/docker-4f1c2b3a9d8e.scope", "system.slice/docker-4f1c2b3a9d8e.scope"},
      // Upper-case hex is not a runtime's id.
      {"docker/4F1C2B3A9D8E7F6051423344556677889900AABBCCDDEEFF0011223344556677",
       "docker/4F1C2B3A9D8E7F6051423344556677889900AABBCCDDEEFF0011223344556677"},
      // "pod..." outside kubepods is a plain cgroup.
      {"shop/pod" + uid, "shop/pod" + uid},
      // systemd services.
      {"system.slice/nginx.service", "nginx.service"},
      {"system.slice/containerd.service", "containerd.service"},
      {"system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service"},
      {"system.slice/docker.service", "docker.service"},
      {"system.slice/postgresql@15-main.service/worker", "postgresql@15-main.service"},
      {"system.slice/run-r2f0e.scope", "system.slice/run-r2f0e.scope"},
      {"system.slice", "system.slice"},
      // User sessions and other systemd units stay plain.
      {"user.slice/user-1000.slice/session-3.scope", "user.slice/user-1000.slice/session-3.scope"},
      {"user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
       "user.slice/user-1000.slice/user@1000.service/app.slice/foo.service"},
      {"init.scope", "init.scope"},
      // Plain cgroups.
      {"shop/nginx", "shop/nginx"},
      {"shop/nginx/", "shop/nginx"},
      {"batch", "batch"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WorkloadFromCgroupPath(c.path), c.want) << "path: " << c.path;
  }
}

TEST(WorkloadTest, ContainerOfCgroupPath) {
  const std::string id = kId, uid = kUid, uid_ = kUidUnderscored;
  struct ContainerCase {
    std::string path;
    CgroupContainer want;
  };
  const ContainerCase cases[] = {
      {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_ + ".slice/cri-containerd-" + id +
           ".scope/init",
       {uid, id}},
      {"kubepods/besteffort/pod" + uid + "/crio-" + id, {uid, id}},
      {"kubepods/burstable/pod" + uid, {uid, ""}},
      {"/system.slice/docker-" + id + ".scope", {"", id}},
      {"shop/pod" + uid + "/" + id, {"", id}},
      {"system.slice/nginx.service", {"", ""}},
      {"", {"", ""}},
  };
  for (const ContainerCase& c : cases) {
    EXPECT_EQ(ContainerOfCgroupPath(c.path), c.want) << "path: " << c.path;
  }
}

}  // namespace
}  // namespace dw::collector
