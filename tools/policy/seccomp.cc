// tools/policy/seccomp.cc: an OCI seccomp profile (ExportSeccomp) and the
// syscalls of the container runtime it must allow (kRuntimeSyscalls).
#include "tools/policy/export.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "collector/event.h"
#include "collector/syscall_names.h"
#include "model/syscall_groups.h"
#include "store/fingerprint_json.h"
#include "tools/policy/render.h"

namespace dw::tools {

const std::vector<std::string> kRuntimeSyscalls = {
    "capget", "capset",     "chdir", "close",      "epoll_pwait", "execve", "execveat",
    "fchown", "fstat",      "fstatfs", "futex",    "getdents64",  "getppid", "newfstatat",
    "openat", "prctl",      "read",  "setgid",     "setgroups",   "setuid",  "write"};

namespace {

const char* ScmpArch(const std::string& arch) {
  if (arch == "x86_64") return "SCMP_ARCH_X86_64";
  if (arch == "i386" || arch == "i686" || arch == "x86") return "SCMP_ARCH_X86";
  if (arch == "aarch64" || arch == "arm64") return "SCMP_ARCH_AARCH64";
  if (arch == "arm" || arch == "armv7l") return "SCMP_ARCH_ARM";
  if (arch == "riscv64") return "SCMP_ARCH_RISCV64";
  if (arch == "s390x") return "SCMP_ARCH_S390X";
  if (arch == "ppc64le") return "SCMP_ARCH_PPC64LE";
  return nullptr;
}

}  // namespace

Result<std::string> ExportSeccomp(const model::Fingerprint& fp, const ExportSource& src,
                                  std::vector<std::string>* notes) {
  if (fp.syscalls.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "workload " + fp.workload + " fingerprint v" + std::to_string(src.version) +
                      " has no syscalls; train it with driftwatch train --live --syscalls first");
  }
  if (model::EffectiveSyscallWatch(fp) != model::SyscallWatch::kAll) {
    return Status(ErrorCode::kInvalidArgument,
                  "workload " + fp.workload + " fingerprint v" + std::to_string(src.version) +
                      " learned only the sentinel syscalls (ptrace, mount, ...); train it with driftwatch "
                      "train --live --syscalls first");
  }
  const char* arch = ScmpArch(fp.syscall_arch);
  if (arch == nullptr) {
    return Status(ErrorCode::kInvalidArgument, "workload " + fp.workload + ": syscall architecture '" +
                                                   fp.syscall_arch + "' has no seccomp name");
  }
  std::vector<std::string> doc_notes;
  std::set<std::string> names;
  for (const auto& [name, st] : fp.syscalls) names.insert(name);
  // Detection passes every syscall of a group the workload used (writev
  // after write: model/syscall_groups.h); enforcement must agree, or the
  // profile kills what detection calls normal.
  std::set<std::string_view> groups;
  size_t grouped = 0;
  for (const std::string& name : model::WithLearnedGroups(fp.syscalls)) {
    if (names.count(name) || !collector::SyscallExists(fp.syscall_arch, name)) continue;
    names.insert(name);
    ++grouped;
    groups.insert(model::SyscallGroup(name));
  }
  if (grouped > 0) {
    std::string list;
    for (std::string_view g : groups) list += (list.empty() ? "" : ", ") + std::string(g);
    AddNote(notes, &doc_notes,
            "added so that enforcement agrees with detection, which passes every syscall of a group "
            "the workload used: " + std::to_string(grouped) + " syscalls of " + list);
  }
  // The runtime (and dw-seccomp-run) loads the profile before it execs the
  // workload: what it calls in between must be allowed or the workload
  // never starts. Training, which follows the workload, does not see it.
  std::vector<std::string> added;
  for (const std::string& name : kRuntimeSyscalls) {
    if (names.insert(name).second) added.push_back(name);
  }
  if (!added.empty()) {
    std::string list;
    for (const auto& a : added) list += (list.empty() ? "" : ", ") + a;
    AddNote(notes, &doc_notes,
            "added for the container runtime, which applies the profile before it execs the workload "
            "(runc's set, opencontainers/runc#2097): " + list);
  }
  // Paths a workload takes rarely: training only saw what ran while it watched.
  static const std::vector<std::pair<const char*, const char*>> kRarelySeen = {
      {"exit_group", "process exit"},        {"exit", "thread exit"},
      {"rt_sigreturn", "return from a signal handler"}, {"restart_syscall", "a syscall restarted after a signal"},
      {"wait4", "reaping a child"},          {"clone", "new threads or processes"},
      {"clone3", "new threads or processes"}, {"munmap", "releasing memory"}};
  std::vector<std::string> unseen;
  for (const auto& [name, why] : kRarelySeen) {
    if (!names.count(name)) unseen.push_back(std::string(name) + " (" + why + ")");
  }
  std::string warning = "warning: training saw " + std::to_string(fp.training.events) +
                        " events; code paths that did not run meanwhile (shutdown, signals, errors, "
                        "reloads, rare requests) make syscalls missing from this profile, which fail with EPERM";
  if (!unseen.empty()) {
    warning += "; not seen:";
    for (size_t i = 0; i < unseen.size(); ++i) warning += (i ? ", " : " ") + unseen[i];
  }
  warning += ". Run it with dw-seccomp-run or driftwatch check first";
  AddNote(notes, &doc_notes, warning);
  nlohmann::ordered_json doc;
  doc["comment"] = SourceLine(src);
  doc["source"] = {{"workload", src.workload},
                   {"version", src.version},
                   {"created", store::Rfc3339(src.created_ns)},
                   {"state", src.state},
                   {"db", src.db}};
  doc["defaultAction"] = "SCMP_ACT_ERRNO";
  doc["defaultErrnoRet"] = 1;  // EPERM
  doc["architectures"] = {arch};
  doc["syscalls"] = nlohmann::ordered_json::array();
  doc["syscalls"].push_back({{"names", names}, {"action", "SCMP_ACT_ALLOW"}});
  if (!doc_notes.empty()) doc["notes"] = doc_notes;
  return doc.dump(2) + "\n";
}

}  // namespace dw::tools
