// collector/runtime_context.cc: node, container and pod context from the
// runtimes' metadata files; its one JSON encoding.
#include "collector/runtime_context.h"

#include <sys/utsname.h>

#include <filesystem>
#include <optional>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "collector/identity.h"
#include "collector/metadata_file.h"
#include "collector/workload.h"

namespace dw::collector {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// The string values of a JSON object (other values skipped).
std::map<std::string, std::string> StringMap(const Json* obj) {
  std::map<std::string, std::string> out;
  if (obj == nullptr || !obj->is_object()) return out;
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    if (it->is_string()) out[it.key()] = it->get<std::string>();
  }
  return out;
}

// Pod labels without the runtime's and the kubelet's own keys.
std::map<std::string, std::string> PodLabels(std::map<std::string, std::string> labels) {
  std::erase_if(labels, [](const auto& kv) {
    return kv.first.starts_with("io.kubernetes.") || kv.first == "annotation.kubernetes.io/config.seen";
  });
  return labels;
}

std::string Get(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

void SetImage(RuntimeContext* c, std::string image) {
  c->image = std::move(image);
  std::tie(c->image_repository, c->image_tag) = SplitImageReference(c->image);
}

// The OCI spec's annotations of a container id under `dir`.
std::optional<std::map<std::string, std::string>> Annotations(const fs::path& config) {
  std::optional<Json> j = ReadJsonObject(config);
  if (!j) return std::nullopt;
  return StringMap(Member(*j, "annotations"));
}

bool ReadContainerd(const fs::path& root, const std::string& id, RuntimeContext* c) {
  auto a = Annotations(root / "run/containerd/io.containerd.runtime.v2.task/k8s.io" / id / "config.json");
  if (!a) return false;
  c->runtime = "containerd";
  c->container_name = Get(*a, "io.kubernetes.cri.container-name");
  if (Get(*a, "io.kubernetes.cri.container-type") == "sandbox") c->container_name = "POD";
  SetImage(c, Get(*a, "io.kubernetes.cri.image-name"));
  c->pod_namespace = Get(*a, "io.kubernetes.cri.sandbox-namespace");
  c->pod_name = Get(*a, "io.kubernetes.cri.sandbox-name");
  c->pod_uid = Get(*a, "io.kubernetes.cri.sandbox-uid");
  return true;
}

bool ReadCrio(const fs::path& root, const std::string& id, RuntimeContext* c) {
  const fs::path dir = root / "run/containers/storage/overlay-containers";
  auto a = Annotations(dir / id / "userdata/config.json");
  // podman writes some io.kubernetes.cri-o.* annotations too; ContainerType is CRI-O's own.
  if (!a || Get(*a, "io.kubernetes.cri-o.ContainerType").empty()) return false;
  c->runtime = "cri-o";
  c->container_name = Get(*a, "io.kubernetes.container.name");
  if (Get(*a, "io.kubernetes.cri-o.ContainerType") == "sandbox") c->container_name = "POD";
  SetImage(c, Get(*a, "io.kubernetes.cri-o.ImageName"));
  c->pod_namespace = Get(*a, "io.kubernetes.pod.namespace");
  c->pod_name = Get(*a, "io.kubernetes.pod.name");
  c->pod_uid = Get(*a, "io.kubernetes.pod.uid");
  // The sandbox's labels are the pod's.
  std::string sandbox = Get(*a, "io.kubernetes.cri-o.SandboxID");
  if (!sandbox.empty() && sandbox.find('/') == std::string::npos) {
    auto sa = sandbox == id ? a : Annotations(dir / sandbox / "userdata/config.json");
    if (sa) {
      if (std::optional<Json> labels = ParseObject(Get(*sa, "io.kubernetes.cri-o.Labels"))) {
        c->pod_labels = PodLabels(StringMap(&*labels));
      }
    }
  }
  return true;
}

bool ReadPodman(const fs::path& root, std::string_view cgroup_path, const std::string& id, RuntimeContext* c) {
  std::optional<PodmanContainer> p = ReadPodmanContainer(root, cgroup_path, id);
  if (!p) return false;
  c->runtime = "podman";
  c->container_name = p->name;
  SetImage(c, p->image);
  return true;
}

bool ReadDocker(const fs::path& root, const std::string& id, RuntimeContext* c) {
  const fs::path dir = root / "var/lib/docker/containers";
  std::optional<Json> j = ReadJsonObject(dir / id / "config.v2.json");
  if (!j) return false;
  c->runtime = "docker";
  std::string name = StringMember(&*j, "Name").value_or("");
  if (name.starts_with('/')) name.erase(0, 1);
  c->container_name = name;
  const Json* config = Member(*j, "Config");
  SetImage(c, StringMember(config, "Image").value_or(""));
  std::map<std::string, std::string> labels = StringMap(config ? Member(*config, "Labels") : nullptr);
  // cri-dockerd: the Kubernetes names are labels, the pod's labels are its sandbox's.
  if (std::string k8s_name = Get(labels, "io.kubernetes.container.name"); !k8s_name.empty()) {
    c->container_name = k8s_name;
  }
  c->pod_namespace = Get(labels, "io.kubernetes.pod.namespace");
  c->pod_name = Get(labels, "io.kubernetes.pod.name");
  c->pod_uid = Get(labels, "io.kubernetes.pod.uid");
  std::string sandbox = Get(labels, "io.kubernetes.sandbox.id");
  if (Get(labels, "io.kubernetes.docker.type") == "podsandbox") sandbox = id;
  if (!c->pod_name.empty() && !sandbox.empty() && sandbox.find('/') == std::string::npos) {
    std::optional<Json> s = sandbox == id ? j : ReadJsonObject(dir / sandbox / "config.v2.json");
    const Json* sc = s ? Member(*s, "Config") : nullptr;
    c->pod_labels = PodLabels(StringMap(sc ? Member(*sc, "Labels") : nullptr));
  }
  return true;
}

// Namespace and pod name of `uid` from the kubelet's log directories.
void FillPodFromLogs(const fs::path& root, RuntimeContext* c) {
  std::error_code ec;
  const std::string suffix = "_" + c->pod_uid;
  for (fs::directory_iterator it(root / "var/log/pods", ec), end; !ec && it != end; it.increment(ec)) {
    std::string entry = it->path().filename().string();
    if (!entry.ends_with(suffix)) continue;
    std::string head = entry.substr(0, entry.size() - suffix.size());
    size_t at = head.find('_');
    if (at == std::string::npos || at == 0 || at + 1 == head.size()) continue;
    c->pod_namespace = head.substr(0, at);
    c->pod_name = head.substr(at + 1);
    return;
  }
}

}  // namespace

std::pair<std::string, std::string> SplitImageReference(std::string_view image) {
  size_t digest = image.find('@');
  if (digest != std::string_view::npos) return {std::string(image.substr(0, digest)), ""};
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return {std::string(image.substr(0, colon)), std::string(image.substr(colon + 1))};
  }
  return {std::string(image), ""};
}

std::string RuntimeContextToJson(const RuntimeContext& c) {
  if (c.empty()) return "";
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  auto put = [](nlohmann::ordered_json& o, const char* key, const std::string& v) {
    if (!v.empty()) o[key] = v;
  };
  put(j, "node", c.node);
  put(j, "runtime", c.runtime);
  nlohmann::ordered_json ctr = nlohmann::ordered_json::object();
  put(ctr, "id", c.container_id);
  put(ctr, "name", c.container_name);
  put(ctr, "image", c.image);
  put(ctr, "repository", c.image_repository);
  put(ctr, "tag", c.image_tag);
  if (!ctr.empty()) j["container"] = std::move(ctr);
  nlohmann::ordered_json pod = nlohmann::ordered_json::object();
  put(pod, "namespace", c.pod_namespace);
  put(pod, "name", c.pod_name);
  put(pod, "uid", c.pod_uid);
  put(pod, "owner", c.pod_owner);
  if (!c.pod_labels.empty()) pod["labels"] = c.pod_labels;
  if (!pod.empty()) j["pod"] = std::move(pod);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<RuntimeContext> RuntimeContextFromJson(std::string_view text) {
  RuntimeContext c;
  if (text.empty()) return c;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto corrupt = [] { return Status(ErrorCode::kCorrupt, "runtime context is not a JSON object of strings"); };
  if (!j.is_object()) return corrupt();
  bool ok = true;
  auto get = [&ok](const Json* obj, const char* key, std::string* out) {
    if (obj == nullptr) return;
    if (!obj->is_object()) {
      ok = false;
      return;
    }
    const Json* v = Member(*obj, key);
    if (v == nullptr) return;
    if (!v->is_string()) {
      ok = false;
      return;
    }
    *out = v->get<std::string>();
  };
  get(&j, "node", &c.node);
  get(&j, "runtime", &c.runtime);
  const Json* ctr = Member(j, "container");
  get(ctr, "id", &c.container_id);
  get(ctr, "name", &c.container_name);
  get(ctr, "image", &c.image);
  get(ctr, "repository", &c.image_repository);
  get(ctr, "tag", &c.image_tag);
  const Json* pod = Member(j, "pod");
  get(pod, "namespace", &c.pod_namespace);
  get(pod, "name", &c.pod_name);
  get(pod, "uid", &c.pod_uid);
  get(pod, "owner", &c.pod_owner);
  if (const Json* labels = pod && pod->is_object() ? Member(*pod, "labels") : nullptr) {
    if (!labels->is_object()) return corrupt();
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (!it->is_string()) return corrupt();
      c.pod_labels[it.key()] = it->get<std::string>();
    }
  }
  if (!ok) return corrupt();
  return c;
}

RuntimeContextReader::RuntimeContextReader(RuntimeContextOptions options) : options_(std::move(options)) {
  if (options_.root.empty()) options_.root = "/";
  if (options_.node.empty()) {
    struct utsname u;
    if (uname(&u) == 0) options_.node = u.nodename;
  }
}

std::shared_ptr<const RuntimeContext> RuntimeContextReader::Of(const std::string& cgroup_path) {
  auto it = cache_.find(cgroup_path);
  if (it != cache_.end()) return it->second;
  ++lookups_;
  auto c = std::make_shared<const RuntimeContext>(Read(cgroup_path));
  cache_.emplace(cgroup_path, c);
  return c;
}

RuntimeContext RuntimeContextReader::Read(const std::string& cgroup_path) {
  RuntimeContext c;
  c.node = options_.node;
  CgroupContainer where = ContainerOfCgroupPath(cgroup_path);
  c.container_id = where.container_id;
  c.pod_uid = where.pod_uid;
  const fs::path root = options_.root;
  if (!options_.runtimes) return c;
  if (!where.container_id.empty()) {
    const std::string& id = where.container_id;
    if (!ReadContainerd(root, id, &c) && !ReadCrio(root, id, &c) && !ReadPodman(root, cgroup_path, id, &c) &&
        !ReadDocker(root, id, &c)) {
      ++unresolved_;
    }
    if (c.pod_uid.empty()) c.pod_uid = where.pod_uid;
  }
  if (!c.pod_uid.empty() && (c.pod_namespace.empty() || c.pod_name.empty())) FillPodFromLogs(root, &c);
  if (!c.pod_name.empty()) {
    // Static pods (a 32-hex uid) are named by their manifest, not a controller.
    c.pod_owner = c.pod_uid.size() == 32 ? c.pod_name : PodOwnerName(c.pod_name);
  }
  return c;
}

}  // namespace dw::collector
