// collector/process_table.h: what driftwatch knows of live processes.
//
// Fed with every event in order, it keeps pid -> (exe, argv, ppid) from exec,
// fork and exit events and from start-up snapshots, and fills in the process
// context (exe, script, argv, parent exe, ancestry) of each event, in the memory of
// the context the event held (a reused Event copies without allocating). Bounded: at most
// `max_processes` entries; the last kExitedKept exited processes are kept so
// late events (and the ancestry of orphans not yet reparented) still resolve.
// Not thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_PROCESS_TABLE_H_
#define DRIFTWATCH_COLLECTOR_PROCESS_TABLE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/event.h"
#include "collector/programs.h"
#include "collector/trace_file.h"

namespace dw::collector {

// The processes of `all` that `in_scope` keeps, and their ancestors (by
// ppid, as far as `all` knows them), in `all`'s order: what a recording
// scoped to some cgroups needs of a start-up snapshot for lineage. The other
// processes of the host, and their command lines, stay out of the trace.
std::vector<ProcessSnapshot> ScopeSnapshot(const std::vector<ProcessSnapshot>& all,
                                           const std::function<bool(const ProcessSnapshot&)>& in_scope);

class ProcessTable {
 public:
  // How many exited processes stay in the table before the oldest is dropped.
  static constexpr size_t kExitedKept = 1024;

  // Answers for a pid the table does not know (live: reads /proc), or nullopt.
  using Lookup = std::function<std::optional<ProcessSnapshot>(uint32_t pid)>;

  explicit ProcessTable(size_t max_processes = 65536, size_t max_ancestry = 8);

  // Consulted once per unknown pid (the event's process and its ancestors),
  // so processes started outside the watched cgroups after start-up still
  // have an exe in lineage. Failed lookups are remembered, not repeated.
  void SetLookup(Lookup lookup) {
    lookup_ = std::move(lookup);
    ++changes_;
  }

  // Adds a process known from a snapshot (a trace header or /proc at start).
  void Seed(const ProcessSnapshot& p);
  // Updates the table from `e` (exec: new exe and argv; fork: the child
  // inherits the parent's exe and argv; exit: scheduled for removal) and fills
  // e->process. A process's program is the script an interpreter runs as it
  // (collector/programs.h ScriptOf: `lua5.4 /usr/bin/prosody`), else its exe:
  // a server and its admin tool run by one interpreter are two programs. For
  // an exec event, process.parent_exe is the program of the parent at the
  // time of the exec (by the kernel's Event::parent_exe when the record has
  // it, so a parent that exited at once still has its exe); process.ancestry
  // holds the programs of the parent, grandparent, ... (at most max_ancestry), ending after pid 1, before an
  // unknown process or a loop, and after the workload's root: the first
  // ancestor whose own parent is known to be in another cgroup (so the chain
  // of a container process stops at its entrypoint, not at the runtime).
  // An unknown pid gets exe "" and the event's ppid.
  void Apply(Event* e);
  // Apply() for a caller that hands in, every time, the Event this method
  // filled the time before, its process context untouched since
  // (collector::Pipeline): when the event is of the same process (pid, ppid,
  // cgroup) and the table has not changed since, e->process already holds
  // what Apply would write and is not written again.
  void ApplyToReusedEvent(Event* e);
  size_t size() const { return procs_.size(); }

  // Reads every process from `proc_root` (exe link, cmdline, status PPid,
  // cgroup id via /proc/<pid>/cgroup and `cgroup2_mount`), for snapshots.
  static std::vector<ProcessSnapshot> ScanProc(const std::string& proc_root,
                                               const std::string& cgroup2_mount);
  // One process of that scan; nullopt when it is gone or has no exe.
  static std::optional<ProcessSnapshot> ReadProc(const std::string& proc_root, uint32_t pid,
                                                 const std::string& cgroup2_mount);

 private:
  struct Proc {
    Proc() = default;
    // Its script from exe, argv and cwd (ScriptOf).
    Proc(std::string exe_in, std::vector<std::string> argv_in, uint32_t ppid_in, uint64_t cgroup,
         std::string cwd_in = {});
    // What lineage names it by: the script an interpreter runs, else the exe.
    const std::string& program() const { return ProgramOf(exe, script); }

    std::string exe;
    std::vector<std::string> argv;
    std::string script;      // ScriptOf(exe, argv, cwd), or ""
    std::string cwd;         // the working directory at its exec, "" if unknown
    uint32_t ppid = 0;
    uint64_t exit_seq = 0;   // 0 while alive; else the number of its exit event
    uint64_t cgroup_id = 0;  // last cgroup seen for it; 0 if unknown
    // Its image is a shell running a command line (`sh -c ...`) that the
    // service manager started (kExecByServiceManager): a unit's command
    // line, whose last command the shell execs in place.
    bool unit_shell = false;
  };
  // An exit scheduled for removal; stale once the pid was inserted again.
  struct Exited {
    uint32_t pid;
    uint64_t exit_seq;
  };
  void ApplyImpl(Event* e, bool reused);
  void Insert(uint32_t pid, Proc p);
  void EvictOne();
  // Schedules `pid` for removal once kExitedKept later exits were seen.
  void MarkExited(uint32_t pid);
  void FillContext(uint32_t pid, uint64_t cgroup_id, ProcessContext* ctx) const;
  // The kernel read `exe` as the executable of `ppid` when one of its
  // children exec'd (Event::parent_exe): it wins over the table's.
  void NoteParentExe(uint32_t ppid, const std::string& exe);
  // Asks lookup_ for `pid` and its unknown ancestors.
  void ResolveUnknown(uint32_t pid);

  size_t max_processes_;
  size_t max_ancestry_;
  std::unordered_map<uint32_t, Proc> procs_;
  std::deque<Exited> exited_;  // exits to drop, oldest first
  uint64_t exits_seen_ = 0;
  Lookup lookup_;
  std::unordered_map<uint32_t, bool> failed_lookups_;  // bounded; see ResolveUnknown
  // Counts changes to what ResolveUnknown's walk and FillContext depend on
  // (which pids are known, their exes, ppids and cgroups, failed_lookups_
  // forgotten): a walk from the same pid with no change since the last one
  // would find nothing new, and is skipped; so is filling a reused event's
  // context again (ApplyToReusedEvent).
  uint64_t changes_ = 0;
  uint32_t resolved_pid_ = 0;
  uint64_t resolved_at_ = 0;
  struct Filled {
    uint32_t pid = 0;
    uint32_t ppid = 0;
    uint64_t cgroup_id = 0;
    uint64_t changes = 0;
    bool operator==(const Filled&) const = default;
  };
  std::optional<Filled> filled_;  // what ApplyToReusedEvent filled last
  mutable std::vector<uint32_t> seen_;  // FillContext's pids on the way up, kept for its memory
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_PROCESS_TABLE_H_
