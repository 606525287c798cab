// collector/syscall_names.h: syscall numbers to names, for syscall learning.
//
// Names are those of this host's native ABI (x86_64 on an x86_64 kernel), as
// libseccomp knows them; the only code that sees libseccomp. Thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_SYSCALL_NAMES_H_
#define DRIFTWATCH_COLLECTOR_SYSCALL_NAMES_H_

#include <cstdint>
#include <string>

namespace dw::collector {

// "openat" for 257 on x86_64; "syscall_<nr>" for a number libseccomp does not
// know (newer than the library, or unassigned).
std::string SyscallName(uint32_t nr);

// The ABI the names belong to: the kernel's machine ("x86_64", "aarch64"),
// from uname(2); "" if that fails.
std::string SyscallArch();

// Whether libseccomp knows `name` as a real syscall of the ABI `machine`
// names (SyscallArch(): "x86_64", "aarch64", "i686", ...): what an OCI seccomp
// profile for that ABI may list. False for an unknown ABI or name, and for a
// name the ABI lacks ("mmap2" on x86_64).
bool SyscallExists(const std::string& machine, const std::string& name);

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_SYSCALL_NAMES_H_
