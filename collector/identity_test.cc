// collector/identity_test.cc: workload names from kubelet, runtime and Docker
// metadata laid out in a temporary directory, and from config rules.
#include "collector/identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dw::collector {
namespace {

namespace fs = std::filesystem;

// A pod uid as the kubelet writes it (dashes), and as the systemd driver puts
// it in a slice name (underscores).
std::string Uid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-3b1d-4c6e-9a7f-1234567890ab", 0x0f5c8a00 + n);
  return buf;
}
std::string Underscored(std::string uid) {
  for (char& c : uid) {
    if (c == '-') c = '_';
  }
  return uid;
}
// A 64-hex container id; its first 12 characters name it in fallbacks.
std::string Id(int n) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02x", n);
  return std::string(buf) + "1c2b3a9d8e7f6051423344556677889900aabbccddeeff0011223344556677";
}
std::string Id12(int n) { return Id(n).substr(0, 12); }
constexpr char kStaticUid[] = "5c8f4b0e2d1a3c9b7e6f5a4d3c2b1a09";

// Container cgroups as each cgroup driver and runtime makes them.
std::string Systemd(const std::string& qos, const std::string& uid, const std::string& runtime,
                    const std::string& id) {
  std::string slice = qos.empty() ? "kubepods" : "kubepods-" + qos;
  std::string path = "kubepods.slice/";
  if (!qos.empty()) path += slice + ".slice/";
  path += slice + "-pod" + Underscored(uid) + ".slice";
  if (!id.empty()) path += "/" + runtime + "-" + id + ".scope";
  return path;
}
std::string Cgroupfs(const std::string& qos, const std::string& uid, const std::string& runtime,
                     const std::string& id) {
  std::string path = "kubepods/" + (qos.empty() ? "" : qos + "/") + "pod" + uid;
  if (!id.empty()) path += "/" + (runtime.empty() ? "" : runtime + "-") + id;
  return path;
}

struct Case {
  std::string path;
  std::string want;
};

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dw-identity-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Dir(const std::string& rel) { fs::create_directories(root_ / rel); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  // A pod's log directory with one subdirectory per container.
  void Pod(const std::string& ns, const std::string& name, const std::string& uid,
           const std::vector<std::string>& containers) {
    for (const std::string& c : containers) Write("var/log/pods/" + ns + "_" + name + "_" + uid + "/" + c + "/0.log", "");
  }
  // The kubelet's symlink for a running container.
  void LogLink(const std::string& ns, const std::string& pod, const std::string& uid, const std::string& container,
               const std::string& id) {
    Dir("var/log/containers");
    fs::create_symlink("/var/log/pods/" + ns + "_" + pod + "_" + uid + "/" + container + "/0.log",
                       root_ / "var/log/containers" / (pod + "_" + ns + "_" + container + "-" + id + ".log"));
  }
  // A directory's mtime moves whenever an entry is added; move it explicitly
  // too, so a coarse filesystem clock cannot hide the change from the test.
  void BumpMtime(const std::string& rel) {
    fs::last_write_time(root_ / rel, fs::last_write_time(root_ / rel) + std::chrono::seconds(1));
  }
  IdentityOptions Options() {
    IdentityOptions o;
    o.root = root_.string();
    return o;
  }

  fs::path root_;
};

TEST_F(IdentityTest, KubernetesWorkloadsKeepTheirNameAcrossReplicasAndRollouts) {
  Pod("shop", "web-7d9f8c6b5-x2kq9", Uid(1), {"nginx"});
  Pod("shop", "web-7d9f8c6b5-p4mzt", Uid(2), {"nginx"});  // a second replica
  Pod("shop", "web-5c6d7f8b9-hz7wq", Uid(3), {"nginx"});  // after a rollout: a new ReplicaSet
  Pod("shop", "db-0", Uid(4), {"postgres"});
  Pod("shop", "db-1", Uid(5), {"postgres"});
  Pod("monitoring", "node-exporter-8xkzq", Uid(6), {"node-exporter"});
  Pod("batch", "migrate-vq5rn", Uid(7), {"migrate"});
  Pod("batch", "backup-28675430-k2x9d", Uid(8), {"backup"});
  Pod("default", "debug", Uid(9), {"debug"});
  Pod("kube-system", "etcd-node1", kStaticUid, {"etcd"});
  // Two containers; the kubelet's symlinks tell which id is which.
  Pod("shop", "api-6b8d4f9c7-m2n4p", Uid(10), {"api", "istio-proxy"});
  LogLink("shop", "api-6b8d4f9c7-m2n4p", Uid(10), "api", Id(10));
  LogLink("shop", "api-6b8d4f9c7-m2n4p", Uid(10), "istio-proxy", Id(11));
  // Two containers, no symlinks and no runtime metadata: the id stays.
  Pod("shop", "api-6b8d4f9c7-q7r8s", Uid(12), {"api", "istio-proxy"});
  // A symlink of another pod does not name this pod's container.
  LogLink("shop", "api-6b8d4f9c7-m2n4p", Uid(10), "api", Id(13));

  HostWorkloadNamer namer(Options());
  const Case cases[] = {
      // One Deployment: every driver and runtime, both replicas, after the rollout.
      {Systemd("burstable", Uid(1), "cri-containerd", Id(1)), "shop/web/nginx"},
      {Systemd("besteffort", Uid(2), "crio", Id(2)), "shop/web/nginx"},
      {Systemd("", Uid(3), "docker", Id(3)), "shop/web/nginx"},
      {Cgroupfs("burstable", Uid(1), "", Id(1)), "shop/web/nginx"},
      {Cgroupfs("besteffort", Uid(2), "crio", Id(2)), "shop/web/nginx"},
      {Cgroupfs("", Uid(3), "", Id(3)), "shop/web/nginx"},
      {"/" + Cgroupfs("burstable", Uid(1), "", Id(1)) + "/", "shop/web/nginx"},
      // A pod-level cgroup.
      {Systemd("burstable", Uid(1), "", ""), "shop/web"},
      {Cgroupfs("", Uid(2), "", ""), "shop/web"},
      // StatefulSet, DaemonSet, Job, CronJob, bare and static pods.
      {Systemd("burstable", Uid(4), "cri-containerd", Id(4)), "shop/db/postgres"},
      {Cgroupfs("burstable", Uid(5), "", Id(5)), "shop/db/postgres"},
      {Systemd("burstable", Uid(6), "crio", Id(6)), "monitoring/node-exporter/node-exporter"},
      {Systemd("besteffort", Uid(7), "cri-containerd", Id(7)), "batch/migrate/migrate"},
      {Cgroupfs("besteffort", Uid(8), "", Id(8)), "batch/backup/backup"},
      {Systemd("", Uid(9), "cri-containerd", Id(9)), "default/debug/debug"},
      {Cgroupfs("burstable", kStaticUid, "", Id(20)), "kube-system/etcd-node1/etcd"},
      // Multi-container pods.
      {Systemd("burstable", Uid(10), "cri-containerd", Id(10)), "shop/api/api"},
      {Systemd("burstable", Uid(10), "cri-containerd", Id(11)), "shop/api/istio-proxy"},
      {Systemd("burstable", Uid(12), "cri-containerd", Id(12)), "shop/api/container:" + Id12(12)},
      {Systemd("burstable", Uid(12), "cri-containerd", Id(13)), "shop/api/container:" + Id12(13)},
      // A container's own sub-cgroups belong to it.
      {Systemd("burstable", Uid(1), "cri-containerd", Id(1)) + "/init.scope", "shop/web/nginx"},
      // Unknown pods keep the path-derived name.
      {Systemd("burstable", Uid(30), "cri-containerd", Id(30)), "pod:" + Uid(30) + "/container:" + Id12(30)},
      {Cgroupfs("burstable", Uid(30), "", ""), "pod:" + Uid(30)},
      // Not pods.
      {"system.slice/nginx.service", "nginx.service"},
      {"system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service"},
      {"shop/nginx", "shop/nginx"},
      {"", "host"},
  };
  for (const Case& c : cases) EXPECT_EQ(namer.Name(c.path), c.want) << "path: " << c.path;
  // 21 pod cgroups found (the unknown pod rescanned once: the listing is
  // fresh and unchanged after that), 2 unknown.
  IdentityStats want;
  want.names = std::size(cases);
  want.kubernetes = 21;
  want.unresolved = 2;
  want.pod_scans = 1;
  want.container_scans = 1;
  EXPECT_EQ(namer.stats(), want);
}

TEST_F(IdentityTest, ContainerNamesFromRuntimeMetadata) {
  // A pod with a sidecar and no /var/log/containers symlinks yet: the runtimes'
  // own metadata, written before the container starts, names each id.
  Pod("shop", "cart-6b8d4f9c7-z9x8w", Uid(1), {"cart", "istio-proxy"});
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + Id(1) + "/config.json",
        R"({"ociVersion":"1.1.0","process":{"args":["/cart"]},"annotations":{
            "io.kubernetes.cri.container-type":"container","io.kubernetes.cri.container-name":"cart",
            "io.kubernetes.cri.sandbox-name":"cart-6b8d4f9c7-z9x8w","io.kubernetes.cri.sandbox-namespace":"shop"}})");
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + Id(2) + "/config.json",
        R"({"annotations":{"io.kubernetes.cri.container-type":"sandbox",
            "io.kubernetes.cri.sandbox-name":"cart-6b8d4f9c7-z9x8w"}})");
  Write("run/containers/storage/overlay-containers/" + Id(3) + "/userdata/config.json",
        R"({"annotations":{"io.kubernetes.container.name":"istio-proxy",
            "io.kubernetes.pod.name":"cart-6b8d4f9c7-z9x8w","io.kubernetes.pod.namespace":"shop",
            "io.kubernetes.cri-o.ContainerType":"container"}})");
  Write("run/containers/storage/overlay-containers/" + Id(4) + "/userdata/config.json",
        R"({"annotations":{"io.kubernetes.container.name":"POD","io.kubernetes.cri-o.ContainerType":"sandbox"}})");
  Write("var/lib/docker/containers/" + Id(5) + "/config.v2.json",
        R"({"Name":"/k8s_cart_cart-6b8d4f9c7-z9x8w_shop_)" + Uid(1) + R"(_0",
            "Config":{"Labels":{"io.kubernetes.container.name":"cart","io.kubernetes.docker.type":"container"}}})");
  // Metadata that names nothing usable: the id stays.
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + Id(6) + "/config.json", R"({"annotations":)");
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + Id(7) + "/config.json",
        R"({"annotations":{"io.kubernetes.cri.container-name":"a/b"}})");
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + Id(8) + "/config.json",
        R"({"annotations":["io.kubernetes.cri.container-name","cart"]})");
  // A single-container pod: its sandbox is still the sandbox.
  Pod("shop", "web-7d9f8c6b5-x2kq9", Uid(2), {"nginx"});
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + Id(9) + "/config.json",
        R"({"annotations":{"io.kubernetes.cri.container-type":"sandbox"}})");

  HostWorkloadNamer namer(Options());
  const Case cases[] = {
      {Systemd("burstable", Uid(1), "cri-containerd", Id(1)), "shop/cart/cart"},
      {Systemd("burstable", Uid(1), "cri-containerd", Id(2)), "shop/cart/POD"},
      {Systemd("burstable", Uid(1), "crio", Id(3)), "shop/cart/istio-proxy"},
      {Cgroupfs("burstable", Uid(1), "crio", Id(4)), "shop/cart/POD"},
      {Systemd("burstable", Uid(1), "docker", Id(5)), "shop/cart/cart"},
      {Systemd("burstable", Uid(1), "cri-containerd", Id(6)), "shop/cart/container:" + Id12(6)},
      {Systemd("burstable", Uid(1), "cri-containerd", Id(7)), "shop/cart/container:" + Id12(7)},
      {Systemd("burstable", Uid(1), "cri-containerd", Id(8)), "shop/cart/container:" + Id12(8)},
      {Systemd("burstable", Uid(2), "cri-containerd", Id(9)), "shop/web/POD"},
      {Systemd("burstable", Uid(2), "cri-containerd", Id(10)), "shop/web/nginx"},
  };
  for (const Case& c : cases) EXPECT_EQ(namer.Name(c.path), c.want) << "path: " << c.path;
}

TEST_F(IdentityTest, DockerContainerNames) {
  Write("var/lib/docker/containers/" + Id(1) + "/config.v2.json",
        R"({"ID":")" + Id(1) + R"(","Name":"/web","Config":{"Image":"nginx:1.25","Labels":{}},
            "State":{"Running":true,"Pid":4242}})");
  Write("var/lib/docker/containers/" + Id(2) + "/config.v2.json", R"({"Name":"/db"})");
  Write("var/lib/docker/containers/" + Id(3) + "/config.v2.json", R"({"Name":"/web")");  // truncated
  Write("var/lib/docker/containers/" + Id(4) + "/config.v2.json", R"(["Name","/web"])");
  Write("var/lib/docker/containers/" + Id(5) + "/config.v2.json", R"({"Name":42})");
  Write("var/lib/docker/containers/" + Id(6) + "/config.v2.json", R"({"Name":"/"})");
  Dir("var/lib/docker/containers/" + Id(7) + "/config.v2.json");  // unreadable: a directory
  Write("var/lib/docker/containers/" + Id(8) + "/config.v2.json", "");

  HostWorkloadNamer namer(Options());
  const Case cases[] = {
      {"system.slice/docker-" + Id(1) + ".scope", "docker/web"},
      {"docker/" + Id(2), "docker/db"},
      {"system.slice/docker-" + Id(1) + ".scope/system.slice/cron.service", "docker/web"},
      {"system.slice/docker-" + Id(3) + ".scope", "container:" + Id12(3)},
      {"system.slice/docker-" + Id(4) + ".scope", "container:" + Id12(4)},
      {"system.slice/docker-" + Id(5) + ".scope", "container:" + Id12(5)},
      {"system.slice/docker-" + Id(6) + ".scope", "container:" + Id12(6)},
      {"system.slice/docker-" + Id(7) + ".scope", "container:" + Id12(7)},
      {"system.slice/docker-" + Id(8) + ".scope", "container:" + Id12(8)},
      {"system.slice/docker-" + Id(9) + ".scope", "container:" + Id12(9)},  // no file
      {"machine.slice/libpod-" + Id(10) + ".scope", "container:" + Id12(10)},
  };
  for (const Case& c : cases) EXPECT_EQ(namer.Name(c.path), c.want) << "path: " << c.path;
  IdentityStats want;
  want.names = std::size(cases);
  want.docker = 3;
  want.unresolved = 8;
  EXPECT_EQ(namer.stats(), want);
}

// podman's containers by their name, as Docker's: a container recreated
// under its name (a new id) is the same workload. CRI-O writes the same
// files without podman's annotation; its containers are not podman's.
TEST_F(IdentityTest, PodmanContainerNames) {
  const std::string store = "var/lib/containers/storage/overlay-containers/";
  const std::string libpod = R"({"annotations":{"io.container.manager":"libpod"}})";
  Write(store + Id(1) + "/userdata/config.json", libpod);
  Write(store + Id(2) + "/userdata/config.json", libpod);  // the same name, recreated
  Write(store + Id(3) + "/userdata/config.json", libpod);  // only metadata names it
  Write(store + Id(4) + "/userdata/config.json", R"({"annotations":{"io.kubernetes.cri-o.ContainerType":"container"}})");
  Write(store + Id(5) + "/userdata/config.json", libpod);  // not in containers.json
  Write(store + Id(6) + "/userdata/config.json", libpod);  // a name with a slash
  Write(store + "containers.json",
        R"([{"id":")" + Id(1) + R"(","names":["web"]},
            {"id":")" + Id(2) + R"(","names":["web"],"metadata":"{\"name\":\"other\"}"},
            {"id":")" + Id(3) + R"(","names":[],"metadata":"{\"name\":\"db\"}"},
            {"id":")" + Id(4) + R"(","names":["crio"]},
            {"id":")" + Id(6) + R"(","names":["a/b"]}])");
  HostWorkloadNamer namer(Options());
  const Case cases[] = {
      {"machine.slice/libpod-" + Id(1) + ".scope", "podman/web"},
      {"machine.slice/libpod-" + Id(1) + ".scope/container", "podman/web"},
      {"libpod_parent/libpod-" + Id(2), "podman/web"},
      {"machine.slice/libpod-" + Id(3) + ".scope", "podman/db"},
      {"machine.slice/libpod-" + Id(4) + ".scope", "container:" + Id12(4)},
      {"machine.slice/libpod-" + Id(5) + ".scope", "container:" + Id12(5)},
      {"machine.slice/libpod-" + Id(6) + ".scope", "container:" + Id12(6)},
  };
  for (const Case& c : cases) EXPECT_EQ(namer.Name(c.path), c.want) << "path: " << c.path;
  EXPECT_EQ(namer.stats().podman, 4u);
  EXPECT_EQ(namer.stats().unresolved, 3u);
  // A containers.json that is no list names nothing.
  Write(store + "containers.json", R"({"id":")" + Id(1) + R"("})");
  HostWorkloadNamer again(Options());
  EXPECT_EQ(again.Name("machine.slice/libpod-" + Id(1) + ".scope"), "container:" + Id12(1));
}

// Rootless podman keeps its containers in its user's home: a container in
// that user's systemd (user-<uid>.slice) is named from there, its home found
// in /etc/passwd; the same id in another user's slice or without a passwd
// entry is not.
TEST_F(IdentityTest, RootlessPodmanContainersAreNamedFromTheirUsersStorage) {
  const std::string store = "home/alice/.local/share/containers/storage/overlay-containers/";
  Write(store + Id(1) + "/userdata/config.json", R"({"annotations":{"io.container.manager":"libpod"}})");
  Write(store + "containers.json", R"([{"id":")" + Id(1) + R"(","names":["notes"]}])");
  Write("etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n"
        "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
        "bob:x:1001:1001::/home/bob:/bin/sh\n");
  const std::string user = "user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + Id(1) + ".scope";
  HostWorkloadNamer namer(Options());
  EXPECT_EQ(namer.Name(user), "podman/notes");
  EXPECT_EQ(namer.Name(user + "/container"), "podman/notes");
  EXPECT_EQ(namer.Name("user.slice/user-1001.slice/user@1001.service/user.slice/libpod-" + Id(1) + ".scope"),
            "container:" + Id12(1));
  EXPECT_EQ(namer.Name("user.slice/user-1002.slice/user@1002.service/user.slice/libpod-" + Id(1) + ".scope"),
            "container:" + Id12(1));
  EXPECT_EQ(namer.Name("machine.slice/libpod-" + Id(1) + ".scope"), "container:" + Id12(1));
}

TEST_F(IdentityTest, MissingMetadataFallsBackToThePath) {
  // No var/log at all.
  HostWorkloadNamer bare(Options());
  EXPECT_EQ(bare.Name(Systemd("burstable", Uid(1), "cri-containerd", Id(1))),
            "pod:" + Uid(1) + "/container:" + Id12(1));
  // Directory names that are not "<namespace>_<pod>_<uid>" are skipped.
  Dir("var/log/pods/shop_web-x2kq9");
  Dir("var/log/pods/shop_web_x2kq9_" + Uid(2));
  Dir("var/log/pods/_web_" + Uid(3));
  Write("var/log/pods/README", "");
  HostWorkloadNamer namer(Options());
  const Case cases[] = {
      {Cgroupfs("burstable", Uid(2), "", Id(2)), "pod:" + Uid(2) + "/container:" + Id12(2)},
      {Cgroupfs("burstable", Uid(3), "", Id(3)), "pod:" + Uid(3) + "/container:" + Id12(3)},
      {Cgroupfs("burstable", Uid(2), "", ""), "pod:" + Uid(2)},
      // Not a pod uid: a container outside any pod, and no Docker config for it.
      {Cgroupfs("burstable", "x2kq9", "", Id(4)), "container:" + Id12(4)},
  };
  for (const Case& c : cases) EXPECT_EQ(namer.Name(c.path), c.want) << "path: " << c.path;
}

TEST_F(IdentityTest, ListingsAreReadAgainOnlyWhenChangedOrOld) {
  Pod("shop", "web-7d9f8c6b5-x2kq9", Uid(1), {"nginx", "sidecar"});
  Dir("var/log/containers");
  IdentityOptions options = Options();
  options.rescan_interval = std::chrono::hours(1);
  HostWorkloadNamer namer(options);

  // A miss reads the listing; a second miss on an unchanged listing does not.
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(2), "", Id(2))), "pod:" + Uid(2) + "/container:" + Id12(2));
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(3), "", Id(3))), "pod:" + Uid(3) + "/container:" + Id12(3));
  EXPECT_EQ(namer.stats().pod_scans, 1u);
  // A pod that appears is found on the next miss; known pods cost no read.
  Pod("shop", "web-7d9f8c6b5-p4mzt", Uid(3), {"nginx"});
  BumpMtime("var/log/pods");
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(3), "", Id(3))), "shop/web/nginx");
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(3), "", Id(4))), "shop/web/nginx");
  EXPECT_EQ(namer.stats().pod_scans, 2u);

  // The same for the container symlinks (read once above, for Id(3)).
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(1), "", Id(1))), "shop/web/container:" + Id12(1));
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(1), "", Id(5))), "shop/web/container:" + Id12(5));
  EXPECT_EQ(namer.stats().container_scans, 1u);
  LogLink("shop", "web-7d9f8c6b5-x2kq9", Uid(1), "sidecar", Id(1));
  BumpMtime("var/log/containers");
  EXPECT_EQ(namer.Name(Cgroupfs("", Uid(1), "", Id(1))), "shop/web/sidecar");
  EXPECT_EQ(namer.stats().container_scans, 2u);

  // With no interval every miss reads again.
  options.rescan_interval = std::chrono::milliseconds(0);
  HostWorkloadNamer eager(options);
  eager.Name(Cgroupfs("", Uid(8), "", Id(8)));
  eager.Name(Cgroupfs("", Uid(9), "", Id(9)));
  EXPECT_EQ(eager.stats().pod_scans, 2u);
}

TEST_F(IdentityTest, RulesComeFirstAndUseCaptures) {
  Pod("shop", "web-7d9f8c6b5-x2kq9", Uid(1), {"nginx"});
  IdentityOptions options = Options();
  options.rules = {
      {"batch/*/worker-*", "batch-$1"},
      {"batch/**", "batch-other"},
      {"**/app-*.scope", "app/$2"},
      {"system.slice/nginx.service", "web-frontend"},
      {"kubepods/besteffort/**", "besteffort"},
      {"tenants/*/*", "$2@$1"},
      {"price/*", "$$$1"},
      {"g/*-*", "$1|$2"},
      {"opt/**/svc", "$1"},  // empty for opt/svc: does not apply
      {"opt/**", "opt-any"},
      {"x/**y", "never"},  // invalid: never matches
      {"x/*", "$2"},       // invalid: never matches
  };
  HostWorkloadNamer namer(options);
  const Case cases[] = {
      {"batch/etl/worker-3", "batch-etl"},
      {"batch/etl/cron", "batch-other"},
      {"batch", "batch-other"},
      {"user.slice/user-1000.slice/app-mail.scope", "app/mail"},
      {"app-x.scope", "app/x"},
      {"system.slice/nginx.service", "web-frontend"},
      {"system.slice/sshd.service", "sshd.service"},
      {Cgroupfs("besteffort", Uid(1), "", Id(1)), "besteffort"},
      {Cgroupfs("burstable", Uid(1), "", Id(1)), "shop/web/nginx"},
      {"tenants/acme/api", "api@acme"},
      {"/tenants/acme/api/", "api@acme"},
      {"tenants/acme", "tenants/acme"},
      {"tenants/acme/api/v2", "tenants/acme/api/v2"},
      {"price/eur", "$eur"},
      {"g/a-b-c", "a-b|c"},
      {"opt/svc", "opt-any"},
      {"opt/a/b/svc", "a/b"},
      {"x/y", "x/y"},
      {"", "host"},
  };
  for (const Case& c : cases) EXPECT_EQ(namer.Name(c.path), c.want) << "path: " << c.path;
  EXPECT_EQ(namer.stats().by_rule, 13u);
}

TEST(NameRuleTest, Check) {
  struct RuleCase {
    NameRule rule;
    std::string error;  // "" for ok
  };
  const RuleCase cases[] = {
      {{"tenants/*/*", "$2@$1"}, ""},
      {{"**", "all"}, ""},
      {{"a", "cost$$"}, ""},
      {{"", "x"}, R"(name rule "" -> "x": empty pattern)"},
      {{"/", "x"}, R"(name rule "/" -> "x": empty pattern)"},
      {{"a", ""}, R"(name rule "a" -> "": empty name)"},
      {{"a/b**", "x"}, R"(name rule "a/b**" -> "x": ** must be a whole path component)"},
      {{"a/*", "$2"}, R"(name rule "a/*" -> "$2": $2 but the pattern has 1 wildcard(s))"},
      {{"a", "cost$"}, R"(name rule "a" -> "cost$": $ must be followed by 1-9 or $)"},
      {{"a/*", "$0"}, R"(name rule "a/*" -> "$0": $ must be followed by 1-9 or $)"},
  };
  for (const RuleCase& c : cases) {
    Status s = CheckNameRule(c.rule);
    EXPECT_EQ(s.message(), c.error) << c.rule.pattern;
    EXPECT_EQ(s.code(), c.error.empty() ? ErrorCode::kOk : ErrorCode::kInvalidArgument) << c.rule.pattern;
  }
}

TEST(PodOwnerNameTest, Table) {
  const Case cases[] = {
      // Deployments: <rs hash>-<suffix>; hashes of 5 to 10 characters.
      {"web-7d9f8c6b5-x2kq9", "web"},
      {"web-5c6d7f8b9-hz7wq", "web"},
      {"nginx-deployment-66b6c48dd5-4jw2p", "nginx-deployment"},
      {"coredns-5d78c9869d-7kq2x", "coredns"},
      {"api-b8d4f-m2n4p", "api"},
      {"api-5f7b9c8d645-m2n4p", "api-5f7b9c8d645"},  // 11: not a hash
      // CronJob jobs: <8 digit schedule>-<suffix>.
      {"backup-28675430-k2x9d", "backup"},
      {"report-2024-x2kq9", "report-2024"},
      // DaemonSets, Jobs, bare ReplicaSets: <suffix>.
      {"kube-proxy-8xkzq", "kube-proxy"},
      {"node-exporter-8xkzq", "node-exporter"},
      {"migrate-vq5rn", "migrate"},
      {"a-b-x2kq9", "a-b"},
      // StatefulSets: <ordinal>.
      {"db-0", "db"},
      {"db-12", "db"},
      {"db-012", "db-012"},
      {"kafka-broker-2", "kafka-broker"},
      // Kept.
      {"debug", "debug"},
      {"x2kq9", "x2kq9"},
      {"-x2kq9", "-x2kq9"},
      {"web-", "web-"},
      {"web-x2kq", "web-x2kq"},
      {"web-abcde", "web-abcde"},  // vowels are not in the alphabet
      {"web-X2KQ9", "web-X2KQ9"},
      {"etcd-node1", "etcd-node1"},
  };
  for (const Case& c : cases) EXPECT_EQ(PodOwnerName(c.path), c.want) << "pod: " << c.path;
}

}  // namespace
}  // namespace dw::collector
