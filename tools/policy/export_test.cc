// tools/policy/export_test.cc: every export format parsed as its consumer would, on
// the testdata workloads and on a synthetic fingerprint with what testdata
// lacks (non-loopback peers, patterns, syscalls); the refusal rules; and
// `driftwatch check` on the recorded normal and drift traces.
#include "tools/policy/export.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "model/address.h"
#include "model/items.h"
#include "store/store.h"
#include "tools/policy/check.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;

const char* kWorkloads[] = {"dw-eval/nginx", "dw-eval/redis", "dw-eval/postgresql"};
// The testdata trainings are 360 s, and some learn an item in their last
// seconds (a shutdown): still learning by any threshold, so exported with --force.
const char* kStableFlags = " --force";

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string TempDir() {
  static std::string dir = [] {
    std::string d = (fs::temp_directory_path() / ("dw-export-test-" + std::to_string(getpid()))).string();
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

Outcome Driftwatch(const std::string& args) {
  const std::string out = TempDir() + "/stdout", err = TempDir() + "/stderr";
  std::string cmd = std::string(DW_BINARY) + " " + args + " >" + out + " 2>" + err;
  int status = std::system(cmd.c_str());
  Outcome r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::string Trace(const std::string& workload, const char* which) {
  return std::string(DW_TESTDATA_DIR) + "/" + workload.substr(workload.find('/') + 1) + "/" + which + ".dwt";
}

// One database trained on every testdata train trace, as `driftwatch train` does.
const std::string& TrainedDb() {
  static std::string db = [] {
    std::string path = TempDir() + "/trained.db";
    std::string args = "train --db " + path;
    for (const char* w : kWorkloads) args += " --trace " + Trace(w, "train");
    Outcome r = Driftwatch(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return path;
  }();
  return db;
}

Outcome Export(const std::string& workload, const std::string& format, const std::string& extra = kStableFlags) {
  return Driftwatch("export --db " + TrainedDb() + " --workload " + workload + " --format " + format + extra);
}

bool ValidCidr(const std::string& c) {
  size_t slash = c.find('/');
  if (slash == std::string::npos) return false;
  return model::CidrContains(c, c.substr(0, slash));
}

void ExpectSourceAnnotations(const YAML::Node& md, const std::string& workload) {
  ASSERT_TRUE(md["annotations"].IsMap());
  EXPECT_EQ(md["annotations"]["driftwatch.io/workload"].as<std::string>(), workload);
  EXPECT_GE(md["annotations"]["driftwatch.io/fingerprint-version"].as<int>(), 1);
  EXPECT_FALSE(md["annotations"]["driftwatch.io/fingerprint-created"].as<std::string>().empty());
}

void ExpectNetworkPolicyShape(const YAML::Node& doc) {
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "networking.k8s.io/v1");
  EXPECT_EQ(doc["kind"].as<std::string>(), "NetworkPolicy");
  EXPECT_FALSE(doc["metadata"]["name"].as<std::string>().empty());
  ASSERT_TRUE(doc["spec"]["podSelector"]["matchLabels"].IsMap());
  ASSERT_EQ(doc["spec"]["policyTypes"].size(), 2u);
  EXPECT_EQ(doc["spec"]["policyTypes"][0].as<std::string>(), "Ingress");
  EXPECT_EQ(doc["spec"]["policyTypes"][1].as<std::string>(), "Egress");
  ASSERT_TRUE(doc["spec"]["ingress"].IsSequence());
  for (const auto& rule : doc["spec"]["ingress"]) {
    for (const auto& p : rule["ports"]) {
      EXPECT_GT(p["port"].as<int>(), 0);
      EXPECT_TRUE(std::set<std::string>({"TCP", "UDP", "SCTP"}).count(p["protocol"].as<std::string>()));
    }
    for (const auto& peer : rule["from"]) EXPECT_TRUE(ValidCidr(peer["ipBlock"]["cidr"].as<std::string>()));
  }
  bool dns_udp = false, dns_tcp = false;
  ASSERT_TRUE(doc["spec"]["egress"].IsSequence());
  for (const auto& rule : doc["spec"]["egress"]) {
    for (const auto& peer : rule["to"]) {
      if (peer["ipBlock"]) {
        EXPECT_TRUE(ValidCidr(peer["ipBlock"]["cidr"].as<std::string>()));
      }
    }
    for (const auto& p : rule["ports"]) {
      if (p["port"].as<int>() == 53) {
        dns_udp |= p["protocol"].as<std::string>() == "UDP";
        dns_tcp |= p["protocol"].as<std::string>() == "TCP";
      }
    }
  }
  EXPECT_TRUE(dns_udp && dns_tcp) << "no DNS egress rule (53 UDP and TCP)";
}

void ExpectKubeArmorShape(const YAML::Node& doc) {
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "security.kubearmor.com/v1");
  EXPECT_EQ(doc["kind"].as<std::string>(), "KubeArmorPolicy");
  const YAML::Node spec = doc["spec"];
  ASSERT_TRUE(spec["selector"]["matchLabels"].IsMap());
  EXPECT_EQ(spec["action"].as<std::string>(), "Allow");
  ASSERT_TRUE(spec["process"]["matchPaths"].IsSequence());
  for (const auto& m : spec["process"]["matchPaths"]) EXPECT_EQ(m["path"].as<std::string>()[0], '/');
  ASSERT_TRUE(spec["file"].IsMap());
  for (const auto& m : spec["file"]["matchPaths"]) EXPECT_EQ(m["path"].as<std::string>()[0], '/');
  for (const auto& m : spec["file"]["matchDirectories"]) {
    std::string dir = m["dir"].as<std::string>();
    EXPECT_EQ(dir.front(), '/');
    EXPECT_EQ(dir.back(), '/');
  }
  ASSERT_TRUE(spec["network"]["matchProtocols"].IsSequence());
  for (const auto& m : spec["network"]["matchProtocols"]) {
    EXPECT_TRUE(std::set<std::string>({"tcp", "udp", "icmp", "raw"}).count(m["protocol"].as<std::string>()));
  }
}

void ExpectFalcoShape(const YAML::Node& doc) {
  ASSERT_TRUE(doc.IsSequence());
  const std::set<std::string> priorities = {"EMERGENCY", "ALERT",  "CRITICAL", "ERROR",   "WARNING",
                                            "NOTICE",    "INFORMATIONAL", "INFO", "DEBUG"};
  std::set<std::string> lists, macros;
  std::vector<std::string> conditions;
  size_t rules = 0;
  for (const auto& e : doc) {
    if (e["list"]) {
      lists.insert(e["list"].as<std::string>());
      EXPECT_TRUE(e["items"].IsSequence());
    } else if (e["macro"]) {
      macros.insert(e["macro"].as<std::string>());
      conditions.push_back(e["condition"].as<std::string>());
    } else if (e["rule"]) {
      ++rules;
      EXPECT_FALSE(e["desc"].as<std::string>().empty());
      EXPECT_FALSE(e["output"].as<std::string>().empty());
      EXPECT_TRUE(priorities.count(e["priority"].as<std::string>())) << e["priority"];
      conditions.push_back(e["condition"].as<std::string>());
    } else {
      ADD_FAILURE() << "neither list, macro nor rule";
    }
  }
  EXPECT_GE(rules, 4u);
  // Every dw_ identifier a condition uses is a list or macro defined in the file.
  for (const auto& c : conditions) {
    for (size_t at = c.find("dw_"); at != std::string::npos; at = c.find("dw_", at + 1)) {
      if (at > 0 && (std::isalnum(static_cast<unsigned char>(c[at - 1])) || c[at - 1] == '_')) continue;
      size_t end = at;
      while (end < c.size() && (std::isalnum(static_cast<unsigned char>(c[end])) || c[end] == '_')) ++end;
      std::string id = c.substr(at, end - at);
      EXPECT_TRUE(lists.count(id) || macros.count(id)) << id << " in " << c;
    }
  }
}

TEST(ExportTest, EveryFormatHasItsConsumersShapeOnTestdata) {
  for (const char* w : kWorkloads) {
    SCOPED_TRACE(w);
    Outcome np = Export(w, "networkpolicy");
    ASSERT_EQ(np.code, 0) << np.err;
    YAML::Node npd = YAML::Load(np.out);
    ExpectNetworkPolicyShape(npd);
    ExpectSourceAnnotations(npd["metadata"], w);
    // Every testdata peer is loopback: left out, and said so.
    EXPECT_NE(npd["metadata"]["annotations"]["driftwatch.io/not-expressed"].as<std::string>("").find("loopback"),
              std::string::npos);
    for (const auto& rule : npd["spec"]["egress"]) {
      for (const auto& peer : rule["to"]) {
        if (peer["ipBlock"]) {
          EXPECT_FALSE(model::IsLoopbackAddress(peer["ipBlock"]["cidr"].as<std::string>()));
        }
      }
    }

    Outcome ka = Export(w, "kubearmor");
    ASSERT_EQ(ka.code, 0) << ka.err;
    YAML::Node kad = YAML::Load(ka.out);
    ExpectKubeArmorShape(kad);
    ExpectSourceAnnotations(kad["metadata"], w);
    EXPECT_EQ(kad["spec"]["selector"]["matchLabels"]["driftwatch.io/workload"].as<std::string>(),
              std::string(w).replace(7, 1, "_"));

    Outcome fa = Export(w, "falco");
    ASSERT_EQ(fa.code, 0) << fa.err;
    ExpectFalcoShape(YAML::Load(fa.out));
    EXPECT_NE(fa.out.find("fingerprint version"), std::string::npos);

    Outcome js = Export(w, "json");
    ASSERT_EQ(js.code, 0) << js.err;
    auto j = nlohmann::json::parse(js.out);
    EXPECT_EQ(j["source"]["workload"], w);
    EXPECT_GE(j["source"]["version"].get<int>(), 1);
    EXPECT_EQ(j["workload"], w);
    EXPECT_FALSE(j["executables"].empty());

    // The traces were recorded with --syscalls: a real profile of what the
    // server used, execve and the basics of any process among them.
    Outcome sc = Export(w, "seccomp");
    ASSERT_EQ(sc.code, 0) << sc.err;
    auto sj = nlohmann::json::parse(sc.out);
    EXPECT_EQ(sj["defaultAction"], "SCMP_ACT_ERRNO");
    EXPECT_EQ(sj["architectures"], nlohmann::json({"SCMP_ARCH_X86_64"}));
    ASSERT_EQ(sj["syscalls"].size(), 1u);
    EXPECT_EQ(sj["syscalls"][0]["action"], "SCMP_ACT_ALLOW");
    std::set<std::string> names = sj["syscalls"][0]["names"].get<std::set<std::string>>();
    for (const char* basic : {"execve", "openat", "read", "write", "close", "mmap", "exit_group"}) {
      EXPECT_TRUE(names.count(basic)) << basic;
    }
    EXPECT_GT(names.size(), 30u);
    EXPECT_FALSE(names.count("ptrace"));
    EXPECT_EQ(sj["source"]["workload"], w);
  }
}

model::Fingerprint Synthetic() {
  model::Fingerprint fp;
  fp.workload = "shop/checkout/app";
  model::ItemStats st{10, 1'700'000'000'000'000'000, 1'700'000'100'000'000'000, 1, 0, 1};
  fp.executables["/usr/bin/checkout"] = st;
  fp.lineage["/usr/bin/tini -> /usr/bin/checkout"] = st;
  model::ItemStats r = st;
  r.access = kAccessRead;
  model::ItemStats w = st;
  w.access = kAccessRead | kAccessWrite | kAccessCreate;
  fp.files["/etc/checkout.conf"] = r;
  fp.files["/var/run/checkout-<pid>.pid"] = w;
  model::Generalization g;
  g.stats = w;
  fp.file_patterns["/var/cache/checkout/*"] = g;
  fp.file_patterns["/srv/assets/**"] = model::Generalization{"", {}, 3, r};
  fp.network[{model::Direction::kOutbound, 6, "10.0.0.7", 5432}] = st;
  fp.network[{model::Direction::kOutbound, 6, "127.0.0.1", 6379}] = st;
  fp.network[{model::Direction::kInbound, 6, "10.1.2.3", 8080}] = st;
  fp.network[{model::Direction::kListen, 6, "0.0.0.0", 8080}] = st;
  fp.network[{model::Direction::kDns, 17, "10.96.0.10", 53}] = st;
  fp.net_patterns[{model::Direction::kOutbound, 6, "10.0.3.0/24", 443}] = g;
  fp.dns_names["db.shop.svc.cluster.local"] = st;
  fp.syscalls["read"] = st;
  fp.syscalls["openat"] = st;
  fp.syscall_arch = "x86_64";
  return fp;
}

const ExportSource kSource{"shop/checkout/app", 4, 1'700'000'200'000'000'000, "stable", "/tmp/x.db"};

model::ItemRef Net(model::Direction d, const char* addr, uint16_t port, uint8_t proto = 6) {
  model::ItemRef i;
  i.kind = model::FindingKind::kNetwork;
  i.table = model::ItemRef::Table::kNetwork;
  i.net = {d, proto, addr, port};
  return i;
}

model::ItemRef File(const char* path, uint8_t access) {
  model::ItemRef i;
  i.kind = model::FindingKind::kFile;
  i.table = model::ItemRef::Table::kFile;
  i.key = path;
  i.access = access;
  return i;
}

model::ItemRef Exe(const char* path) {
  model::ItemRef i;
  i.table = model::ItemRef::Table::kExecutable;
  i.key = path;
  return i;
}

TEST(ExportTest, NetworkPolicyFromPeersPatternsAndKubernetesName) {
  std::vector<std::string> notes;
  auto doc = ExportNetworkPolicy(Synthetic(), kSource, &notes);
  ASSERT_TRUE(doc) << doc.error().message();
  YAML::Node y = YAML::Load(*doc);
  ExpectNetworkPolicyShape(y);
  EXPECT_EQ(y["metadata"]["namespace"].as<std::string>(), "shop");
  EXPECT_EQ(y["spec"]["podSelector"]["matchLabels"]["app"].as<std::string>(), "checkout");
  EXPECT_EQ(y["metadata"]["annotations"]["driftwatch.io/fingerprint-version"].as<std::string>(), "4");
  EXPECT_NE(doc->find("10.0.3.0/24"), std::string::npos);
  EXPECT_NE(doc->find("10.1.2.3/32"), std::string::npos);
  EXPECT_EQ(doc->find("cidr: 127.0.0.1"), std::string::npos);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("loopback"), std::string::npos);

  auto check = PolicyCheck::Parse(ExportFormat::kNetworkPolicy, *doc, "shop/checkout/app");
  ASSERT_TRUE(check) << check.error().message();
  using D = model::Direction;
  EXPECT_EQ((*check)->Blocks(Net(D::kOutbound, "10.0.0.7", 5432)), "");
  EXPECT_EQ((*check)->Blocks(Net(D::kOutbound, "10.0.3.77", 443)), "");
  EXPECT_NE((*check)->Blocks(Net(D::kOutbound, "10.0.0.8", 5432)), "");
  EXPECT_NE((*check)->Blocks(Net(D::kOutbound, "10.0.0.7", 22)), "");
  EXPECT_EQ((*check)->Blocks(Net(D::kOutbound, "127.0.0.1", 4444)), "");  // loopback: not governed
  EXPECT_EQ((*check)->Blocks(Net(D::kInbound, "10.1.2.3", 8080)), "");
  EXPECT_NE((*check)->Blocks(Net(D::kInbound, "10.9.9.9", 8080)), "");
  EXPECT_EQ((*check)->Blocks(Net(D::kDns, "10.96.0.10", 53, 17)), "");
}

TEST(ExportTest, KubeArmorAndFalcoExpressPatternsAndAccess) {
  for (ExportFormat f : {ExportFormat::kKubeArmor, ExportFormat::kFalco}) {
    SCOPED_TRACE(ExportFormatName(f));
    auto doc = Export(f, Synthetic(), kSource);
    ASSERT_TRUE(doc) << doc.error().message();
    if (f == ExportFormat::kKubeArmor) {
      YAML::Node y = YAML::Load(*doc);
      ExpectKubeArmorShape(y);
      EXPECT_EQ(y["spec"]["file"]["matchDirectories"][0]["dir"].as<std::string>(), "/srv/assets/");
      EXPECT_TRUE(y["spec"]["file"]["matchDirectories"][0]["recursive"].as<bool>());
    } else {
      ExpectFalcoShape(YAML::Load(*doc));
    }
    auto check = PolicyCheck::Parse(f, *doc, "shop/checkout/app");
    ASSERT_TRUE(check) << check.error().message();
    const auto& c = **check;
    EXPECT_EQ(c.Blocks(Exe("/usr/bin/checkout")), "");
    EXPECT_NE(c.Blocks(Exe("/bin/sh")), "");
    EXPECT_EQ(c.Blocks(File("/etc/checkout.conf", kAccessRead)), "");
    EXPECT_NE(c.Blocks(File("/etc/checkout.conf", kAccessWrite)), "");  // learned read-only
    EXPECT_NE(c.Blocks(File("/etc/shadow", kAccessRead)), "");
    EXPECT_EQ(c.Blocks(File("/var/run/checkout-<pid>.pid", kAccessCreate)), "");
    EXPECT_EQ(c.Blocks(File("/var/cache/checkout/abc", kAccessWrite)), "");
    EXPECT_EQ(c.Blocks(File("/srv/assets/img/a.png", kAccessRead)), "");
    EXPECT_NE(c.Blocks(File("/srv/assets/img/a.png", kAccessWrite)), "");
  }
  auto falco = ExportFalco(Synthetic(), kSource);
  ASSERT_TRUE(falco);
  auto c = PolicyCheck::Parse(ExportFormat::kFalco, *falco, "shop/checkout/app");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->Blocks(Net(model::Direction::kOutbound, "10.0.0.7", 5432)), "");
  EXPECT_EQ((*c)->Blocks(Net(model::Direction::kOutbound, "127.0.0.1", 6379)), "");
  EXPECT_NE((*c)->Blocks(Net(model::Direction::kOutbound, "127.0.0.1", 14444)), "");
  EXPECT_NE((*falco).find("k8s.ns.name = \"shop\""), std::string::npos);
}

TEST(ExportTest, SeccompProfileShape) {
  std::vector<std::string> notes;
  auto doc = ExportSeccomp(Synthetic(), kSource, &notes);
  ASSERT_TRUE(doc) << doc.error().message();
  auto j = nlohmann::json::parse(*doc);
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(j["defaultErrnoRet"], 1);
  ASSERT_EQ(j["architectures"].size(), 1u);
  EXPECT_EQ(j["architectures"][0], "SCMP_ARCH_X86_64");
  ASSERT_EQ(j["syscalls"].size(), 1u);
  EXPECT_EQ(j["syscalls"][0]["action"], "SCMP_ACT_ALLOW");
  // The learned three, what the runtime calls before exec, and the rest of
  // the learned syscalls' groups, once each, sorted.
  std::vector<std::string> names = j["syscalls"][0]["names"];
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  std::set<std::string> have(names.begin(), names.end());
  for (const std::string& name : kRuntimeSyscalls) EXPECT_TRUE(have.count(name)) << name;
  for (const char* name : {"execve", "openat", "read", "writev", "pread64", "mkdir", "unlink"}) {
    EXPECT_TRUE(have.count(name)) << name;
  }
  // Groups never learned, privileges and kernel control stay out; names
  // x86_64 lacks too.
  for (const char* name : {"socket", "connect", "mount", "ptrace", "bpf", "kill", "mmap2", "_llseek"}) {
    EXPECT_FALSE(have.count(name)) << name;
  }
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0].rfind("added so that enforcement agrees with detection", 0), 0u) << notes[0];
  EXPECT_NE(notes[0].find("syscalls of basic-io, file-system"), std::string::npos) << notes[0];
  EXPECT_EQ(j["source"]["version"], 4);
  model::Fingerprint none = Synthetic();
  none.syscalls.clear();
  auto refused = ExportSeccomp(none, kSource);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("--syscalls"), std::string::npos);
}

// The runtime's syscalls between applying the profile and exec are allowed,
// named as added, and the profile warns about what training could not see.
TEST(ExportTest, SeccompAddsTheRuntimesSyscallsAndWarnsAboutUnseenPaths) {
  for (const char* name : {"execve", "execveat", "futex", "capset", "setgroups", "prctl", "newfstatat"}) {
    EXPECT_TRUE(std::count(kRuntimeSyscalls.begin(), kRuntimeSyscalls.end(), name)) << name;
  }
  EXPECT_TRUE(std::is_sorted(kRuntimeSyscalls.begin(), kRuntimeSyscalls.end()));
  std::vector<std::string> notes;
  model::Fingerprint fp = Synthetic();
  fp.syscalls["exit_group"] = {};
  fp.syscalls["futex"] = {};
  auto doc = ExportSeccomp(fp, kSource, &notes);
  ASSERT_TRUE(doc) << doc.error().message();
  auto j = nlohmann::json::parse(*doc);
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(j["notes"], nlohmann::json(notes));
  // futex was learned; capget, chdir and close came with their groups
  // (process, file-system, basic-io), epoll_pwait with the harmless ones:
  // not listed as added for the runtime.
  EXPECT_EQ(notes[1],
            "added for the container runtime, which applies the profile before it execs the "
            "workload (runc's set, opencontainers/runc#2097): capset, fchown, setgid, "
            "setgroups, setuid");
  EXPECT_EQ(notes[1].find("futex"), std::string::npos) << notes[1];
  EXPECT_EQ(notes[1].find("chdir"), std::string::npos) << notes[1];
  EXPECT_EQ(notes[1].find("epoll_pwait"), std::string::npos) << notes[1];
  EXPECT_EQ(notes[2].rfind("warning: training saw ", 0), 0u) << notes[2];
  // exit, wait4 and clone came with the process group (execve): allowed, so
  // not among the unseen.
  EXPECT_NE(notes[2].find("not seen: rt_sigreturn (return from a signal handler)"), std::string::npos)
      << notes[2];
  EXPECT_EQ(notes[2].find("exit"), std::string::npos) << notes[2];
  // dw-seccomp-run's policy check allows them, and still refuses the rest.
  auto c = PolicyCheck::Parse(ExportFormat::kSeccomp, *doc, "shop/checkout/app");
  ASSERT_TRUE(c) << c.error().message();
  model::ItemRef call;
  call.kind = model::FindingKind::kSyscall;
  call.table = model::ItemRef::Table::kSyscall;
  call.key = "setgroups";
  EXPECT_EQ((*c)->Blocks(call), "");
  call.key = "ptrace";
  EXPECT_NE((*c)->Blocks(call), "");
}

TEST(ExportTest, FalcoListsBothSpellingsOfMergedUsrPaths) {
  EXPECT_EQ(MergedUsrAlias("/usr/bin/checkout"), "/bin/checkout");
  EXPECT_EQ(MergedUsrAlias("/usr/sbin/nginx"), "/sbin/nginx");
  EXPECT_EQ(MergedUsrAlias("/usr/lib/x86_64-linux-gnu/libc.so.6"), "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(MergedUsrAlias("/usr/lib64/ld-linux-x86-64.so.2"), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(MergedUsrAlias("/usr/libexec/x"), "");
  EXPECT_EQ(MergedUsrAlias("/usr/local/bin/x"), "");
  EXPECT_EQ(MergedUsrAlias("/etc/passwd"), "");
  model::Fingerprint fp = Synthetic();
  fp.files["/usr/lib/x86_64-linux-gnu/libssl.so.3"] = {};
  auto doc = ExportFalco(fp, kSource);
  ASSERT_TRUE(doc) << doc.error().message();
  YAML::Node y = YAML::Load(*doc);
  ExpectFalcoShape(y);
  std::map<std::string, std::vector<std::string>> lists;
  for (const auto& e : y) {
    if (e["list"]) lists[e["list"].as<std::string>()] = e["items"].as<std::vector<std::string>>();
  }
  const auto& processes = lists["dw_shop_checkout_app_processes"];
  EXPECT_TRUE(std::count(processes.begin(), processes.end(), "/usr/bin/checkout")) << *doc;
  EXPECT_TRUE(std::count(processes.begin(), processes.end(), "/bin/checkout")) << *doc;
  const auto& files = lists["dw_shop_checkout_app_files"];
  EXPECT_TRUE(std::count(files.begin(), files.end(), "/lib/x86_64-linux-gnu/libssl.so.3")) << *doc;
  EXPECT_TRUE(std::count(files.begin(), files.end(), "/usr/lib/x86_64-linux-gnu/libssl.so.3")) << *doc;
  EXPECT_FALSE(std::count(files.begin(), files.end(), "/checkout.conf"));
  EXPECT_NE(doc->find("# paths under /usr/bin, /usr/sbin and /usr/lib* are listed twice"), std::string::npos);
  // The policy check sees what Falco would: the /lib spelling is allowed.
  auto c = PolicyCheck::Parse(ExportFormat::kFalco, *doc, "shop/checkout/app");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ((*c)->Blocks(Exe("/bin/checkout")), "");
  EXPECT_EQ((*c)->Blocks(File("/lib/x86_64-linux-gnu/libssl.so.3", kAccessRead)), "");
}

// The documents say which label they select by, and where to change it.
TEST(ExportTest, SelectorsSayWhichLabelTheyAssume) {
  for (ExportFormat f : {ExportFormat::kNetworkPolicy, ExportFormat::kKubeArmor}) {
    SCOPED_TRACE(ExportFormatName(f));
    auto doc = Export(f, Synthetic(), kSource);
    ASSERT_TRUE(doc) << doc.error().message();
    EXPECT_NE(doc->find("# selector assumes the pods of shop/checkout carry the label app=checkout (a convention "
                        "driftwatch cannot check); if they are labelled otherwise, edit "
                        "spec.podSelector.matchLabels (NetworkPolicy) or spec.selector.matchLabels (KubeArmor)\n"),
              std::string::npos)
        << *doc;
    YAML::Node y = YAML::Load(*doc);
    EXPECT_EQ(y["metadata"]["annotations"]["driftwatch.io/selector"].as<std::string>(),
              "pods of owner checkout are selected by the label app=checkout (container app); check that the "
              "owner's pods carry it");
  }
  model::Fingerprint unit = Synthetic();
  unit.workload = "system.slice/nginx.service";
  auto doc = ExportNetworkPolicy(unit, kSource);
  ASSERT_TRUE(doc);
  EXPECT_NE(doc->find("# selector assumes the label driftwatch.io/workload=system.slice_nginx.service"),
            std::string::npos)
      << *doc;
}

// Containers outside Kubernetes are selected by their name, which is what
// their workload name keeps (collector/identity.h).
TEST(ExportTest, FalcoSelectsDockerAndPodmanContainersByName) {
  for (const char* runtime : {"docker", "podman"}) {
    model::Fingerprint fp = Synthetic();
    fp.workload = std::string(runtime) + "/web";
    auto doc = ExportFalco(fp, kSource);
    ASSERT_TRUE(doc) << doc.error().message();
    EXPECT_NE(doc->find("container.name = \"web\""), std::string::npos) << runtime << "\n" << *doc;
    EXPECT_EQ(doc->find("proc.cgroups contains"), std::string::npos) << runtime << "\n" << *doc;
  }
}

// A peer whose workload is named is selected by namespace and pod labels; the
// others stay ipBlocks, with the note that pod IPs change.
TEST(ExportTest, NetworkPolicyPeersBySelectorWhereTheirWorkloadIsKnown) {
  ExportOptions options;
  options.peers = {{"10.0.0.7", "shop/db/postgres"}, {"10.1.2.3", "system.slice/x.service"}};
  std::vector<std::string> notes;
  auto doc = ExportNetworkPolicy(Synthetic(), kSource, &notes, options);
  ASSERT_TRUE(doc) << doc.error().message();
  YAML::Node y = YAML::Load(*doc);
  ExpectNetworkPolicyShape(y);
  bool by_selector = false;
  for (const auto& rule : y["spec"]["egress"]) {
    for (const auto& peer : rule["to"]) {
      if (!peer["namespaceSelector"] || !peer["podSelector"]["matchLabels"]["app"]) continue;
      EXPECT_EQ(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as<std::string>(), "shop");
      EXPECT_EQ(peer["podSelector"]["matchLabels"]["app"].as<std::string>(), "db");
      EXPECT_EQ(rule["ports"][0]["port"].as<int>(), 5432);
      by_selector = true;
    }
  }
  EXPECT_TRUE(by_selector) << *doc;
  EXPECT_EQ(doc->find("10.0.0.7/32"), std::string::npos) << *doc;
  EXPECT_NE(doc->find("# peers selected by namespace and pod labels: 10.0.0.7 (shop/db/postgres)"),
            std::string::npos);
  // Not a Kubernetes name: still its address.
  EXPECT_NE(doc->find("10.1.2.3/32"), std::string::npos);
  bool ip_note = false;
  for (const auto& n : notes) ip_note |= n.find("pod IPs change when pods are rescheduled") != std::string::npos;
  EXPECT_TRUE(ip_note);
  EXPECT_NE(y["metadata"]["annotations"]["driftwatch.io/not-expressed"].as<std::string>().find("pod IPs change"),
            std::string::npos);
  // The check treats a selector peer as allowed, as the cluster would for the selected pods.
  auto check = PolicyCheck::Parse(ExportFormat::kNetworkPolicy, *doc, "shop/checkout/app");
  ASSERT_TRUE(check) << check.error().message();
}

TEST(ExportTest, JsonRoundTripsThroughCheck) {
  auto doc = ExportJson(Synthetic(), kSource);
  ASSERT_TRUE(doc);
  auto j = nlohmann::ordered_json::parse(*doc);
  EXPECT_EQ(j.begin().key(), "source");
  auto c = PolicyCheck::Parse(ExportFormat::kJson, *doc, "shop/checkout/app");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ((*c)->Blocks(Exe("/usr/bin/checkout")), "");
  EXPECT_NE((*c)->Blocks(Exe("/bin/sh")), "");
  EXPECT_EQ((*c)->Blocks(File("/var/cache/checkout/x", kAccessWrite)), "");
  EXPECT_NE((*c)->Blocks(File("/etc/checkout.conf", kAccessWrite)), "");
  EXPECT_EQ((*c)->Blocks(Net(model::Direction::kOutbound, "10.0.3.5", 443)), "");
}

TEST(ExportTest, PathGlobAndCidr) {
  EXPECT_TRUE(PathGlobMatch("/a/*/c", "/a/b/c"));
  EXPECT_FALSE(PathGlobMatch("/a/*", "/a/b/c"));
  EXPECT_TRUE(PathGlobMatch("/a/**", "/a/b/c"));
  EXPECT_EQ(PlaceholdersToGlob("/proc/<pid>/task/<tid>/stat"), "/proc/*/task/*/stat");
  EXPECT_TRUE(model::CidrContains("10.0.3.0/24", "10.0.3.255"));
  EXPECT_FALSE(model::CidrContains("10.0.3.0/24", "10.0.4.1"));
  EXPECT_TRUE(model::CidrContains("fd00::/64", "fd00::1"));
  EXPECT_FALSE(model::CidrContains("10.0.0.0/8", "fd00::1"));
  EXPECT_TRUE(model::IsLoopbackAddress("127.0.0.53"));
}

TEST(ExportTest, RefusesLearningBaselinesUnlessForced) {
  // Default thresholds: 360 s of training is still learning.
  Outcome r = Export("dw-eval/nginx", "kubearmor", "");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("still learning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.out.empty());

  Outcome forced = Export("dw-eval/nginx", "kubearmor", " --force");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_NE(forced.err.find("warn"), std::string::npos) << forced.err;
  EXPECT_NE(forced.out.find("KubeArmorPolicy"), std::string::npos);
}

TEST(ExportTest, RefusesBaselinesTrainedWithDrops) {
  const std::string path = TempDir() + "/dropped.db";
  {
    auto db = store::Store::Open(path, store::OpenMode::kReadWrite);
    ASSERT_TRUE(db);
    model::Fingerprint fp = Synthetic();
    fp.training.dropped_events = 12;
    fp.training.first_event_ns = 1;
    fp.training.last_event_ns = 4'000'000'000'000;
    ASSERT_TRUE((*db)->SaveFingerprints({fp}, 5).ok());
  }
  Outcome r = Driftwatch("export --db " + path + " --workload shop/checkout/app --format kubearmor");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("dropped 12 events"), std::string::npos) << r.err;
  Outcome forced = Driftwatch("export --db " + path + " --workload shop/checkout/app --format seccomp --force");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(nlohmann::json::parse(forced.out)["source"]["workload"], "shop/checkout/app");
}

TEST(ExportTest, VersionsUnknownNamesAndUsage) {
  Outcome v1 = Export("dw-eval/redis", "json", std::string(kStableFlags) + " --version 1");
  ASSERT_EQ(v1.code, 0) << v1.err;
  EXPECT_EQ(nlohmann::json::parse(v1.out)["source"]["version"], 1);

  Outcome v9 = Export("dw-eval/redis", "json", std::string(kStableFlags) + " --version 9");
  EXPECT_EQ(v9.code, 1);
  EXPECT_NE(v9.err.find("no fingerprint version 9"), std::string::npos) << v9.err;

  Outcome unknown = Export("nope/none", "json");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("unknown workload nope/none"), std::string::npos) << unknown.err;

  const std::string missing_db = TempDir() + "/never-created.db";
  Outcome bad_format = Driftwatch("export --db " + missing_db + " --workload x --format yaml");
  EXPECT_EQ(bad_format.code, 2);
  EXPECT_NE(bad_format.err.find("--format must be json, networkpolicy"), std::string::npos);
  Outcome bad_version = Driftwatch("export --db " + missing_db + " --workload x --format json --version 0");
  EXPECT_EQ(bad_version.code, 2);
  Outcome no_workload = Driftwatch("export --db " + missing_db + " --format json");
  EXPECT_EQ(no_workload.code, 2);
  Outcome check_no_trace = Driftwatch("check --db " + missing_db + " --workload x --format json");
  EXPECT_EQ(check_no_trace.code, 2);
  Outcome bad_output =
      Driftwatch("check --db " + missing_db + " --workload x --format json --trace t --output xml");
  EXPECT_EQ(bad_output.code, 2);
  EXPECT_FALSE(fs::exists(missing_db));
}

TEST(ExportTest, OutIsWrittenWhole) {
  const std::string out = TempDir() + "/policy.yaml";
  Outcome r = Export("dw-eval/nginx", "falco", std::string(kStableFlags) + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  ExpectFalcoShape(YAML::LoadFile(out));
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

Outcome Check(const std::string& workload, const std::string& format, const char* trace) {
  return Driftwatch("check --db " + TrainedDb() + " --workload " + workload + " --format " + format +
                    kStableFlags + " --output jsonl --trace " + Trace(workload, trace));
}

std::set<std::string> Subjects(const std::string& jsonl) {
  std::set<std::string> s;
  std::istringstream in(jsonl);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    s.insert(j["kind"].get<std::string>() + " " + j["subject"].get<std::string>());
  }
  return s;
}

TEST(ExportTest, CheckShowsTheDriftAndSparesNormalBehaviour) {
  for (const char* w : {"dw-eval/nginx", "dw-eval/redis"}) {
    SCOPED_TRACE(w);
    for (const char* format : {"kubearmor", "falco", "json"}) {
      SCOPED_TRACE(format);
      Outcome drift = Check(w, format, "drift");
      ASSERT_EQ(drift.code, 3) << drift.err;
      std::set<std::string> blocked = Subjects(drift.out);
      EXPECT_TRUE(blocked.count("exec /bin/sh") || blocked.count("exec /usr/bin/sh") ||
                  blocked.count("exec /usr/bin/dash"))
          << drift.out;
      EXPECT_TRUE(blocked.count("file /etc/shadow")) << drift.out;
      if (std::string(format) != "kubearmor") {  // KubeArmor matches protocols, not ports
        bool reverse = false;
        for (const auto& s : blocked) reverse |= s.find(":14444") != std::string::npos;
        EXPECT_TRUE(reverse) << drift.out;
      }
      Outcome normal = Check(w, format, "normal");
      ASSERT_TRUE(normal.code == 0 || normal.code == 3) << normal.err;
      std::set<std::string> spared = Subjects(normal.out);
      EXPECT_FALSE(spared.count("exec /bin/sh")) << normal.out;
      EXPECT_FALSE(spared.count("file /etc/shadow")) << normal.out;
    }
    // The seccomp profile, proved on the traces: the normal trace runs
    // entirely inside it. It holds the learned syscalls' whole groups, as
    // detection does (model/syscall_groups.h), so an intruder's everyday
    // tools may stay inside it (detection still flags them, by their process
    // tree, which a profile cannot see); what it refuses is syscalls.
    Outcome sc_normal = Check(w, "seccomp", "normal");
    EXPECT_EQ(sc_normal.code, 0) << sc_normal.out << sc_normal.err;
    Outcome sc_drift = Check(w, "seccomp", "drift");
    ASSERT_TRUE(sc_drift.code == 0 || sc_drift.code == 3) << sc_drift.err;
    for (const auto& s : Subjects(sc_drift.out)) EXPECT_EQ(s.rfind("syscall ", 0), 0u) << s;
    // The json export is the whole fingerprint: the normal trace passes it,
    // as it raises no finding in the eval.
    Outcome js_normal = Check(w, "json", "normal");
    EXPECT_EQ(js_normal.code, 0) << js_normal.out;
    // All testdata traffic is loopback, which NetworkPolicy does not govern.
    Outcome np = Check(w, "networkpolicy", "drift");
    EXPECT_EQ(np.code, 0) << np.out << np.err;
  }
}

// Removes the temporary directory after the last test.
class Cleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(TempDir(), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup = ::testing::AddGlobalTestEnvironment(new Cleanup);

}  // namespace
}  // namespace dw::tools
