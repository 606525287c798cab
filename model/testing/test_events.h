// model/testing/test_events.h: builders of enriched Events for model and
// profiler tests and benchmarks (what the pipeline would have produced).
#ifndef DRIFTWATCH_MODEL_TESTING_TEST_EVENTS_H_
#define DRIFTWATCH_MODEL_TESTING_TEST_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "collector/event.h"

namespace dw::model::testing {

inline Endpoint V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  Endpoint ep;
  ep.family = 2;
  ep.addr[0] = a;
  ep.addr[1] = b;
  ep.addr[2] = c;
  ep.addr[3] = d;
  ep.port = port;
  return ep;
}

// An event of `workload` from process `pid` running `exe`.
inline Event Base(EventKind kind, const std::string& workload, uint32_t pid, const std::string& exe,
                  int64_t time_ns) {
  Event e;
  e.kind = kind;
  e.time_ns = time_ns;
  e.pid = pid;
  e.tid = pid;
  e.workload = workload;
  e.cgroup_path = "system.slice/" + workload;
  e.process.pid = pid;
  e.process.exe = exe;
  e.process.argv = {exe};
  return e;
}

inline Event Exec(const std::string& workload, uint32_t pid, const std::string& exe,
                  int64_t time_ns = 1000) {
  Event e = Base(EventKind::kExec, workload, pid, exe, time_ns);
  e.path = exe;
  e.argv = {exe};
  return e;
}

inline Event Open(const std::string& workload, uint32_t pid, const std::string& path,
                  uint8_t access, int64_t time_ns = 1000, int32_t result = 3) {
  Event e = Base(EventKind::kOpen, workload, pid, "/usr/sbin/app", time_ns);
  e.path = path;
  e.access = access;
  e.result = result;
  return e;
}

inline Event Connect(const std::string& workload, uint32_t pid, Endpoint peer,
                     int64_t time_ns = 1000) {
  Event e = Base(EventKind::kConnect, workload, pid, "/usr/sbin/app", time_ns);
  e.protocol = 6;
  e.local = V4(10, 0, 0, 2, 41000);
  e.peer = peer;
  return e;
}

inline Event Accept(const std::string& workload, uint32_t pid, Endpoint local, Endpoint peer,
                    int64_t time_ns = 1000) {
  Event e = Base(EventKind::kAccept, workload, pid, "/usr/sbin/app", time_ns);
  e.protocol = 6;
  e.local = local;
  e.peer = peer;
  e.result = 5;
  return e;
}

inline Event Listen(const std::string& workload, uint32_t pid, Endpoint local,
                    int64_t time_ns = 1000) {
  Event e = Base(EventKind::kListen, workload, pid, "/usr/sbin/app", time_ns);
  e.protocol = 6;
  e.local = local;
  return e;
}

inline Event Dns(const std::string& workload, uint32_t pid, Endpoint resolver,
                 const std::string& name, int64_t time_ns = 1000) {
  Event e = Base(EventKind::kDns, workload, pid, "/usr/sbin/app", time_ns);
  e.protocol = 17;
  e.local = V4(10, 0, 0, 2, 53000);
  e.peer = resolver;
  e.dns_name = name;
  return e;
}

inline Event Fork(const std::string& workload, uint32_t pid, uint32_t child_pid,
                  int64_t time_ns = 1000) {
  Event e = Base(EventKind::kFork, workload, pid, "/usr/sbin/app", time_ns);
  e.child_pid = child_pid;
  return e;
}

// A cgroup's first use of syscall `name` (number `nr`), from process `pid`.
inline Event Syscall(const std::string& workload, uint32_t pid, const std::string& name,
                     uint32_t nr = 0, int64_t time_ns = 1000) {
  Event e = Base(EventKind::kSyscall, workload, pid, "/usr/sbin/app", time_ns);
  e.syscall = name;
  e.syscall_nr = nr;
  return e;
}

inline Event Exit(const std::string& workload, uint32_t pid, int64_t time_ns = 1000) {
  return Base(EventKind::kExit, workload, pid, "/usr/sbin/app", time_ns);
}

// An FTP-like workload's training: its clients connect in on 2121 from
// 127.0.0.3; for each transfer it connects back to the client's ephemeral
// port (active mode) or listens on a port of 12130-12137 (passive mode).
inline std::vector<Event> PortHabitTraining(const std::string& workload) {
  std::vector<Event> out = {Exec(workload, 10, "/usr/sbin/app"), Listen(workload, 10, V4(127, 0, 0, 1, 2121)),
                            Accept(workload, 11, V4(127, 0, 0, 1, 2121), V4(127, 0, 0, 3, 40000))};
  for (uint16_t i = 0; i < 8; ++i) {
    out.push_back(Connect(workload, 11, V4(127, 0, 0, 3, static_cast<uint16_t>(33000 + 97 * i))));
    out.push_back(Listen(workload, 11, V4(127, 0, 0, 1, static_cast<uint16_t>(12130 + i))));
  }
  return out;
}

}  // namespace dw::model::testing

#endif  // DRIFTWATCH_MODEL_TESTING_TEST_EVENTS_H_
