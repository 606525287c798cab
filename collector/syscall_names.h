// collector/syscall_names.h: syscall numbers to names, for syscall learning.
//
// Names are those of this host's native ABI (x86_64 on an x86_64 kernel), as
// libseccomp knows them; the only code that sees libseccomp. Thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_SYSCALL_NAMES_H_
#define DRIFTWATCH_COLLECTOR_SYSCALL_NAMES_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// How much of a workload's syscall use a source sees, and so what a baseline
// trained from it can say about syscalls (model::Fingerprint::syscall_watch).
// Ordered: a baseline trained from several sources watched the least of them.
enum class SyscallWatch : uint8_t {
  kNone = 0,       // no syscall: the baseline says nothing about them
  kSentinels = 1,  // the sentinel syscalls only (SentinelSyscalls), each on its own hook
  kAll = 2,        // every syscall (--syscalls: one hook on every syscall of the host)
};
const char* SyscallWatchName(SyscallWatch w);  // "none", "sentinels", "all"
std::optional<SyscallWatch> ParseSyscallWatch(std::string_view name);

// A sentinel syscall: escapes a container, hides, persists or tampers with
// processes or the kernel (ptrace, mount, setns, bpf, init_module, ...). They
// are rare in any workload's normal run, so each is hooked on its own
// tracepoint, always, at no cost to other syscalls: a baseline trained
// without --syscalls still knows which of them the workload used. The same set
// as model's evasive and tampering syscalls (a test keeps them equal).
struct SentinelSyscall {
  std::string_view name;        // as SyscallName spells it: "umount2"
  std::string_view tracepoint;  // its syscalls/ tracepoint: "sys_enter_umount"
};
std::span<const SentinelSyscall> SentinelSyscalls();
// Their numbers in this host's native ABI (those it has).
const std::vector<uint32_t>& SentinelSyscallNumbers();
bool IsSentinelSyscall(std::string_view name);

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_SYSCALL_NAMES_H_
