// collector/event.h: the decoded event, driftwatch's unit of behaviour.
//
// Decode() (collector/decode.h) turns a raw ring-buffer record (bpf/events.h)
// into an Event; the pipeline (collector/pipeline.h) then fills in the workload
// and the process context. Events are plain values: copyable, comparable.
#ifndef DRIFTWATCH_COLLECTOR_EVENT_H_
#define DRIFTWATCH_COLLECTOR_EVENT_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dw {

// A cgroup v2 id: the inode number of the cgroup's directory.
struct CgroupId {
  uint64_t value = 0;
  auto operator<=>(const CgroupId&) const = default;
};

// Append-only, numbered as enum dw_event_kind in bpf/events.h.
enum class EventKind : uint16_t {
  kExec = 1,
  kFork = 2,
  kExit = 3,
  kOpen = 4,
  kConnect = 5,
  kAccept = 6,
  kListen = 7,
  kDns = 8,
  kSyscall = 9,  // a cgroup's first use of a syscall (only with syscall learning)
};

// "exec", "fork", ... ; "unknown" for values outside the enum.
const char* EventKindName(EventKind kind);

// Access bits, as DW_ACCESS_* in bpf/events.h.
enum AccessBits : uint8_t {
  kAccessRead = 0x1,
  kAccessWrite = 0x2,
  kAccessCreate = 0x4,
};

// kExec: what the kernel knew about the executed file, as DW_EXEC_* in
// bpf/events.h. 0 when the kernel side could not tell (older traces too).
enum ExecFlags : uint8_t {
  kExecFileless = 0x1,    // no path on any file system: a memfd, or a file
                          // unlinked before exec (Event::path names it
                          // "memfd:NAME" or "<path> (deleted)")
  kExecUpperLayer = 0x2,  // on an overlayfs upper (writable) layer: written
                          // into the container after it started, not from
                          // its image
};

// An IPv4 or IPv6 address and port.
struct Endpoint {
  uint8_t family = 0;                // 2 = AF_INET, 10 = AF_INET6, 0 = none
  std::array<uint8_t, 16> addr{};    // network byte order; IPv4 in the first 4 bytes
  uint16_t port = 0;                 // host byte order
  bool operator==(const Endpoint&) const = default;
  auto operator<=>(const Endpoint&) const = default;

  // "10.0.0.7", "::1"; IPv4-mapped IPv6 addresses print as IPv4.
  std::string AddressString() const;
  // "10.0.0.7:5432", "[::1]:80".
  std::string ToString() const;
};

// The process an event came from, as far as the pipeline knows it.
struct ProcessContext {
  uint32_t pid = 0;
  std::string exe;                   // executable path, "" if unknown
  std::vector<std::string> argv;
  uint32_t ppid = 0;
  std::string parent_exe;            // "" if unknown
  std::vector<std::string> ancestry; // exe chain, parent first, up to the workload's root
  bool operator==(const ProcessContext&) const = default;
};

struct Event {
  EventKind kind = EventKind::kExec;
  int64_t time_ns = 0;         // wall clock, ns since the Unix epoch
  CgroupId cgroup;
  uint32_t pid = 0;            // thread group id
  uint32_t tid = 0;
  uint32_t ppid = 0;           // parent's thread group id
  uint32_t uid = 0;
  std::string comm;
  bool truncated = false;      // a path, argv or payload was cut by the kernel side

  // kExec: the executable's path and argv. kOpen: the absolute, lexically
  // normalised path ("." and ".." resolved, cwd joined for relative paths).
  std::string path;
  std::vector<std::string> argv;
  uint8_t exec_flags = 0;      // kExec: ExecFlags
  // kExec: the real parent's executable when the exec happened, read by the
  // kernel ("" when it has none, or in traces of wire version 1). The
  // process table prefers it to what it remembers of the parent.
  std::string parent_exe;

  // kOpen.
  uint8_t access = 0;          // AccessBits
  uint32_t open_flags = 0;     // raw O_* flags
  int32_t result = 0;          // kOpen: fd or -errno; kAccept: fd

  // kConnect, kAccept, kListen, kDns.
  uint8_t protocol = 0;        // 6 = TCP, 17 = UDP
  Endpoint local;
  Endpoint peer;
  std::string dns_name;        // kDns: the first question's name, "" if none

  // kFork.
  uint32_t child_pid = 0;
  // kExit.
  int32_t exit_code = 0;

  // kSyscall: the number (native ABI) and its name ("openat"; "syscall_463"
  // when this host's libseccomp does not know it).
  uint32_t syscall_nr = 0;
  std::string syscall;

  // Filled by the pipeline, not by Decode().
  std::string cgroup_path;     // relative to the cgroup2 root, "" for the root
  std::string workload;        // see collector/workload.h
  ProcessContext process;

  bool operator==(const Event&) const = default;
};

}  // namespace dw

#endif  // DRIFTWATCH_COLLECTOR_EVENT_H_
