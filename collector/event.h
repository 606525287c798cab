// collector/event.h: the decoded event, driftwatch's unit of behaviour.
//
// Decode() (collector/decode.h) turns a raw ring-buffer record (bpf/events.h)
// into an Event; the pipeline (collector/pipeline.h) then fills in the workload
// and the process context. Events are plain values: copyable, comparable.
#ifndef DRIFTWATCH_COLLECTOR_EVENT_H_
#define DRIFTWATCH_COLLECTOR_EVENT_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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
  kAccessConnect = 0x8,  // a connect to a unix socket at the path (no open)
};

// The words for the access bits, in bit order: "read", "write", "create",
// "connect" (JSON, explain, findings and the store's texts all spell them so).
std::vector<std::string_view> AccessWords(uint8_t access);
// The bit a word names, or 0 for none of them.
uint8_t AccessBitOf(std::string_view word);

// kExec: what the kernel knew about the executed file, as DW_EXEC_* in
// bpf/events.h. 0 when the kernel side could not tell (older traces too).
enum ExecFlags : uint8_t {
  kExecFileless = 0x1,    // no path on any file system: a memfd, or a file
                          // unlinked before exec (Event::path names it
                          // "memfd:NAME" or "<path> (deleted)")
  kExecUpperLayer = 0x2,  // on an overlayfs upper (writable) layer: written
                          // into the container after it started, not from
                          // its image
  // Set in user space (ProcessTable), not by the kernel: the exec of a
  // process the host's service manager forked into the cgroup (its parent
  // is pid 1, systemd, and the process had no image of its own before: the
  // workload never saw it fork, or saw it only as systemd): a unit's
  // ExecStart, ExecReload or ExecStop command, from the unit file.
  kExecByServiceManager = 0x4,
};

// The host's service manager's binary (systemd, at either spelling of merged /usr).
inline bool IsServiceManagerExe(std::string_view exe) {
  return exe == "/usr/lib/systemd/systemd" || exe == "/lib/systemd/systemd";
}

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

// What identifies an opened file without its path (bpf/events.h struct
// dw_file_id): the key of the kernel verdict cache (collector/verdict_cache.h).
// All 0 for a failed open and in traces of wire versions 1 and 2.
struct FileId {
  uint64_t ino = 0;
  uint64_t parent_ino = 0;   // the directory it was opened in
  uint32_t dev = 0;          // kernel dev_t encoding
  uint32_t generation = 0;   // inode generation: a reused inode number differs
  uint32_t mnt_id = 0;       // the mount it was opened through
  uint32_t name_hash = 0;    // the kernel's hash of the name it was opened by
  bool operator==(const FileId&) const = default;
  auto operator<=>(const FileId&) const = default;
};

// Where a process runs, as the container runtime and the kubelet name it
// (collector/runtime_context.h reads it from their state on disk). Every field
// is "" (or empty) when unknown: a replayed trace has none, a host process has
// only `node`.
struct RuntimeContext {
  std::string node;              // the host's name (uname nodename)
  std::string runtime;           // "docker", "podman", "containerd", "cri-o"; "" outside a container
  std::string container_id;      // the runtime's full 64-hex id
  std::string container_name;    // "web" (Docker, podman) or the pod spec's container name
  std::string image;             // the reference the container was created from: "docker.io/library/nginx:1.25"
  std::string image_repository;  // "docker.io/library/nginx"
  std::string image_tag;         // "1.25"; "" for a digest reference or none
  std::string pod_namespace;     // Kubernetes only, from here on
  std::string pod_name;          // "web-7d9f8b6c5d-x2x4k"
  std::string pod_uid;
  std::string pod_owner;         // the controller the pod's name points to (PodOwnerName)
  std::map<std::string, std::string> pod_labels;  // without the io.kubernetes.* keys
  bool empty() const { return *this == RuntimeContext{}; }
  bool operator==(const RuntimeContext&) const = default;
};

// An immutable RuntimeContext shared by every event of one cgroup: copying one
// per event is a reference count, not a dozen strings. Compares by value; a
// null one reads as an empty context.
class RuntimeContextRef {
 public:
  RuntimeContextRef() = default;
  explicit RuntimeContextRef(std::shared_ptr<const RuntimeContext> c) : c_(std::move(c)) {}
  explicit RuntimeContextRef(RuntimeContext c)
      : c_(std::make_shared<const RuntimeContext>(std::move(c))) {}
  const RuntimeContext& get() const { return c_ ? *c_ : Empty(); }
  const RuntimeContext* operator->() const { return &get(); }
  const RuntimeContext& operator*() const { return get(); }
  bool operator==(const RuntimeContextRef& o) const { return get() == o.get(); }

 private:
  static const RuntimeContext& Empty();
  std::shared_ptr<const RuntimeContext> c_;
};

// The process an event came from, as far as the pipeline knows it.
struct ProcessContext {
  uint32_t pid = 0;
  std::string exe;                   // executable path, "" if unknown
  std::vector<std::string> argv;
  uint32_t ppid = 0;
  // The parent's program (its script when an interpreter runs one, else its
  // exe), "" if unknown.
  std::string parent_exe;
  std::vector<std::string> ancestry; // programs, as parent_exe: parent first, up to the workload's root
  RuntimeContextRef runtime;         // its node, container and pod (live sources only)
  // The script an interpreter runs as this process's program
  // (`lua5.4 /usr/bin/prosody`: collector/programs.h ScriptOf), or "".
  std::string script;
  bool operator==(const ProcessContext&) const = default;
};

// Event::protocol (IPPROTO_*).
inline constexpr uint8_t kProtocolTcp = 6;
inline constexpr uint8_t kProtocolUdp = 17;

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
  // kExec: the working directory at the exec, absolute; "" when unknown (a
  // fileless exec, or a recording made before the kernel side sent it with
  // every exec). The base of an interpreter's relative script.
  std::string cwd;

  // kOpen.
  uint8_t access = 0;          // AccessBits
  uint32_t open_flags = 0;     // raw O_* flags
  int32_t result = 0;          // kOpen: fd or -errno; kAccept: fd
  FileId file;                 // kOpen: the opened file (wire version 3 on)

  // kConnect, kAccept, kListen, kDns. A UDP kConnect or kAccept is a flow
  // (bpf/events.h): the first datagram a process sent on it, or a connect.
  uint8_t protocol = 0;        // kProtocolTcp, kProtocolUdp
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
