// collector/runtime_context_test.cc: node, container and pod context from
// Docker, podman, containerd and CRI-O metadata laid out in a temporary
// directory as each runtime writes it, and its JSON encoding.
#include "collector/runtime_context.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

namespace dw {
// Readable failures: the one JSON encoding.
void PrintTo(const RuntimeContext& c, std::ostream* os) { *os << collector::RuntimeContextToJson(c); }
}  // namespace dw

namespace dw::collector {
namespace {

namespace fs = std::filesystem;

std::string Id(char c) { return std::string(64, c); }
constexpr char kUid[] = "0f5c8a01-3b1d-4c6e-9a7f-1234567890ab";

class RuntimeContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("dw-rtctx-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& rel, const std::string& text) {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  RuntimeContext Of(const std::string& cgroup_path) {
    RuntimeContextReader reader({.root = root_.string(), .node = "node-1"});
    return *reader.Of(cgroup_path);
  }

  fs::path root_;
};

TEST_F(RuntimeContextTest, HostProcessHasOnlyTheNode) {
  RuntimeContext want;
  want.node = "node-1";
  EXPECT_EQ(Of("system.slice/sshd.service"), want);
  EXPECT_EQ(Of(""), want);
}

// The context of container `id` of `runtime` on node-1, named `name`, of
// image `repository`:`tag`.
RuntimeContext ContainerContext(const std::string& runtime, const std::string& id, const std::string& name,
                                const std::string& repository, const std::string& tag) {
  RuntimeContext c;
  c.node = "node-1";
  c.runtime = runtime;
  c.container_id = id;
  c.container_name = name;
  c.image = repository + ":" + tag;
  c.image_repository = repository;
  c.image_tag = tag;
  return c;
}

TEST_F(RuntimeContextTest, Podman) {
  const std::string id = Id('a');
  Write("var/lib/containers/storage/overlay-containers/" + id + "/userdata/config.json",
        R"({"annotations": {"io.container.manager": "libpod", "io.kubernetes.cri-o.Created": "x"}})");
  Write("var/lib/containers/storage/overlay-containers/containers.json",
        R"([{"id": ")" + Id('b') + R"(", "names": ["other"]},
            {"id": ")" + id + R"(", "names": ["web"], "image": "8ee5",
             "metadata": "{\"image-name\":\"localhost/shop/web:v1\",\"name\":\"web\"}"}])");
  const RuntimeContext want = ContainerContext("podman", id, "web", "localhost/shop/web", "v1");
  EXPECT_EQ(Of("libpod_parent/libpod-" + id), want);
  EXPECT_EQ(Of("machine.slice/libpod-" + id + ".scope/container"), want);
  // Rootless: the same files in the user's home.
  const std::string rootless = Id('c');
  Write("etc/passwd", "ann:x:1000:1000::/srv/ann:/bin/sh\n");
  Write("srv/ann/.local/share/containers/storage/overlay-containers/" + rootless + "/userdata/config.json",
        R"({"annotations": {"io.container.manager": "libpod"}})");
  Write("srv/ann/.local/share/containers/storage/overlay-containers/containers.json",
        R"([{"id": ")" + rootless + R"(", "names": ["notes"],
             "metadata": "{\"image-name\":\"localhost/notes:2\"}"}])");
  EXPECT_EQ(Of("user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + rootless + ".scope"),
            ContainerContext("podman", rootless, "notes", "localhost/notes", "2"));
}

TEST_F(RuntimeContextTest, DockerAndCriDockerdPodLabels) {
  const std::string id = Id('c');
  Write("var/lib/docker/containers/" + id + "/config.v2.json",
        R"({"Name": "/api", "Config": {"Image": "registry:5000/api:2.1", "Labels": {"team": "x"}}})");
  RuntimeContext want = ContainerContext("docker", id, "api", "registry:5000/api", "2.1");
  EXPECT_EQ(Of("system.slice/docker-" + id + ".scope"), want);

  // cri-dockerd: Kubernetes names in labels, the pod's labels on its sandbox.
  const std::string ctr = Id('d'), sandbox = Id('e');
  Write("var/lib/docker/containers/" + ctr + "/config.v2.json",
        R"({"Name": "/k8s_app_web-7d9f8b6c5d-x2x4k_shop_)" + std::string(kUid) + R"(_0",
            "Config": {"Image": "nginx@sha256:abcd", "Labels": {
              "io.kubernetes.container.name": "app", "io.kubernetes.pod.name": "web-7d9f8b6c5d-x2x4k",
              "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": ")" + std::string(kUid) + R"(",
              "io.kubernetes.sandbox.id": ")" + sandbox + R"("}}})");
  Write("var/lib/docker/containers/" + sandbox + "/config.v2.json",
        R"({"Name": "/k8s_POD", "Config": {"Labels": {"app": "web", "tier": "front",
            "io.kubernetes.docker.type": "podsandbox", "io.kubernetes.pod.name": "web-7d9f8b6c5d-x2x4k"}}})");
  RuntimeContext pod;
  pod.node = "node-1";
  pod.runtime = "docker";
  pod.container_id = ctr;
  pod.container_name = "app";
  pod.image = "nginx@sha256:abcd";
  pod.image_repository = "nginx";
  pod.pod_namespace = "shop";
  pod.pod_name = "web-7d9f8b6c5d-x2x4k";
  pod.pod_uid = kUid;
  pod.pod_owner = "web";
  pod.pod_labels = {{"app", "web"}, {"tier", "front"}};
  EXPECT_EQ(Of(std::string("kubepods/burstable/pod") + kUid + "/" + ctr), pod);
}

TEST_F(RuntimeContextTest, Containerd) {
  const std::string id = Id('1');
  Write("run/containerd/io.containerd.runtime.v2.task/k8s.io/" + id + "/config.json",
        R"({"annotations": {"io.kubernetes.cri.container-name": "db",
            "io.kubernetes.cri.image-name": "docker.io/library/postgres:16",
            "io.kubernetes.cri.sandbox-name": "db-0", "io.kubernetes.cri.sandbox-namespace": "data",
            "io.kubernetes.cri.sandbox-uid": ")" + std::string(kUid) + R"("}})");
  RuntimeContext want;
  want.node = "node-1";
  want.runtime = "containerd";
  want.container_id = id;
  want.container_name = "db";
  want.image = "docker.io/library/postgres:16";
  want.image_repository = "docker.io/library/postgres";
  want.image_tag = "16";
  want.pod_namespace = "data";
  want.pod_name = "db-0";
  want.pod_uid = kUid;
  want.pod_owner = "db";
  EXPECT_EQ(Of(std::string("kubepods.slice/kubepods-pod") + "0f5c8a01_3b1d_4c6e_9a7f_1234567890ab.slice/cri-containerd-" +
               id + ".scope"),
            want);
}

TEST_F(RuntimeContextTest, CrioWithSandboxLabels) {
  const std::string id = Id('2'), sandbox = Id('3');
  const std::string dir = "run/containers/storage/overlay-containers/";
  Write(dir + id + "/userdata/config.json",
        R"({"annotations": {"io.kubernetes.cri-o.ContainerType": "container",
            "io.kubernetes.container.name": "worker", "io.kubernetes.cri-o.ImageName": "quay.io/acme/worker:3",
            "io.kubernetes.pod.name": "worker-5f6d7c8b9-x2x4k", "io.kubernetes.pod.namespace": "jobs",
            "io.kubernetes.pod.uid": ")" + std::string(kUid) + R"(", "io.kubernetes.cri-o.SandboxID": ")" + sandbox + R"("}})");
  Write(dir + sandbox + "/userdata/config.json",
        R"({"annotations": {"io.kubernetes.cri-o.ContainerType": "sandbox",
            "io.kubernetes.cri-o.Labels": "{\"app\":\"worker\",\"io.kubernetes.pod.name\":\"worker-5f6d7c8b9-x2x4k\"}"}})");
  RuntimeContext want;
  want.node = "node-1";
  want.runtime = "cri-o";
  want.container_id = id;
  want.container_name = "worker";
  want.image = "quay.io/acme/worker:3";
  want.image_repository = "quay.io/acme/worker";
  want.image_tag = "3";
  want.pod_namespace = "jobs";
  want.pod_name = "worker-5f6d7c8b9-x2x4k";
  want.pod_uid = kUid;
  want.pod_owner = "worker";
  want.pod_labels = {{"app", "worker"}};
  EXPECT_EQ(Of(std::string("kubepods/pod") + kUid + "/crio-" + id), want);
}

TEST_F(RuntimeContextTest, UnknownContainerKeepsItsIdAndThePodFromTheKubeletLogs) {
  const std::string id = Id('4');
  fs::create_directories(root_ / "var/log/pods" / (std::string("kube-system_coredns-5d78c9869d-x2x4k_") + kUid));
  // Malformed metadata is ignored, not trusted.
  Write("var/lib/docker/containers/" + id + "/config.v2.json", "{not json");
  RuntimeContext want;
  want.node = "node-1";
  want.container_id = id;
  want.pod_namespace = "kube-system";
  want.pod_name = "coredns-5d78c9869d-x2x4k";
  want.pod_uid = kUid;
  want.pod_owner = "coredns";
  RuntimeContextReader reader({.root = root_.string(), .node = "node-1"});
  EXPECT_EQ(*reader.Of(std::string("kubepods/pod") + kUid + "/" + id), want);
  EXPECT_EQ(reader.unresolved(), 1u);
  // Cached per cgroup: the same object, no second lookup.
  auto a = reader.Of(std::string("kubepods/pod") + kUid + "/" + id);
  EXPECT_EQ(a, reader.Of(std::string("kubepods/pod") + kUid + "/" + id));
  EXPECT_EQ(reader.lookups(), 1u);
}

TEST_F(RuntimeContextTest, WithoutRuntimesOnlyTheNodeAndThePath) {
  const std::string id = Id('9');
  Write("var/lib/docker/containers/" + id + "/config.v2.json", R"({"Name": "/api", "Config": {"Image": "x:1"}})");
  RuntimeContextReader reader({.root = root_.string(), .node = "recorded-on", .runtimes = false});
  EXPECT_EQ(*reader.Of("system.slice/docker-" + id + ".scope"),
            (RuntimeContext{.node = "recorded-on", .container_id = id}));
}

TEST(SplitImageReferenceTest, TagsDigestsAndRegistryPorts) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(SplitImageReference("docker.io/library/nginx:1.25"), P("docker.io/library/nginx", "1.25"));
  EXPECT_EQ(SplitImageReference("localhost:5000/app"), P("localhost:5000/app", ""));
  EXPECT_EQ(SplitImageReference("app@sha256:0123"), P("app", ""));
  EXPECT_EQ(SplitImageReference("busybox"), P("busybox", ""));
  EXPECT_EQ(SplitImageReference(""), P("", ""));
}

TEST(RuntimeContextJsonTest, RoundTripsAndRejectsMalformed) {
  RuntimeContext c;
  c.node = "n";
  c.runtime = "cri-o";
  c.container_id = Id('5');
  c.container_name = "w";
  c.image = "a/b:1";
  c.image_repository = "a/b";
  c.image_tag = "1";
  c.pod_namespace = "ns";
  c.pod_name = "p-0";
  c.pod_uid = kUid;
  c.pod_owner = "p";
  c.pod_labels = {{"app", "<script>"}};
  Result<RuntimeContext> back = RuntimeContextFromJson(RuntimeContextToJson(c));
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(RuntimeContextToJson(RuntimeContext{}), "");
  EXPECT_EQ(RuntimeContextToJson(RuntimeContext{.node = "n"}), R"({"node":"n"})");
  EXPECT_TRUE(RuntimeContextFromJson("").has_value());
  for (const char* bad : {"[1]", "{\"node\": 3}", "{\"pod\": {\"labels\": {\"a\": 1}}}", "{\"container\": 7}", "{"}) {
    EXPECT_FALSE(RuntimeContextFromJson(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dw::collector
