// collector/syscall_names.cc: syscall names from libseccomp, resolved once per
// number and cached (decode runs per record; libseccomp allocates per call).
#include "collector/syscall_names.h"

#include <seccomp.h>
#include <sys/utsname.h>

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

}  // namespace dw::collector
