// collector/testing/pod_trace.h: a synthetic trace of one Kubernetes container
// and the kubelet's and containerd's files that name it, for tests of the
// pipeline and the agent without root. Header-only.
#ifndef DRIFTWATCH_COLLECTOR_TESTING_POD_TRACE_H_
#define DRIFTWATCH_COLLECTOR_TESTING_POD_TRACE_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "collector/testing/records.h"
#include "collector/trace_file.h"

namespace dw::collector::testing {

// Pod "web-7d4b9c8f6-x2kq9" of Deployment "web" in namespace "shop", its
// container "nginx" run by containerd under the systemd cgroup driver:
// HostWorkloadNamer names it kPodWorkload when it reads the files
// WritePodMetadata() makes, and "pod:<uid>/container:<id12>" without them.
inline constexpr char kPodUid[] = "3f1c2b4a-9d8e-4f7a-b6c5-0a1b2c3d4e5f";
inline constexpr char kPodContainerId[] = "4a7e0c1d2b3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b";
inline constexpr char kPodWorkload[] = "shop/web/nginx";
inline constexpr uint64_t kPodCgroupId = 4242;
inline constexpr int64_t kPodBootToUnixNs = 1'790'000'000'000'000'000;  // 2026-09

inline std::string PodCgroupPath() {
  std::string uid = kPodUid;
  for (char& c : uid) {
    if (c == '-') c = '_';
  }
  return "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid +
         ".slice/cri-containerd-" + kPodContainerId + ".scope";
}

// The files under `root` (a test's temporary directory) that name the pod's
// container: the kubelet's log directory and containerd's bundle config.
inline void WritePodMetadata(const std::filesystem::path& root) {
  auto write = [&](const std::string& rel, const std::string& text) {
    std::filesystem::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  };
  write(std::string("var/log/pods/shop_web-7d4b9c8f6-x2kq9_") + kPodUid + "/nginx/0.log", "");
  write(std::string("run/containerd/io.containerd.runtime.v2.task/k8s.io/") + kPodContainerId + "/config.json",
        R"({"annotations":{"io.kubernetes.cri.container-type":"container",)"
        R"("io.kubernetes.cri.container-name":"nginx","io.kubernetes.cri.sandbox-name":"web-7d4b9c8f6-x2kq9",)"
        R"("io.kubernetes.cri.sandbox-namespace":"shop"}})");
}

// A fresh directory for one test, `<tmp>/<prefix>-<pid>-<test>`, with the
// pod's metadata under its root/ (WritePodMetadata). The caller removes it.
inline std::filesystem::path PodTestDir(const std::string& prefix, const std::string& test) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(getpid()) + "-" + test);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "root");
  WritePodMetadata(dir / "root");
  return dir;
}

// Training: nginx starts, reads its config and the site, 1 s to 2 s after boot.
inline std::vector<std::string> PodTrainingRecords() {
  Who nginx{.ts_boot_ns = 1'000'000'000, .cgroup_id = kPodCgroupId, .pid = 100, .ppid = 1, .comm = "nginx"};
  std::vector<std::string> out;
  out.push_back(ExecRecord(nginx, "/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}));
  for (int i = 0; i < 5; ++i) {
    nginx.ts_boot_ns += 100'000'000;
    out.push_back(OpenRecord(nginx, "/etc/nginx/nginx.conf", DW_ACCESS_READ));
    out.push_back(OpenRecord(nginx, "/usr/share/nginx/html/index.html", DW_ACCESS_READ));
  }
  return out;
}

// Drift, 100 s after boot: a shell in the container runs whoami and reads /etc/shadow.
inline std::vector<std::string> PodDriftRecords() {
  Who sh{.ts_boot_ns = 100'000'000'000, .cgroup_id = kPodCgroupId, .pid = 200, .ppid = 100, .comm = "sh"};
  std::vector<std::string> out;
  out.push_back(ExecRecord(sh, "/usr/bin/whoami", {"whoami"}));
  sh.ts_boot_ns += 1'000'000;
  out.push_back(OpenRecord(sh, "/etc/shadow", DW_ACCESS_READ));
  return out;
}

// Writes the trace to `path`: the training records as one chunk, then the
// drift records as another. `hostname` is the node it says it was recorded on.
inline Status WritePodTrace(const std::string& path, const std::string& hostname) {
  TraceHeader header;
  header.hostname = hostname;
  header.boot_to_unix_ns = kPodBootToUnixNs;
  header.created_ns = kPodBootToUnixNs;
  ASSIGN_OR_RETURN(auto writer, TraceWriter::Create(path, header));
  writer->AddCgroup(kPodCgroupId, PodCgroupPath());
  for (const auto& records : {PodTrainingRecords(), PodDriftRecords()}) {
    for (const std::string& r : records) {
      RETURN_IF_ERROR(writer->Append(std::span(reinterpret_cast<const uint8_t*>(r.data()), r.size())));
    }
    RETURN_IF_ERROR(writer->Flush());
  }
  return writer->Close();
}

}  // namespace dw::collector::testing

#endif  // DRIFTWATCH_COLLECTOR_TESTING_POD_TRACE_H_
