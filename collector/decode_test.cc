// collector/decode_test.cc: Decode() on records built from the bpf/events.h
// structs, the wire layout, path normalisation, DNS names, Endpoint printing.
#include "collector/decode.h"

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpf/events.h"
#include "collector/syscall_names.h"

namespace dw::collector {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr int64_t kBootToUnix = 1'700'000'000'000'000'000;

// The wire layout, as the BPF programs see it (also pinned in decode.cc).
TEST(DecodeLayoutTest, SizesAndOffsets) {
  EXPECT_EQ(sizeof(dw_header), 56u);
  EXPECT_EQ(offsetof(dw_header, cgroup_id), 8u);
  EXPECT_EQ(offsetof(dw_header, pid), 16u);
  EXPECT_EQ(offsetof(dw_header, kind), 32u);
  EXPECT_EQ(offsetof(dw_header, size), 34u);
  EXPECT_EQ(offsetof(dw_header, flags), 36u);
  EXPECT_EQ(offsetof(dw_header, comm), 40u);
  EXPECT_EQ(sizeof(dw_exec_event), 72u);
  EXPECT_EQ(offsetof(dw_exec_event, path_len), 56u);
  EXPECT_EQ(offsetof(dw_exec_event, cwd_len), 58u);
  EXPECT_EQ(offsetof(dw_exec_event, argv_len), 60u);
  EXPECT_EQ(offsetof(dw_exec_event, parent_len), 62u);
  EXPECT_EQ(offsetof(dw_exec_event, exec_flags), 64u);
  EXPECT_EQ(DW_EXEC_EVENT_V1_SIZE, 64);
  EXPECT_EQ(sizeof(dw_fork_event), 64u);
  EXPECT_EQ(offsetof(dw_fork_event, child_pid), 56u);
  EXPECT_EQ(sizeof(dw_exit_event), 64u);
  EXPECT_EQ(offsetof(dw_exit_event, exit_code), 56u);
  EXPECT_EQ(sizeof(dw_open_event), 112u);
  EXPECT_EQ(offsetof(dw_open_event, file), 80u);
  EXPECT_EQ(DW_OPEN_EVENT_V2_SIZE, 80);
  EXPECT_EQ(sizeof(dw_file_id), 32u);
  EXPECT_EQ(sizeof(dw_verdict_key), 48u);
  EXPECT_EQ(offsetof(dw_verdict_key, id.file), 16u);
  EXPECT_EQ(offsetof(dw_verdict_key, id.sock.family), 16u);
  EXPECT_EQ(offsetof(dw_verdict_key, id.sock.addr), 24u);
  EXPECT_EQ(sizeof(dw_sock_id), sizeof(dw_file_id));
  EXPECT_EQ(sizeof(dw_cgroup_state), 8u);
  EXPECT_EQ(offsetof(dw_cgroup_state, watched), 4u);
  EXPECT_EQ(offsetof(dw_open_event, result), 56u);
  EXPECT_EQ(offsetof(dw_open_event, flags), 60u);
  EXPECT_EQ(offsetof(dw_open_event, access), 64u);
  EXPECT_EQ(offsetof(dw_open_event, path_len), 66u);
  EXPECT_EQ(offsetof(dw_open_event, cwd_len), 68u);
  EXPECT_EQ(offsetof(dw_open_event, dfd), 72u);
  EXPECT_EQ(sizeof(dw_sock_event), 104u);
  EXPECT_EQ(offsetof(dw_sock_event, family), 56u);
  EXPECT_EQ(offsetof(dw_sock_event, protocol), 58u);
  EXPECT_EQ(offsetof(dw_sock_event, local_port), 60u);
  EXPECT_EQ(offsetof(dw_sock_event, peer_port), 62u);
  EXPECT_EQ(offsetof(dw_sock_event, local_addr), 64u);
  EXPECT_EQ(offsetof(dw_sock_event, peer_addr), 80u);
  EXPECT_EQ(offsetof(dw_sock_event, result), 96u);
  EXPECT_EQ(sizeof(dw_dns_event), 112u);
  EXPECT_EQ(offsetof(dw_dns_event, payload_len), 104u);
  EXPECT_EQ(sizeof(dw_syscall_event), 64u);
  EXPECT_EQ(offsetof(dw_syscall_event, nr), 56u);
  EXPECT_EQ(offsetof(dw_syscall_event, _pad0), 60u);
}

dw_header Header(uint16_t kind, uint16_t flags = 0) {
  dw_header h{};
  h.ts_boot_ns = 5'000'000'123;
  h.cgroup_id = 4242;
  h.pid = 300;
  h.tid = 301;
  h.ppid = 1;
  h.uid = 1000;
  h.kind = kind;
  h.flags = flags;
  std::memcpy(h.comm, "postgres\0junk", 13);  // bytes after the NUL are ignored
  return h;
}

// What Decode() gives for Header(kind, flags), before the kind's own fields.
Event Expected(EventKind kind, bool truncated = false) {
  Event e;
  e.kind = kind;
  e.time_ns = 5'000'000'123 + kBootToUnix;
  e.cgroup = CgroupId{4242};
  e.pid = 300;
  e.tid = 301;
  e.ppid = 1;
  e.uid = 1000;
  e.comm = "postgres";
  e.truncated = truncated;
  return e;
}

// The fixed part's bytes, then the trailing bytes; the header's size field is
// set to the total unless `size_field` is given.
template <typename T>
Bytes Record(const T& fixed, const std::string& trailing = "", int size_field = -1) {
  Bytes out(sizeof(T));
  std::memcpy(out.data(), &fixed, sizeof(T));
  out.insert(out.end(), trailing.begin(), trailing.end());
  const uint16_t size = static_cast<uint16_t>(size_field >= 0 ? size_field : out.size());
  std::memcpy(out.data() + offsetof(dw_header, size), &size, sizeof(size));
  return out;
}

Event MustDecode(const Bytes& record) {
  Result<Event> e = Decode(record, kBootToUnix);
  EXPECT_TRUE(e.has_value()) << e.error().message();
  return e.has_value() ? *e : Event{};
}

ErrorCode DecodeError(const Bytes& record) { return Decode(record, kBootToUnix).error().code(); }

TEST(DecodeTest, ExecAbsolutePath) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  const std::string path("/usr/bin/env\0", 13), argv("env\0-i\0FOO=1\0", 13);
  x.path_len = path.size();
  x.argv_len = argv.size();
  Event want = Expected(EventKind::kExec);
  want.path = "/usr/bin/env";
  want.argv = {"env", "-i", "FOO=1"};
  EXPECT_EQ(MustDecode(Record(x, path + argv)), want);
}

TEST(DecodeTest, ExecRelativePathJoinsCwdAndKeepsCutArgv) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC, DW_FLAG_TRUNCATED);
  const std::string path("./bin/../run.sh\0", 16), cwd("/srv/app\0", 9),
      argv("run.sh\0\0--he", 12);  // an empty argument, then one cut before its NUL
  x.path_len = path.size();
  x.cwd_len = cwd.size();
  x.argv_len = argv.size();
  Event want = Expected(EventKind::kExec, /*truncated=*/true);
  want.path = "/srv/app/run.sh";
  want.cwd = "/srv/app";
  want.argv = {"run.sh", "", "--he"};
  EXPECT_EQ(MustDecode(Record(x, path + cwd + argv)), want);
}

// The kernel side sends the working directory with an absolute path too: the
// base of an interpreter's relative script (`python3 app.py`).
TEST(DecodeTest, ExecKeepsTheWorkingDirectory) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  const std::string path("/usr/bin/python3.11\0", 20), cwd("/app\0", 5), argv("python3\0app.py\0", 15);
  x.path_len = path.size();
  x.cwd_len = cwd.size();
  x.argv_len = argv.size();
  Event want = Expected(EventKind::kExec);
  want.path = "/usr/bin/python3.11";
  want.cwd = "/app";
  want.argv = {"python3", "app.py"};
  EXPECT_EQ(MustDecode(Record(x, path + cwd + argv)), want);
}

TEST(DecodeTest, ExecRelativePathWithoutCwdIsMarked) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  const std::string path("../tools/./x\0", 13);
  x.path_len = path.size();
  Event want = Expected(EventKind::kExec);
  want.path = "<cwd>/../tools/x";
  EXPECT_EQ(MustDecode(Record(x, path)), want);
}

TEST(DecodeTest, ExecCarriesTheParentsExecutable) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  const std::string path("/usr/bin/sleep\0", 15), parent("/usr/bin//bash\0", 15),
      argv("sleep\0" "1\0", 8);
  x.path_len = path.size();
  x.parent_len = parent.size();
  x.argv_len = argv.size();
  Event want = Expected(EventKind::kExec);
  want.path = "/usr/bin/sleep";
  want.parent_exe = "/usr/bin/bash";
  want.argv = {"sleep", "1"};
  EXPECT_EQ(MustDecode(Record(x, path + parent + argv)), want);
}

TEST(DecodeTest, FilelessExecsAreNamed) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  x.exec_flags = DW_EXEC_FILELESS;
  const std::string memfd("memfd:x\0", 8), parent("memfd:stage1\0", 13);
  x.path_len = memfd.size();
  x.parent_len = parent.size();
  Event want = Expected(EventKind::kExec);
  want.exec_flags = kExecFileless;
  want.path = "memfd:x";
  want.parent_exe = "memfd:stage1";
  EXPECT_EQ(MustDecode(Record(x, memfd + parent)), want);

  const std::string deleted("/tmp/./x\0", 9);
  x.path_len = deleted.size();
  x.parent_len = 0;
  want.path = "/tmp/x (deleted)";
  want.parent_exe = "";
  EXPECT_EQ(MustDecode(Record(x, deleted)), want);

  // A relative name without the flag is still relative to an unknown cwd;
  // unknown flag bits are dropped.
  x.exec_flags = DW_EXEC_UPPER_LAYER | 0x80;
  x.path_len = memfd.size();
  want.exec_flags = kExecUpperLayer;
  want.path = "<cwd>/memfd:x";
  EXPECT_EQ(MustDecode(Record(x, memfd)), want);
}

// Traces of wire version 1 (testdata/) hold 64-byte exec records with no
// parent or flags; they decode as they always did, and only as version 1.
TEST(DecodeTest, WireVersionOneExecRecords) {
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  const std::string path("/usr/bin/env\0", 13), argv("env\0-i\0", 7);
  x.path_len = path.size();
  x.argv_len = argv.size();
  x.parent_len = 0;  // v1's _pad0
  Bytes v1(DW_EXEC_EVENT_V1_SIZE);
  std::memcpy(v1.data(), &x, v1.size());
  v1.insert(v1.end(), path.begin(), path.end());
  v1.insert(v1.end(), argv.begin(), argv.end());
  const uint16_t size = static_cast<uint16_t>(v1.size());
  std::memcpy(v1.data() + offsetof(dw_header, size), &size, sizeof(size));

  Event want = Expected(EventKind::kExec);
  want.path = "/usr/bin/env";
  want.argv = {"env", "-i"};
  Result<Event> e = Decode(v1, kBootToUnix, 1);
  ASSERT_TRUE(e.has_value()) << e.error().message();
  EXPECT_EQ(*e, want);
  // The same bytes read as today's layout do not add up.
  EXPECT_EQ(Decode(v1, kBootToUnix, kWireVersion).error().code(), ErrorCode::kCorrupt);
  // Versions outside what this build reads.
  EXPECT_EQ(Decode(v1, kBootToUnix, 0).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Decode(v1, kBootToUnix, kWireVersion + 1).error().code(), ErrorCode::kCorrupt);
  // Kinds other than exec are laid out alike in both versions.
  dw_fork_event fork{};
  fork.h = Header(DW_EVENT_FORK);
  fork.child_pid = 9;
  EXPECT_EQ(Decode(Record(fork), kBootToUnix, 1).value(), MustDecode(Record(fork)));
}

// Wire version 3 added the opened file's identity to open records; records
// of versions 1 and 2 are the first 80 bytes and decode with it 0.
TEST(DecodeTest, OpenRecordsOfEachWireVersion) {
  dw_open_event o{};
  o.h = Header(DW_EVENT_OPEN);
  o.result = 5;
  o.access = DW_ACCESS_READ;
  o.dfd = -100;
  const std::string path("/srv/www/index.html\0", 20);
  o.path_len = path.size();
  o.file = {.ino = 1234, .parent_ino = 99, .dev = 0x800001, .generation = 7, .mnt_id = 31, .name_hash = 0xabcdef};
  Event want = Expected(EventKind::kOpen);
  want.path = "/srv/www/index.html";
  want.access = kAccessRead;
  want.result = 5;
  want.file = FileId{1234, 99, 0x800001, 7, 31, 0xabcdef};
  EXPECT_EQ(MustDecode(Record(o, path)), want);

  Bytes v2(DW_OPEN_EVENT_V2_SIZE);
  std::memcpy(v2.data(), &o, v2.size());
  v2.insert(v2.end(), path.begin(), path.end());
  const uint16_t size = static_cast<uint16_t>(v2.size());
  std::memcpy(v2.data() + offsetof(dw_header, size), &size, sizeof(size));
  want.file = FileId{};
  for (uint32_t version : {1u, 2u}) {
    Result<Event> e = Decode(v2, kBootToUnix, version);
    ASSERT_TRUE(e.has_value()) << e.error().message();
    EXPECT_EQ(*e, want) << version;
  }
  // The same bytes read as today's layout are short.
  EXPECT_EQ(Decode(v2, kBootToUnix, kWireVersion).error().code(), ErrorCode::kCorrupt);
}

TEST(DecodeTest, Fork) {
  dw_fork_event f{};
  f.h = Header(DW_EVENT_FORK);
  f.child_pid = 777;
  Event want = Expected(EventKind::kFork);
  want.child_pid = 777;
  EXPECT_EQ(MustDecode(Record(f)), want);
}

TEST(DecodeTest, Exit) {
  dw_exit_event x{};
  x.h = Header(DW_EVENT_EXIT);
  x.exit_code = (3 << 8) | 9;
  Event want = Expected(EventKind::kExit);
  want.exit_code = (3 << 8) | 9;
  EXPECT_EQ(MustDecode(Record(x)), want);
}

TEST(DecodeTest, SyscallNamedForTheNativeAbi) {
  dw_syscall_event s{};
  s.h = Header(DW_EVENT_SYSCALL);
  s.nr = 257;
  Event want = Expected(EventKind::kSyscall);
  want.syscall_nr = 257;
#if defined(__x86_64__)
  want.syscall = "openat";
#else
  want.syscall = SyscallName(257);
#endif
  EXPECT_EQ(MustDecode(Record(s)), want);
}

TEST(DecodeTest, SyscallOutOfRangeIsCorrupt) {
  dw_syscall_event s{};
  s.h = Header(DW_EVENT_SYSCALL);
  s.nr = DW_SYSCALL_MAX;
  EXPECT_EQ(DecodeError(Record(s)), ErrorCode::kCorrupt);
  s.nr = 0;
  EXPECT_EQ(DecodeError(Record(s, "xxxx")), ErrorCode::kCorrupt);  // not fixed size
}

TEST(SyscallNamesTest, KnownUnknownAndArch) {
#if defined(__x86_64__)
  EXPECT_EQ(SyscallName(0), "read");
  EXPECT_EQ(SyscallName(101), "ptrace");
  EXPECT_EQ(SyscallName(135), "personality");
  EXPECT_EQ(SyscallName(231), "exit_group");
  EXPECT_EQ(SyscallArch(), "x86_64");
#endif
  EXPECT_EQ(SyscallName(511), "syscall_511");  // unassigned on every ABI
  EXPECT_EQ(SyscallName(DW_SYSCALL_MAX + 1), "syscall_513");
}

// The numbers the agent forgets on relearn name the sentinels, each once.
TEST(SyscallNamesTest, SentinelNumbersNameTheSentinels) {
  const std::vector<uint32_t>& numbers = SentinelSyscallNumbers();
  std::set<uint32_t> distinct(numbers.begin(), numbers.end());
  EXPECT_EQ(distinct.size(), numbers.size());
  for (uint32_t nr : numbers) EXPECT_TRUE(IsSentinelSyscall(SyscallName(nr))) << nr;
  EXPECT_LE(numbers.size(), SentinelSyscalls().size());
  EXPECT_GE(numbers.size(), 20u);  // this ABI has most of them
#if defined(__x86_64__)
  EXPECT_EQ(numbers.size(), SentinelSyscalls().size());  // iopl and ioperm included
  EXPECT_TRUE(distinct.count(135)) << "personality";
#endif
}

dw_open_event OpenFixed(int32_t dfd, uint16_t path_len, uint16_t cwd_len) {
  dw_open_event o{};
  o.h = Header(DW_EVENT_OPEN);
  o.result = -2;
  o.flags = 0101;  // O_WRONLY | O_CREAT
  o.access = DW_ACCESS_WRITE | DW_ACCESS_CREATE;
  o.path_len = path_len;
  o.cwd_len = cwd_len;
  o.dfd = dfd;
  return o;
}

Event ExpectedOpen(const std::string& path) {
  Event e = Expected(EventKind::kOpen);
  e.path = path;
  e.access = kAccessWrite | kAccessCreate;
  e.open_flags = 0101;
  e.result = -2;
  return e;
}

TEST(DecodeTest, OpenAbsolutePathStopsAtNul) {
  const std::string path("/etc//hosts\0stale", 17);
  EXPECT_EQ(MustDecode(Record(OpenFixed(-100, path.size(), 0), path)),
            ExpectedOpen("/etc/hosts"));
}

// A successful open of an anonymous file (a memfd through /proc/self/fd)
// comes with the file's own name, no base directory.
TEST(DecodeTest, OpenOfAnAnonymousFileKeepsItsName) {
  const std::string name("memfd:x\0", 8);
  dw_open_event o = OpenFixed(-100, name.size(), 0);
  o.result = 3;
  EXPECT_EQ(MustDecode(Record(o, name)).path, "memfd:x");
  o.result = -2;  // a failed open's relative name is the caller's, relative to its cwd
  EXPECT_EQ(MustDecode(Record(o, name)).path, "<cwd>/memfd:x");
}

// A connect to a unix socket comes as an open record of its path with the
// connect bit; an abstract socket's "@name" is kept, refused or not.
TEST(DecodeTest, UnixConnectKeepsItsPathAndAbstractName) {
  const std::string path("/run/docker.sock\0", 17);
  dw_open_event o = OpenFixed(-100, path.size(), 0);
  o.access = DW_ACCESS_CONNECT;
  o.flags = 0;
  o.result = -111;  // ECONNREFUSED
  Event e = MustDecode(Record(o, path));
  EXPECT_EQ(e.path, "/run/docker.sock");
  EXPECT_EQ(e.access, kAccessConnect);
  EXPECT_EQ(e.result, -111);
  const std::string abstract("@/containerd-shim/x.sock\0", 25);
  o.path_len = abstract.size();
  EXPECT_EQ(MustDecode(Record(o, abstract)).path, "@/containerd-shim/x.sock");
  o.result = 0;
  EXPECT_EQ(MustDecode(Record(o, abstract)).path, "@/containerd-shim/x.sock");
}

TEST(DecodeTest, OpenRelativeToBaseDirectory) {
  const std::string path("../etc//passwd\0", 15), cwd("/srv/app\0", 9);
  EXPECT_EQ(MustDecode(Record(OpenFixed(7, path.size(), cwd.size()), path + cwd)),
            ExpectedOpen("/srv/etc/passwd"));
}

TEST(DecodeTest, OpenRelativeToUnreadableDirectoryFd) {
  const std::string path("lib/./../../x.so\0", 17);
  EXPECT_EQ(MustDecode(Record(OpenFixed(7, path.size(), 0), path)),
            ExpectedOpen("<fd 7>/../x.so"));
  const std::string up("../../x\0", 8);
  EXPECT_EQ(MustDecode(Record(OpenFixed(3, up.size(), 0), up)), ExpectedOpen("<fd 3>/../../x"));
  const std::string cwd_path("data\0", 5);
  EXPECT_EQ(MustDecode(Record(OpenFixed(-100, cwd_path.size(), 0), cwd_path)),
            ExpectedOpen("<cwd>/data"));
}

dw_sock_event Sock(uint16_t kind, uint16_t family) {
  dw_sock_event s{};
  s.h = Header(kind);
  s.family = family;
  s.protocol = 6;
  s.local_port = 40000;
  s.peer_port = 5432;
  const uint8_t local[16] = {10, 0, 0, 2, 0xee, 0xee, 0xee, 0xee};  // junk after IPv4
  const uint8_t peer[16] = {10, 0, 0, 7, 0xee};
  std::memcpy(s.local_addr, local, 16);
  std::memcpy(s.peer_addr, peer, 16);
  return s;
}

Endpoint V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  Endpoint ep;
  ep.family = 2;
  ep.addr = {a, b, c, d};
  ep.port = port;
  return ep;
}

TEST(DecodeTest, ConnectIpv4) {
  Event want = Expected(EventKind::kConnect);
  want.protocol = 6;
  want.local = V4(10, 0, 0, 2, 40000);
  want.peer = V4(10, 0, 0, 7, 5432);
  EXPECT_EQ(MustDecode(Record(Sock(DW_EVENT_CONNECT, 2))), want);
}

TEST(DecodeTest, AcceptIpv6) {
  dw_sock_event s = Sock(DW_EVENT_ACCEPT, 10);
  const uint8_t local[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const uint8_t peer[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 9};
  std::memcpy(s.local_addr, local, 16);
  std::memcpy(s.peer_addr, peer, 16);
  s.result = 5;
  Event want = Expected(EventKind::kAccept);
  want.protocol = 6;
  want.result = 5;
  want.local.family = 10;
  std::memcpy(want.local.addr.data(), local, 16);
  want.local.port = 40000;
  want.peer.family = 10;
  std::memcpy(want.peer.addr.data(), peer, 16);
  want.peer.port = 5432;
  EXPECT_EQ(MustDecode(Record(s)), want);
}

TEST(DecodeTest, ListenHasNoPeer) {
  dw_sock_event s = Sock(DW_EVENT_LISTEN, 2);
  s.peer_port = 0;
  Event want = Expected(EventKind::kListen);
  want.protocol = 6;
  want.local = V4(10, 0, 0, 2, 40000);
  EXPECT_EQ(MustDecode(Record(s)), want);
}

TEST(DecodeTest, UnknownAddressFamilyIsCorrupt) {
  EXPECT_EQ(DecodeError(Record(Sock(DW_EVENT_CONNECT, 1))), ErrorCode::kCorrupt);
}

// A DNS query message: header (id, RD flag, qdcount), the labels, a root
// terminator unless `terminate` is false, then QTYPE A, QCLASS IN.
std::string DnsQuery(const std::vector<std::string>& labels, uint16_t qdcount = 1,
                     bool terminate = true) {
  std::string m = {0x12, 0x34, 0x01, 0x00, static_cast<char>(qdcount >> 8),
                   static_cast<char>(qdcount & 0xff), 0, 0, 0, 0, 0, 0};
  for (const std::string& l : labels) {
    m.push_back(static_cast<char>(l.size()));
    m += l;
  }
  if (terminate) m += std::string("\0\0\1\0\1", 5);
  return m;
}

TEST(DecodeTest, DnsQuery) {
  dw_dns_event d{};
  d.s = Sock(DW_EVENT_DNS, 2);
  d.s.protocol = 17;
  d.s.peer_port = 53;
  const std::string payload = DnsQuery({"API", "Example", "com"});
  d.payload_len = payload.size();
  Event want = Expected(EventKind::kDns);
  want.protocol = 17;
  want.local = V4(10, 0, 0, 2, 40000);
  want.peer = V4(10, 0, 0, 7, 53);
  want.dns_name = "api.example.com";
  EXPECT_EQ(MustDecode(Record(d, payload)), want);
}

TEST(DecodeTest, DnsConnectHasNoName) {
  dw_dns_event d{};
  d.s = Sock(DW_EVENT_DNS, 2);
  d.s.protocol = 17;
  Event want = Expected(EventKind::kDns);
  want.protocol = 17;
  want.local = V4(10, 0, 0, 2, 40000);
  want.peer = V4(10, 0, 0, 7, 5432);
  EXPECT_EQ(MustDecode(Record(d)), want);
}

TEST(DecodeTest, TimeWrapsInsteadOfOverflowing) {
  dw_fork_event f{};
  f.h = Header(DW_EVENT_FORK);
  f.h.ts_boot_ns = ~uint64_t{0};
  EXPECT_EQ(MustDecode(Record(f)).time_ns, kBootToUnix - 1);
}

TEST(DecodeTest, MalformedRecordsAreCorrupt) {
  dw_fork_event fork{};
  fork.h = Header(DW_EVENT_FORK);
  const Bytes good_fork = Record(fork);

  // Shorter than the header; empty.
  EXPECT_EQ(DecodeError(Bytes(good_fork.begin(), good_fork.begin() + 55)), ErrorCode::kCorrupt);
  EXPECT_EQ(DecodeError(Bytes()), ErrorCode::kCorrupt);
  // Size field disagrees with the record length, either way.
  EXPECT_EQ(DecodeError(Record(fork, "", 60)), ErrorCode::kCorrupt);
  EXPECT_EQ(DecodeError(Record(fork, "", 72)), ErrorCode::kCorrupt);
  // Bytes beyond the fixed part of a fixed-size kind.
  EXPECT_EQ(DecodeError(Record(fork, "xxxx")), ErrorCode::kCorrupt);
  // Header only, for every kind: shorter than its fixed part.
  for (uint16_t kind = DW_EVENT_EXEC; kind <= DW_EVENT_SYSCALL; ++kind) {
    EXPECT_EQ(DecodeError(Record(Header(kind))), ErrorCode::kCorrupt) << kind;
  }
  // Unknown kinds.
  fork.h.kind = 0;
  EXPECT_EQ(DecodeError(Record(fork)), ErrorCode::kCorrupt);
  fork.h.kind = 99;
  Result<Event> unknown = Decode(Record(fork), kBootToUnix);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(unknown.error().message(), "decode record: unknown kind 99");
  // Larger than DW_MAX_RECORD, size field consistent.
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  x.path_len = DW_MAX_RECORD;
  EXPECT_EQ(DecodeError(Record(x, std::string(DW_MAX_RECORD, '/'))), ErrorCode::kCorrupt);

  // Trailing lengths that overrun the record, or leave bytes unaccounted for.
  x.path_len = 10;
  x.argv_len = 5;
  EXPECT_EQ(DecodeError(Record(x, "/bin/true")), ErrorCode::kCorrupt);
  EXPECT_EQ(DecodeError(Record(x, std::string(20, 'a'))), ErrorCode::kCorrupt);
  EXPECT_TRUE(Decode(Record(x, std::string(15, 'a')), kBootToUnix).has_value());
  x.path_len = 0xffff;  // would wrap a 16-bit sum
  x.cwd_len = 0xffff;
  x.argv_len = 0xffff;
  EXPECT_EQ(DecodeError(Record(x, "abc")), ErrorCode::kCorrupt);

  const std::string path("/a\0", 3);
  EXPECT_EQ(DecodeError(Record(OpenFixed(-100, 3, 9), path)), ErrorCode::kCorrupt);

  dw_dns_event d{};
  d.s = Sock(DW_EVENT_DNS, 2);
  d.payload_len = 40;
  EXPECT_EQ(DecodeError(Record(d, DnsQuery({"a"}))), ErrorCode::kCorrupt);
}

// An Event with every field set, as the previous event a reused one held.
Event Dirty() {
  Event e;
  e.kind = EventKind::kSyscall;
  e.time_ns = 1;
  e.cgroup = CgroupId{9};
  e.pid = e.tid = e.ppid = e.uid = 9;
  e.comm = "a comm that does not fit inline";
  e.truncated = true;
  e.path = "/a/long/previous/path/that/is/on/the/heap";
  e.argv = {"x", "a long argument that is on the heap"};
  e.exec_flags = kExecFileless;
  e.parent_exe = "/usr/bin/parent";
  e.access = kAccessWrite;
  e.open_flags = 1;
  e.result = 9;
  e.protocol = 6;
  e.local = e.peer = V4(1, 2, 3, 4, 5);
  e.dns_name = "example.com";
  e.child_pid = 9;
  e.exit_code = 9;
  e.syscall_nr = 9;
  e.syscall = "ptrace";
  e.cgroup_path = "system.slice/x.service";
  e.workload = "x";
  e.process.pid = e.process.ppid = 9;
  e.process.exe = "/usr/bin/x";
  e.process.argv = {"x"};
  e.process.parent_exe = "/usr/bin/p";
  e.process.ancestry = {"/usr/bin/p"};
  e.process.runtime = RuntimeContextRef(RuntimeContext{.node = "n"});
  return e;
}

// DecodeInto leaves nothing of what the Event held: the same value as Decode.
TEST(DecodeTest, DecodeIntoOverwritesEveryField) {
  std::vector<Bytes> records;
  dw_exec_event x{};
  x.h = Header(DW_EVENT_EXEC);
  const std::string exe("/usr/bin/env\0", 13), argv("env\0-i\0", 8);
  x.path_len = exe.size();
  x.argv_len = argv.size();
  records.push_back(Record(x, exe + argv));
  for (const std::string& p : {std::string("/etc//hosts\0", 12), std::string("/srv/app/x.html\0", 16),
                               std::string("/\0", 2), std::string("rel/x\0", 6)}) {
    records.push_back(Record(OpenFixed(-100, p.size(), 0), p));
  }
  dw_dns_event d{};
  d.s = Sock(DW_EVENT_DNS, 2);
  const std::string payload = DnsQuery({"api", "example", "com"});
  d.payload_len = payload.size();
  records.push_back(Record(d, payload));
  dw_fork_event f{};
  f.h = Header(DW_EVENT_FORK);
  f.child_pid = 301;
  records.push_back(Record(f));
  for (const Bytes& r : records) {
    Event e = Dirty();
    ASSERT_TRUE(DecodeInto(r, kBootToUnix, kWireVersion, &e).ok());
    EXPECT_EQ(e, MustDecode(r));
  }
}

// Absolute paths that are already normal are taken as they are; the others
// are normalised: the same either way.
TEST(DecodeTest, OpenPathsNormalOrNot) {
  for (const char* p : {"/", "/a", "/a/b", "/a/b/", "/a//b", "/a/./b", "/a/../b", "/..", "/.x/..y/...",
                        "//", "/a/.", "/a/..", "/./a", "/.", "/a/.../b", "/a/..b/c.", "/a/b//"}) {
    const std::string path = std::string(p) + '\0';
    EXPECT_EQ(MustDecode(Record(OpenFixed(-100, path.size(), 0), path)).path, JoinAndNormalize(p, ""))
        << p;
  }
}

TEST(JoinAndNormalizeTest, Table) {
  struct Case {
    const char* path;
    const char* cwd;
    const char* want;
  };
  const Case cases[] = {
      {"../etc//x", "/srv/app", "/srv/etc/x"},
      {"/a/b/../c", "/ignored", "/a/c"},
      {"x", "", "/x"},
      {"", "/srv", "/srv"},
      {"", "", "/"},
      {"../../..", "/a", "/"},
      {"/..", "", "/"},
      {"/../etc/./passwd", "/x", "/etc/passwd"},
      {"./a/./b/", "/", "/a/b"},
      {"a", "/srv/", "/srv/a"},
      {"a", "srv", "/srv/a"},
      {"...", "/", "/..."},
      {"a/..b/.c", "/", "/a/..b/.c"},
      {"a/b/c/../../d", "/r", "/r/a/d"},
      {"///", "/r", "/"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(JoinAndNormalize(c.path, c.cwd), c.want) << c.path << " in " << c.cwd;
  }
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ParseDnsQueryNameTest, Table) {
  const std::string l63(63, 'a'), l61(61, 'b');
  std::string pointer = DnsQuery({"www"}, 1, false);
  pointer += "\xc0\x0c";
  std::string overrun = DnsQuery({}, 1, false);
  overrun += "\x0a" "abc";
  std::string long_label = DnsQuery({}, 1, false);
  long_label += "\x40" + std::string(64, 'x') + std::string("\0", 1);

  struct Case {
    const char* what;
    std::string message;
    std::string want;
  };
  const Case cases[] = {
      {"plain", DnsQuery({"www", "example", "com"}), "www.example.com"},
      {"lower-cased", DnsQuery({"WWW", "ExAmple", "COM"}), "www.example.com"},
      {"single label", DnsQuery({"localhost"}), "localhost"},
      {"service labels", DnsQuery({"_ldap", "_tcp", "dc"}), "_ldap._tcp.dc"},
      {"two questions", DnsQuery({"a", "b"}, 2), "a.b"},
      {"63-byte label", DnsQuery({l63, "com"}), l63 + ".com"},
      {"255-byte name", DnsQuery({l63, l63, l63, l61}), l63 + "." + l63 + "." + l63 + "." + l61},
      {"dot and control bytes escaped", DnsQuery({"a.b", "c\\d", std::string("\x01\x7f", 2)}),
       "a\\.b.c\\\\d.\\001\\127"},
      {"no question", DnsQuery({"www", "example", "com"}, 0), ""},
      {"root name", DnsQuery({}), ""},
      {"short header", std::string("\x12\x34\x01\x00\x00\x01", 6), ""},
      {"header only", DnsQuery({}, 1, false), ""},
      {"unterminated name", DnsQuery({"www", "example"}, 1, false), ""},
      {"label overruns message", overrun, ""},
      {"64-byte label", long_label, ""},
      {"compression pointer", pointer, ""},
      {"256-byte name", DnsQuery({l63, l63, l63, l61 + "c"}), ""},
      {"empty", "", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseDnsQueryName(AsBytes(c.message)), c.want) << c.what;
  }
}

TEST(EventTest, KindNames) {
  EXPECT_STREQ(EventKindName(EventKind::kExec), "exec");
  EXPECT_STREQ(EventKindName(EventKind::kOpen), "open");
  EXPECT_STREQ(EventKindName(EventKind::kDns), "dns");
  EXPECT_STREQ(EventKindName(EventKind::kSyscall), "syscall");
  EXPECT_STREQ(EventKindName(static_cast<EventKind>(42)), "unknown");
}

TEST(EventTest, EndpointStrings) {
  Endpoint v4 = V4(10, 0, 0, 7, 5432);
  EXPECT_EQ(v4.AddressString(), "10.0.0.7");
  EXPECT_EQ(v4.ToString(), "10.0.0.7:5432");

  Endpoint v6;
  v6.family = 10;
  v6.addr[15] = 1;
  v6.port = 80;
  EXPECT_EQ(v6.AddressString(), "::1");
  EXPECT_EQ(v6.ToString(), "[::1]:80");

  Endpoint mapped;
  mapped.family = 10;
  mapped.addr = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 9};
  mapped.port = 443;
  EXPECT_EQ(mapped.AddressString(), "192.168.1.9");
  EXPECT_EQ(mapped.ToString(), "192.168.1.9:443");

  Endpoint doc;
  doc.family = 10;
  doc.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
  doc.port = 53;
  EXPECT_EQ(doc.ToString(), "[2001:db8::42]:53");

  EXPECT_EQ(Endpoint{}.AddressString(), "");
  EXPECT_EQ(Endpoint{}.ToString(), "");
}

// IPv4 addresses are printed without inet_ntop: the same text for every byte
// value in every position.
TEST(EventTest, DottedQuadsAreWhatInetNtopPrints) {
  for (unsigned v = 0; v < 256; ++v) {
    for (int at = 0; at < 4; ++at) {
      Endpoint e = V4(1, 20, 255, 0, 80);
      e.addr[static_cast<size_t>(at)] = static_cast<uint8_t>(v);
      char want[INET_ADDRSTRLEN] = {};
      ASSERT_NE(inet_ntop(AF_INET, e.addr.data(), want, sizeof(want)), nullptr);
      ASSERT_EQ(e.AddressString(), want) << v << " at " << at;
    }
  }
}

}  // namespace
}  // namespace dw::collector
