// collector/decode.cc: ring-buffer records (bpf/events.h) to Events.
//
// The static_asserts below pin the wire layout; a failure means bpf/events.h
// changed and DW_WIRE_VERSION (and this decoder) must follow.
#include "collector/decode.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bpf/events.h"
#include "collector/syscall_names.h"

namespace dw::collector {

static_assert(sizeof(dw_header) == 56);
static_assert(offsetof(dw_header, ts_boot_ns) == 0);
static_assert(offsetof(dw_header, cgroup_id) == 8);
static_assert(offsetof(dw_header, pid) == 16);
static_assert(offsetof(dw_header, tid) == 20);
static_assert(offsetof(dw_header, ppid) == 24);
static_assert(offsetof(dw_header, uid) == 28);
static_assert(offsetof(dw_header, kind) == 32);
static_assert(offsetof(dw_header, size) == 34);
static_assert(offsetof(dw_header, flags) == 36);
static_assert(offsetof(dw_header, _pad0) == 38);
static_assert(offsetof(dw_header, comm) == 40);

static_assert(sizeof(dw_exec_event) == 72);
static_assert(offsetof(dw_exec_event, path_len) == 56);
static_assert(offsetof(dw_exec_event, cwd_len) == 58);
static_assert(offsetof(dw_exec_event, argv_len) == 60);
static_assert(offsetof(dw_exec_event, parent_len) == 62);  // v1: _pad0, always 0
static_assert(offsetof(dw_exec_event, exec_flags) == 64);
static_assert(offsetof(dw_exec_event, _pad0) == 68);
static_assert(DW_EXEC_EVENT_V1_SIZE == 64);
static_assert(kWireVersion == DW_WIRE_VERSION && kOldestWireVersion == DW_WIRE_VERSION_MIN);

static_assert(sizeof(dw_fork_event) == 64);
static_assert(offsetof(dw_fork_event, child_pid) == 56);
static_assert(offsetof(dw_fork_event, _pad0) == 60);

static_assert(sizeof(dw_exit_event) == 64);
static_assert(offsetof(dw_exit_event, exit_code) == 56);
static_assert(offsetof(dw_exit_event, _pad0) == 60);

static_assert(sizeof(dw_open_event) == 112);
static_assert(DW_OPEN_EVENT_V2_SIZE == offsetof(dw_open_event, file));
static_assert(offsetof(dw_open_event, file) == 80);
static_assert(sizeof(dw_file_id) == 32);
static_assert(offsetof(dw_file_id, ino) == 0);
static_assert(offsetof(dw_file_id, parent_ino) == 8);
static_assert(offsetof(dw_file_id, dev) == 16);
static_assert(offsetof(dw_file_id, generation) == 20);
static_assert(offsetof(dw_file_id, mnt_id) == 24);
static_assert(offsetof(dw_file_id, name_hash) == 28);
static_assert(offsetof(dw_open_event, result) == 56);
static_assert(offsetof(dw_open_event, flags) == 60);
static_assert(offsetof(dw_open_event, access) == 64);
static_assert(offsetof(dw_open_event, path_len) == 66);
static_assert(offsetof(dw_open_event, cwd_len) == 68);
static_assert(offsetof(dw_open_event, _pad0) == 70);
static_assert(offsetof(dw_open_event, dfd) == 72);
static_assert(offsetof(dw_open_event, _pad1) == 76);

static_assert(sizeof(dw_sock_event) == 104);
static_assert(offsetof(dw_sock_event, family) == 56);
static_assert(offsetof(dw_sock_event, protocol) == 58);
static_assert(offsetof(dw_sock_event, local_port) == 60);
static_assert(offsetof(dw_sock_event, peer_port) == 62);
static_assert(offsetof(dw_sock_event, local_addr) == 64);
static_assert(offsetof(dw_sock_event, peer_addr) == 80);
static_assert(offsetof(dw_sock_event, result) == 96);
static_assert(offsetof(dw_sock_event, _pad0) == 100);

static_assert(sizeof(dw_dns_event) == 112);
static_assert(offsetof(dw_dns_event, s) == 0);
static_assert(offsetof(dw_dns_event, payload_len) == 104);
static_assert(offsetof(dw_dns_event, _pad0) == 106);
static_assert(offsetof(dw_dns_event, _pad1) == 108);

static_assert(sizeof(dw_syscall_event) == 64);
static_assert(offsetof(dw_syscall_event, nr) == 56);
static_assert(offsetof(dw_syscall_event, _pad0) == 60);

static_assert(static_cast<int>(EventKind::kExec) == DW_EVENT_EXEC);
static_assert(static_cast<int>(EventKind::kFork) == DW_EVENT_FORK);
static_assert(static_cast<int>(EventKind::kExit) == DW_EVENT_EXIT);
static_assert(static_cast<int>(EventKind::kOpen) == DW_EVENT_OPEN);
static_assert(static_cast<int>(EventKind::kConnect) == DW_EVENT_CONNECT);
static_assert(static_cast<int>(EventKind::kAccept) == DW_EVENT_ACCEPT);
static_assert(static_cast<int>(EventKind::kListen) == DW_EVENT_LISTEN);
static_assert(static_cast<int>(EventKind::kDns) == DW_EVENT_DNS);
static_assert(static_cast<int>(EventKind::kSyscall) == DW_EVENT_SYSCALL);
static_assert(kExecFileless == DW_EXEC_FILELESS && kExecUpperLayer == DW_EXEC_UPPER_LAYER);
static_assert(kAccessRead == DW_ACCESS_READ && kAccessWrite == DW_ACCESS_WRITE &&
              kAccessCreate == DW_ACCESS_CREATE && kAccessConnect == DW_ACCESS_CONNECT);

namespace {

constexpr int kAtFdCwd = -100;  // AT_FDCWD
constexpr uint16_t kAfInet = 2;
constexpr uint16_t kAfInet6 = 10;

using Bytes = std::span<const uint8_t>;

Status Corrupt(const std::string& what) {
  return Status(ErrorCode::kCorrupt, "decode record: " + what);
}

// The fixed part of a record; the caller has checked record.size() >= sizeof(T).
template <typename T>
T Fixed(Bytes record) {
  T v;
  std::memcpy(&v, record.data(), sizeof(T));
  return v;
}

// Checks that `record` holds at least the fixed part T.
template <typename T>
Status CheckFixed(Bytes record, EventKind kind) {
  if (record.size() >= sizeof(T)) return Status::Ok();
  return Corrupt(std::string(EventKindName(kind)) + " record of " + std::to_string(record.size()) +
                 " bytes, shorter than its fixed part (" + std::to_string(sizeof(T)) + ")");
}

// Checks that `record` is exactly its fixed part plus the trailing lengths.
Status CheckTrailing(Bytes record, EventKind kind, size_t fixed, size_t trailing) {
  if (fixed + trailing == record.size()) return Status::Ok();
  return Corrupt(std::string(EventKindName(kind)) + " record of " + std::to_string(record.size()) +
                 " bytes does not hold " + std::to_string(fixed) + " fixed + " +
                 std::to_string(trailing) + " trailing bytes");
}

// The bytes before the first NUL (all of them if there is none).
std::string CString(Bytes b) {
  auto end = std::find(b.begin(), b.end(), uint8_t{0});
  return std::string(b.begin(), end);
}

// NUL-terminated arguments; a last argument cut before its NUL is kept.
std::vector<std::string> SplitArgv(Bytes b) {
  std::vector<std::string> out;
  auto it = b.begin();
  while (it != b.end()) {
    auto end = std::find(it, b.end(), uint8_t{0});
    out.emplace_back(it, end);
    it = end == b.end() ? end : end + 1;
  }
  return out;
}

// The components of `path` with "", "." and "dir/.." removed. A ".." with
// nothing before it is dropped (the root's parent is the root) unless
// `keep_leading_dotdot`, for paths relative to an unknown directory.
std::vector<std::string_view> Components(std::string_view path, bool keep_leading_dotdot) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (!parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (keep_leading_dotdot) {
      parts.push_back(part);
    }
  }
  return parts;
}

std::string Join(std::string prefix, const std::vector<std::string_view>& parts) {
  for (std::string_view p : parts) prefix.append("/").append(p);
  return prefix;
}

// An absolute path JoinAndNormalize leaves as it is: "/", or no empty, "."
// or ".." component and no trailing slash.
bool IsNormalAbsolute(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/') return false;
  // A component starts after each '/' (found by memchr), and is bad when
  // empty ("//"), "." or "..".
  const char* const end = path.data() + path.size();
  const char* slash = path.data();
  while (slash != nullptr) {
    const char* c = slash + 1;
    const size_t left = static_cast<size_t>(end - c);
    if (left == 0 || c[0] == '/') return false;
    if (c[0] == '.' && (left == 1 || c[1] == '/' || (c[1] == '.' && (left == 2 || c[2] == '/')))) {
      return false;
    }
    slash = static_cast<const char*>(std::memchr(c, '/', left));
  }
  return true;
}

// A path relative to `base` (a directory), made absolute. When the kernel
// side could not read the base directory the path stays relative behind a
// marker no absolute path starts with: "<cwd>/x" for the working directory,
// "<fd 7>/x" for directory fd 7; leading ".." components are kept there.
std::string ResolvePath(const std::string& path, const std::string& base, int32_t dfd) {
  if (!path.empty() && path[0] == '/') return JoinAndNormalize(path, "");
  if (!base.empty()) return JoinAndNormalize(path, base);
  return Join(dfd == kAtFdCwd ? "<cwd>" : "<fd " + std::to_string(dfd) + ">",
              Components(path, /*keep_leading_dotdot=*/true));
}

// The executable's path of an exec record. A fileless binary keeps the
// name of its anonymous file ("memfd:x") as it is; an unlinked one gets the
// " (deleted)" suffix /proc/<pid>/exe shows. A path with no base directory
// ("" or relative, where the kernel side could not tell) stays "<cwd>/x".
std::string ExecPath(const std::string& path, const std::string& cwd, uint8_t exec_flags) {
  if (!path.empty() && path[0] != '/' && cwd.empty() && (exec_flags & kExecFileless) != 0) {
    return path;
  }
  std::string out = ResolvePath(path, cwd, kAtFdCwd);
  if ((exec_flags & kExecFileless) != 0) out += " (deleted)";
  return out;
}

Result<Endpoint> MakeEndpoint(uint16_t family, const uint8_t (&addr)[16], uint16_t port) {
  Endpoint ep;
  ep.family = static_cast<uint8_t>(family);
  ep.port = port;
  if (family == kAfInet) {
    std::memcpy(ep.addr.data(), addr, 4);
  } else if (family == kAfInet6) {
    std::memcpy(ep.addr.data(), addr, 16);
  } else {
    return Corrupt("unknown address family " + std::to_string(family));
  }
  return ep;
}

Status DecodeSock(const dw_sock_event& s, Event* e) {
  e->protocol = static_cast<uint8_t>(s.protocol);
  e->result = s.result;
  ASSIGN_OR_RETURN(e->local, MakeEndpoint(s.family, s.local_addr, s.local_port));
  if (e->kind != EventKind::kListen) {  // a listening socket has no peer
    ASSIGN_OR_RETURN(e->peer, MakeEndpoint(s.family, s.peer_addr, s.peer_port));
  }
  return Status::Ok();
}

// *e as a default Event, keeping the memory of its strings and vectors.
void Reset(Event* e, bool keep_process) {
  auto clear = [](std::string& s) { s.clear(); };
  static const EventKind kDefaultKind = Event{}.kind;
  e->kind = kDefaultKind;
  e->time_ns = 0;
  e->cgroup = {};
  e->pid = e->tid = e->ppid = e->uid = 0;
  clear(e->comm);
  e->truncated = false;
  clear(e->path);
  e->argv.clear();
  e->exec_flags = 0;
  clear(e->parent_exe);
  clear(e->cwd);
  e->access = 0;
  e->open_flags = 0;
  e->result = 0;
  e->file = {};
  e->protocol = 0;
  e->local = {};
  e->peer = {};
  clear(e->dns_name);
  e->child_pid = 0;
  e->exit_code = 0;
  e->syscall_nr = 0;
  clear(e->syscall);
  clear(e->cgroup_path);
  clear(e->workload);
  if (keep_process) return;
  ProcessContext& p = e->process;
  p.pid = p.ppid = 0;
  clear(p.exe);
  p.argv.clear();
  clear(p.parent_exe);
  p.ancestry.clear();
  p.runtime = {};
}

}  // namespace

Result<Event> Decode(std::span<const uint8_t> record, int64_t boot_to_unix_ns,
                     uint32_t wire_version) {
  Event e;
  RETURN_IF_ERROR(DecodeInto(record, boot_to_unix_ns, wire_version, &e));
  return e;
}

Status DecodeInto(std::span<const uint8_t> record, int64_t boot_to_unix_ns, uint32_t wire_version,
                  Event* out, bool keep_process) {
  if (wire_version < kOldestWireVersion || wire_version > kWireVersion) {
    return Corrupt("wire version " + std::to_string(wire_version) + " is not one of " +
                   std::to_string(kOldestWireVersion) + ".." + std::to_string(kWireVersion));
  }
  if (record.size() < sizeof(dw_header)) {
    return Corrupt(std::to_string(record.size()) + " bytes, shorter than the header (" +
                   std::to_string(sizeof(dw_header)) + ")");
  }
  if (record.size() > DW_MAX_RECORD) {
    return Corrupt(std::to_string(record.size()) + " bytes, larger than DW_MAX_RECORD");
  }
  const auto h = Fixed<dw_header>(record);
  if (h.size != record.size()) {
    return Corrupt("size field " + std::to_string(h.size) + " disagrees with record length " +
                   std::to_string(record.size()));
  }

  Reset(out, keep_process);
  Event& e = *out;
  e.kind = static_cast<EventKind>(h.kind);
  // Unsigned addition: a garbage stamp wraps instead of overflowing.
  e.time_ns = static_cast<int64_t>(h.ts_boot_ns + static_cast<uint64_t>(boot_to_unix_ns));
  e.cgroup = CgroupId{h.cgroup_id};
  e.pid = h.pid;
  e.tid = h.tid;
  e.ppid = h.ppid;
  e.uid = h.uid;
  e.comm.assign(h.comm, strnlen(h.comm, sizeof(h.comm)));
  e.truncated = (h.flags & DW_FLAG_TRUNCATED) != 0;

  switch (e.kind) {
    case EventKind::kExec: {
      // A version-1 exec record is the first DW_EXEC_EVENT_V1_SIZE bytes of
      // today's; parent_len and exec_flags stay 0.
      const size_t fixed = wire_version == 1 ? DW_EXEC_EVENT_V1_SIZE : sizeof(dw_exec_event);
      if (record.size() < fixed) {
        return Corrupt("exec record of " + std::to_string(record.size()) +
                       " bytes, shorter than its fixed part (" + std::to_string(fixed) + ")");
      }
      dw_exec_event x{};
      std::memcpy(&x, record.data(), fixed);
      if (wire_version == 1) x.parent_len = 0;
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, fixed,
                                    size_t{x.path_len} + x.cwd_len + x.parent_len + x.argv_len));
      Bytes tail = record.subspan(fixed);
      e.exec_flags = static_cast<uint8_t>(x.exec_flags & (kExecFileless | kExecUpperLayer));
      std::string cwd = CString(tail.subspan(x.path_len, x.cwd_len));
      e.path = ExecPath(CString(tail.first(x.path_len)), cwd, e.exec_flags);
      if (cwd.starts_with('/')) e.cwd = std::move(cwd);
      tail = tail.subspan(size_t{x.path_len} + x.cwd_len);
      // The kernel reads the parent's path from its open exe file: absolute,
      // or an anonymous file's own name, never relative to anything.
      if (x.parent_len > 0) {
        std::string parent = CString(tail.first(x.parent_len));
        e.parent_exe = parent.starts_with('/') ? JoinAndNormalize(parent, "") : parent;
      }
      e.argv = SplitArgv(tail.subspan(x.parent_len, x.argv_len));
      return Status::Ok();
    }
    case EventKind::kFork: {
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, sizeof(dw_fork_event), 0));
      e.child_pid = Fixed<dw_fork_event>(record).child_pid;
      return Status::Ok();
    }
    case EventKind::kExit: {
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, sizeof(dw_exit_event), 0));
      e.exit_code = Fixed<dw_exit_event>(record).exit_code;
      return Status::Ok();
    }
    case EventKind::kOpen: {
      // A version-1 or -2 open record is the first DW_OPEN_EVENT_V2_SIZE
      // bytes of today's; the file's identity stays 0.
      const size_t fixed = wire_version < 3 ? DW_OPEN_EVENT_V2_SIZE : sizeof(dw_open_event);
      if (record.size() < fixed) {
        return Corrupt("open record of " + std::to_string(record.size()) +
                       " bytes, shorter than its fixed part (" + std::to_string(fixed) + ")");
      }
      dw_open_event o{};
      std::memcpy(&o, record.data(), fixed);
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, fixed, size_t{o.path_len} + o.cwd_len));
      Bytes tail = record.subspan(fixed);
      const Bytes raw = tail.first(o.path_len);
      const std::string_view view(reinterpret_cast<const char*>(raw.data()),
                                  std::find(raw.begin(), raw.end(), uint8_t{0}) - raw.begin());
      if (IsNormalAbsolute(view)) {
        e.path.assign(view);  // what ResolvePath would return, without copies
      } else if (std::string path(view);
                 (o.result >= 0 || (o.access & DW_ACCESS_CONNECT) != 0) && o.cwd_len == 0 && !path.empty() &&
                 path[0] != '/') {
        e.path = std::move(path);  // an anonymous file's own name ("memfd:x"), an abstract socket's ("@x")
      } else {
        e.path = ResolvePath(path, CString(tail.subspan(o.path_len, o.cwd_len)), o.dfd);
      }
      e.access = static_cast<uint8_t>(o.access);
      e.open_flags = o.flags;
      e.result = o.result;
      e.file = FileId{o.file.ino, o.file.parent_ino, o.file.dev, o.file.generation, o.file.mnt_id,
                      o.file.name_hash};
      return Status::Ok();
    }
    case EventKind::kConnect:
    case EventKind::kAccept:
    case EventKind::kListen: {
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, sizeof(dw_sock_event), 0));
      RETURN_IF_ERROR(DecodeSock(Fixed<dw_sock_event>(record), &e));
      return Status::Ok();
    }
    case EventKind::kDns: {
      RETURN_IF_ERROR(CheckFixed<dw_dns_event>(record, e.kind));
      const auto d = Fixed<dw_dns_event>(record);
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, sizeof(d), d.payload_len));
      RETURN_IF_ERROR(DecodeSock(d.s, &e));
      e.dns_name = ParseDnsQueryName(record.subspan(sizeof(d), d.payload_len));
      return Status::Ok();
    }
    case EventKind::kSyscall: {
      RETURN_IF_ERROR(CheckTrailing(record, e.kind, sizeof(dw_syscall_event), 0));
      e.syscall_nr = Fixed<dw_syscall_event>(record).nr;
      if (e.syscall_nr >= DW_SYSCALL_MAX) {
        return Corrupt("syscall number " + std::to_string(e.syscall_nr) + " out of range");
      }
      e.syscall = SyscallName(e.syscall_nr);
      return Status::Ok();
    }
    default:
      return Corrupt("unknown kind " + std::to_string(h.kind));
  }
}

std::string JoinAndNormalize(std::string_view path, std::string_view cwd) {
  std::string joined;
  if (path.empty() || path[0] != '/') joined.append(cwd).append("/");
  joined.append(path);
  if (IsNormalAbsolute(joined)) return joined;  // most are: no need to split and join
  std::string out = Join("", Components(joined, /*keep_leading_dotdot=*/false));
  return out.empty() ? "/" : out;
}

std::string ParseDnsQueryName(std::span<const uint8_t> message) {
  constexpr size_t kHeaderLen = 12;
  constexpr size_t kMaxNameLen = 255;  // RFC 1035 2.3.4: wire octets, length bytes included
  if (message.size() < kHeaderLen) return "";
  const unsigned qdcount = (unsigned{message[4]} << 8) | message[5];
  if (qdcount == 0) return "";

  std::string name;
  size_t pos = kHeaderLen;
  size_t wire_len = 0;
  while (true) {
    if (pos >= message.size()) return "";
    const uint8_t len = message[pos++];
    wire_len += 1 + len;
    if (wire_len > kMaxNameLen) return "";
    if (len == 0) break;
    if (len > 63) return "";  // a compression pointer (0xc0) or a reserved label type
    if (message.size() - pos < len) return "";
    if (!name.empty()) name.push_back('.');
    for (uint8_t c : message.subspan(pos, len)) {
      // Escaped as dig prints them, so a label cannot forge a dot or a control byte.
      if (c == '.' || c == '\\') {
        name.push_back('\\');
        name.push_back(static_cast<char>(c));
      } else if (c < 0x21 || c > 0x7e) {
        char buf[5];
        std::snprintf(buf, sizeof(buf), "\\%03u", unsigned{c});
        name.append(buf);
      } else {
        name.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      }
    }
    pos += len;
  }
  return name;
}

}  // namespace dw::collector
