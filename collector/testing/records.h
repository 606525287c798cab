// collector/testing/records.h: raw ring-buffer records (bpf/events.h) built by
// hand, for tests, fuzz seeds and synthetic traces. Header-only.
#ifndef DRIFTWATCH_COLLECTOR_TESTING_RECORDS_H_
#define DRIFTWATCH_COLLECTOR_TESTING_RECORDS_H_

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bpf/events.h"

namespace dw::collector::testing {

// Fields every record carries.
struct Who {
  uint64_t ts_boot_ns = 1000;
  uint64_t cgroup_id = 1;
  uint32_t pid = 100;
  uint32_t ppid = 1;
  uint32_t uid = 0;
  std::string comm = "test";
};

template <typename T>
std::string Bytes(const T& fixed, const std::string& trailing = "") {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &fixed, sizeof(T));
  out += trailing;
  dw_header h;
  std::memcpy(&h, out.data(), sizeof(h));
  h.size = static_cast<__u16>(out.size());
  std::memcpy(out.data(), &h, sizeof(h));
  return out;
}

inline dw_header Header(const Who& w, uint16_t kind) {
  dw_header h = {};
  h.ts_boot_ns = w.ts_boot_ns;
  h.cgroup_id = w.cgroup_id;
  h.pid = w.pid;
  h.tid = w.pid;
  h.ppid = w.ppid;
  h.uid = w.uid;
  h.kind = kind;
  std::strncpy(h.comm, w.comm.c_str(), sizeof(h.comm) - 1);
  return h;
}

inline std::string ExecRecord(const Who& w, const std::string& path,
                              const std::vector<std::string>& argv) {
  dw_exec_event e = {};
  e.h = Header(w, DW_EVENT_EXEC);
  std::string args;
  for (const auto& a : argv) args += a + std::string(1, '\0');
  e.path_len = static_cast<__u16>(path.size() + 1);
  e.argv_len = static_cast<__u16>(args.size());
  return Bytes(e, path + std::string(1, '\0') + args);
}

inline std::string ForkRecord(const Who& w, uint32_t child) {
  dw_fork_event e = {};
  e.h = Header(w, DW_EVENT_FORK);
  e.child_pid = child;
  return Bytes(e);
}

inline std::string ExitRecord(const Who& w) {
  dw_exit_event e = {};
  e.h = Header(w, DW_EVENT_EXIT);
  return Bytes(e);
}

inline std::string OpenRecord(const Who& w, const std::string& path, uint16_t access,
                              int32_t result = 3) {
  dw_open_event e = {};
  e.h = Header(w, DW_EVENT_OPEN);
  e.result = result;
  e.access = access;
  e.flags = (access & DW_ACCESS_WRITE) ? 01 : 0;
  e.path_len = static_cast<__u16>(path.size() + 1);
  e.dfd = -100;
  return Bytes(e, path + std::string(1, '\0'));
}

// kind: DW_EVENT_CONNECT, _ACCEPT or _LISTEN; IPv4 dotted quads.
inline std::string SockRecord(const Who& w, uint16_t kind, const std::string& local, uint16_t lport,
                              const std::string& peer, uint16_t pport) {
  dw_sock_event e = {};
  e.h = Header(w, kind);
  e.family = 2;
  e.protocol = 6;
  e.local_port = lport;
  e.peer_port = pport;
  inet_pton(AF_INET, local.c_str(), e.local_addr);
  if (!peer.empty()) inet_pton(AF_INET, peer.c_str(), e.peer_addr);
  return Bytes(e);
}

// A DNS query message for `name`: header (id, recursion desired, one
// question), the name as labels, type A, class IN.
inline std::string DnsQueryMessage(const std::string& name) {
  std::string msg("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    msg += static_cast<char>(dot - start);
    msg += name.substr(start, dot - start);
    start = dot + 1;
  }
  msg += std::string("\0\0\x01\0\x01", 5);
  return msg;
}

// A DNS query for `name` sent to `resolver`:53 over UDP.
inline std::string DnsRecord(const Who& w, const std::string& resolver, const std::string& name) {
  dw_dns_event e = {};
  e.s.h = Header(w, DW_EVENT_DNS);
  e.s.family = 2;
  e.s.protocol = 17;
  e.s.local_port = 40000;
  e.s.peer_port = 53;
  inet_pton(AF_INET, resolver.c_str(), e.s.peer_addr);
  const std::string msg = DnsQueryMessage(name);
  e.payload_len = static_cast<__u16>(msg.size());
  return Bytes(e, msg);
}

}  // namespace dw::collector::testing

#endif  // DRIFTWATCH_COLLECTOR_TESTING_RECORDS_H_
