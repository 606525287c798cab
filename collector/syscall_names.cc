// collector/syscall_names.cc: syscall names from libseccomp, resolved once per
// number and cached (decode runs per record; libseccomp allocates per call).
#include "collector/syscall_names.h"

#include <seccomp.h>
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <mutex>

#include "bpf/events.h"

namespace dw::collector {
namespace {

struct NameTable {
  std::once_flag once;
  std::array<std::string, DW_SYSCALL_MAX> names;
};

NameTable& Table() {
  static NameTable table;
  std::call_once(table.once, [] {
    for (uint32_t nr = 0; nr < DW_SYSCALL_MAX; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
      table.names[nr] = name != nullptr ? name : "syscall_" + std::to_string(nr);
      std::free(name);
    }
  });
  return table;
}

}  // namespace

std::string SyscallName(uint32_t nr) {
  if (nr >= DW_SYSCALL_MAX) return "syscall_" + std::to_string(nr);
  return Table().names[nr];
}

std::string SyscallArch() {
  struct utsname uts;
  if (uname(&uts) != 0) return "";
  return uts.machine;
}

bool SyscallExists(const std::string& machine, const std::string& name) {
  std::string arch_name = machine;
  if (machine == "i386" || machine == "i686") arch_name = "x86";
  if (machine == "armv7l") arch_name = "arm";
  if (machine == "arm64") arch_name = "aarch64";
  const uint32_t arch = seccomp_arch_resolve_name(arch_name.c_str());
  if (arch == 0) return false;
  // Negative numbers are libseccomp's pseudo-syscalls: names the ABI lacks.
  return seccomp_syscall_resolve_name_arch(arch, name.c_str()) >= 0;
}

const char* SyscallWatchName(SyscallWatch w) {
  switch (w) {
    case SyscallWatch::kNone:
      return "none";
    case SyscallWatch::kSentinels:
      return "sentinels";
    case SyscallWatch::kAll:
      return "all";
  }
  return "none";
}

std::optional<SyscallWatch> ParseSyscallWatch(std::string_view name) {
  for (SyscallWatch w : {SyscallWatch::kNone, SyscallWatch::kSentinels, SyscallWatch::kAll}) {
    if (name == SyscallWatchName(w)) return w;
  }
  return std::nullopt;
}

namespace {

// Tracepoints are named after the kernel's SYSCALL_DEFINE, not always the ABI
// name (x86_64's umount2 is defined as umount). Kernels without modules or
// kexec have no tracepoints for those: the hook is then listed as missing.
constexpr SentinelSyscall kSentinels[] = {
    {"mount", "sys_enter_mount"},
    {"umount2", "sys_enter_umount"},
    {"pivot_root", "sys_enter_pivot_root"},
    {"chroot", "sys_enter_chroot"},
    {"unshare", "sys_enter_unshare"},
    {"setns", "sys_enter_setns"},
    {"keyctl", "sys_enter_keyctl"},
    {"add_key", "sys_enter_add_key"},
    {"request_key", "sys_enter_request_key"},
    {"perf_event_open", "sys_enter_perf_event_open"},
    {"personality", "sys_enter_personality"},
    {"userfaultfd", "sys_enter_userfaultfd"},
    {"memfd_create", "sys_enter_memfd_create"},
    {"reboot", "sys_enter_reboot"},
    {"swapon", "sys_enter_swapon"},
    {"settimeofday", "sys_enter_settimeofday"},
    {"clock_settime", "sys_enter_clock_settime"},
    {"ptrace", "sys_enter_ptrace"},
    {"process_vm_readv", "sys_enter_process_vm_readv"},
    {"process_vm_writev", "sys_enter_process_vm_writev"},
    {"bpf", "sys_enter_bpf"},
    {"init_module", "sys_enter_init_module"},
    {"finit_module", "sys_enter_finit_module"},
    {"delete_module", "sys_enter_delete_module"},
    {"kexec_load", "sys_enter_kexec_load"},
    {"kexec_file_load", "sys_enter_kexec_file_load"},
    {"open_by_handle_at", "sys_enter_open_by_handle_at"},
    {"iopl", "sys_enter_iopl"},
    {"ioperm", "sys_enter_ioperm"},
};

}  // namespace

std::span<const SentinelSyscall> SentinelSyscalls() { return kSentinels; }

const std::vector<uint32_t>& SentinelSyscallNumbers() {
  static const std::vector<uint32_t> numbers = [] {
    std::vector<uint32_t> out;
    for (const SentinelSyscall& s : kSentinels) {
      const int nr = seccomp_syscall_resolve_name(std::string(s.name).c_str());
      if (nr >= 0 && nr < DW_SYSCALL_MAX) out.push_back(static_cast<uint32_t>(nr));
    }
    return out;
  }();
  return numbers;
}

bool IsSentinelSyscall(std::string_view name) {
  return std::ranges::any_of(kSentinels, [name](const SentinelSyscall& s) { return s.name == name; });
}

}  // namespace dw::collector
