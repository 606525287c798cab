// collector/process_table.cc: the pid -> process map kept from exec, fork and
// exit events, and the /proc scan that seeds it at start-up.
#include "collector/process_table.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "collector/cgroup.h"
#include "collector/programs.h"

namespace dw::collector {

std::vector<ProcessSnapshot> ScopeSnapshot(const std::vector<ProcessSnapshot>& all,
                                           const std::function<bool(const ProcessSnapshot&)>& in_scope) {
  std::unordered_map<uint32_t, const ProcessSnapshot*> by_pid;
  for (const ProcessSnapshot& p : all) by_pid.emplace(p.pid, &p);
  std::unordered_set<uint32_t> keep;
  for (const ProcessSnapshot& p : all) {
    if (!in_scope(p)) continue;
    // The process and its ancestors; a pid already kept has its chain kept.
    for (const ProcessSnapshot* q = &p; q != nullptr && keep.insert(q->pid).second;) {
      auto parent = by_pid.find(q->ppid);
      q = parent == by_pid.end() || q->ppid == q->pid ? nullptr : parent->second;
    }
  }
  std::vector<ProcessSnapshot> out;
  for (const ProcessSnapshot& p : all) {
    if (keep.contains(p.pid)) out.push_back(p);
  }
  return out;
}
namespace {

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  *out = ss.str();
  return true;
}

bool ParseU32(std::string_view s, uint32_t* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// "PPid:\t123" from /proc/<pid>/status.
bool ParsePPid(std::string_view status, uint32_t* ppid) {
  size_t at = status.starts_with("PPid:") ? 0 : status.find("\nPPid:");
  if (at == std::string_view::npos) return false;
  std::string_view rest = status.substr(at + (status[at] == '\n' ? 6 : 5));
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  return ParseU32(rest.substr(0, rest.find('\n')), ppid);
}

std::vector<std::string> SplitNul(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t nul = s.find('\0');
    out.emplace_back(s.substr(0, nul));
    if (nul == std::string_view::npos) break;
    s.remove_prefix(nul + 1);
  }
  return out;
}

}  // namespace

ProcessTable::ProcessTable(size_t max_processes, size_t max_ancestry)
    : max_processes_(std::max<size_t>(max_processes, 1)), max_ancestry_(max_ancestry) {}

void ProcessTable::Seed(const ProcessSnapshot& p) {
  Insert(p.pid, Proc(p.exe, p.argv, p.ppid, p.cgroup_id, p.cwd));
}

ProcessTable::Proc::Proc(std::string exe_in, std::vector<std::string> argv_in, uint32_t ppid_in, uint64_t cgroup,
                         std::string cwd_in)
    : exe(std::move(exe_in)), argv(std::move(argv_in)), cwd(std::move(cwd_in)), ppid(ppid_in), cgroup_id(cgroup) {
  script = ScriptOf(exe, argv, cwd);
}

void ProcessTable::Insert(uint32_t pid, Proc p) {
  // Any exit still queued for `pid` belongs to an earlier process with the
  // same pid; exit_seq 0 makes it stale so it never removes this one.
  p.exit_seq = 0;
  ++changes_;
  auto it = procs_.find(pid);
  if (it != procs_.end()) {
    it->second = std::move(p);
    return;
  }
  while (procs_.size() >= max_processes_) EvictOne();
  procs_.emplace(pid, std::move(p));
}

void ProcessTable::EvictOne() {
  while (!exited_.empty()) {
    Exited x = exited_.front();
    exited_.pop_front();
    auto it = procs_.find(x.pid);
    if (it != procs_.end() && it->second.exit_seq == x.exit_seq) {
      procs_.erase(it);
      ++changes_;
      return;
    }
  }
  if (!procs_.empty()) procs_.erase(procs_.begin());
  ++changes_;
}

namespace {

// `exe` is a POSIX shell and `argv` gives it a command line (`sh -c CMD`,
// `bash -ec CMD`): an option word before the command that holds `c`.
bool IsShellCommandLine(std::string_view exe, const std::vector<std::string>& argv) {
  if (!IsProgramName(exe.substr(exe.rfind('/') + 1), kShellNames)) return false;
  for (size_t i = 1; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; ++i) {
    if (argv[i] != "--" && argv[i][1] != '-' && argv[i].find('c') != std::string::npos) return true;
  }
  return false;
}

}  // namespace

void ProcessTable::Apply(Event* e) { ApplyImpl(e, /*reused=*/false); }

void ProcessTable::ApplyToReusedEvent(Event* e) { ApplyImpl(e, /*reused=*/true); }

void ProcessTable::ApplyImpl(Event* e, bool reused) {
  auto self = procs_.find(e->pid);
  // The event's ppid is the kernel's view now; it changes when an orphan is
  // reparented, so a known process follows it.
  if (self != procs_.end() && e->ppid != 0 && self->second.ppid != e->ppid) {
    self->second.ppid = e->ppid;
    ++changes_;
  }
  if (self != procs_.end() && e->cgroup.value != 0 && self->second.cgroup_id != e->cgroup.value) {
    self->second.cgroup_id = e->cgroup.value;
    ++changes_;
  }

  switch (e->kind) {
    case EventKind::kExec: {
      uint32_t ppid = e->ppid;
      if (ppid == 0 && self != procs_.end()) ppid = self->second.ppid;
      // The kernel's parent is pid 1, systemd, and this process had no image
      // of the workload's before (no fork in the cgroup was seen, or only
      // systemd's own setup): the service manager runs a unit's command. An
      // orphan the workload forked (reparented to pid 1) is known with its
      // own image and never qualifies. Nor does a unit's program that later
      // replaces its image (an exploit's execve in place); only a unit's
      // shell command line does, whose last command the shell execs in place
      // (`ExecReload=/bin/sh -c 'kill -HUP $MAINPID'`: dash runs kill so).
      const bool by_service_manager =
          e->ppid == 1 && IsServiceManagerExe(e->parent_exe) &&
          (self == procs_.end() || IsServiceManagerExe(self->second.exe) || self->second.unit_shell);
      if (by_service_manager) e->exec_flags |= kExecByServiceManager;
      Proc p(e->path, e->argv, ppid, e->cgroup.value, e->cwd);
      p.unit_shell = by_service_manager && IsShellCommandLine(e->path, e->argv);
      Insert(e->pid, std::move(p));
      if (!e->parent_exe.empty() && ppid != 0) NoteParentExe(ppid, e->parent_exe);
      break;
    }
    case EventKind::kFork: {
      Proc child;
      if (self != procs_.end()) {
        child.exe = self->second.exe;
        child.argv = self->second.argv;
        child.script = self->second.script;
        child.cwd = self->second.cwd;
      }
      child.ppid = e->pid;
      child.cgroup_id = e->cgroup.value;
      // Insert may evict; `self` is not used after this point.
      Insert(e->child_pid, std::move(child));
      break;
    }
    default:
      break;
  }

  if (lookup_) {
    ResolveUnknown(e->pid);
  }
  // A fresh context, in the memory of the event's previous one.
  // (FillContext overwrites exe, argv and ancestry).
  ProcessContext& ctx = e->process;
  const Filled now{e->pid, e->ppid, e->cgroup.value, changes_};
  if (!reused || filled_ != now) {
    ctx.pid = e->pid;
    ctx.ppid = e->ppid;
    ctx.parent_exe.clear();
    FillContext(e->pid, e->cgroup.value, &e->process);
  }
  // A plain Apply fills another event: the reused one's context is no
  // longer known to be the last one filled.
  if (reused) {
    filled_ = now;
  } else {
    filled_.reset();
  }
  ctx.runtime = {};

  if (e->kind == EventKind::kExit) MarkExited(e->pid);
}

void ProcessTable::MarkExited(uint32_t pid) {
  auto it = procs_.find(pid);
  if (it == procs_.end()) return;
  it->second.exit_seq = ++exits_seen_;
  exited_.push_back(Exited{pid, exits_seen_});
  while (exited_.size() > kExitedKept) {
    Exited x = exited_.front();
    exited_.pop_front();
    auto old = procs_.find(x.pid);
    if (old != procs_.end() && old->second.exit_seq == x.exit_seq) {
      procs_.erase(old);
      ++changes_;
    }
  }
}

void ProcessTable::NoteParentExe(uint32_t ppid, const std::string& exe) {
  // A parent the table does not know yet may still be in /proc, with its own
  // parent; ask first, then let the kernel's word on its exe win.
  if (lookup_ && procs_.find(ppid) == procs_.end()) ResolveUnknown(ppid);
  auto parent = procs_.find(ppid);
  if (parent != procs_.end()) {
    Proc& p = parent->second;
    if (p.exe != exe) {
      // The table knew a #! script by its path (the exec record's), the kernel
      // names the interpreter running it: its argv is still the
      // interpreter's, and names the script. Else the argv was another
      // program's.
      p.exe = exe;
      p.script = ScriptOf(p.exe, p.argv, p.cwd);
      if (p.script.empty()) p.argv.clear();
      ++changes_;
    }
    return;
  }
  // Gone already (the race this closes): known only by its exe, and aged out
  // like an exited process.
  Insert(ppid, Proc(exe, {}, 0, 0));
  MarkExited(ppid);
}

void ProcessTable::ResolveUnknown(uint32_t pid) {
  if (pid == resolved_pid_ && changes_ == resolved_at_) return;
  resolved_pid_ = pid;
  struct Done {  // notes the table as the walk leaves it, whichever way it ends
    ProcessTable* t;
    ~Done() { t->resolved_at_ = t->changes_; }
  } done{this};
  for (size_t depth = 0; pid > 1 && depth <= max_ancestry_; ++depth) {
    auto known = procs_.find(pid);
    if (known == procs_.end()) {
      if (failed_lookups_.count(pid)) return;
      std::optional<ProcessSnapshot> p = lookup_(pid);
      if (!p) {
        if (failed_lookups_.size() >= 4096) {
          failed_lookups_.clear();
          ++changes_;
        }
        failed_lookups_[pid] = true;
        return;
      }
      Seed(*p);
      known = procs_.find(pid);
      if (known == procs_.end()) return;
    }
    pid = known->second.ppid;
  }
}

void ProcessTable::FillContext(uint32_t pid, uint64_t cgroup_id, ProcessContext* ctx) const {
  // An unknown pid keeps the caller's ppid (the event's), whose ancestry may
  // still be known.
  auto it = procs_.find(pid);
  if (it != procs_.end()) {
    ctx->exe = it->second.exe;
    ctx->script = it->second.script;
    ctx->argv = it->second.argv;
    ctx->ppid = it->second.ppid;
  } else {
    ctx->exe.clear();
    ctx->script.clear();
    ctx->argv.clear();
  }

  auto parent = procs_.find(ctx->ppid);
  if (ctx->ppid != 0 && parent != procs_.end()) ctx->parent_exe = parent->second.program();

  // pid 1 is everyone's ancestor: it ends the chain. A process known only from
  // a fork of an unknown parent has exe "" and ends it too.
  std::vector<uint32_t>& seen = seen_;
  seen.assign(1, pid);
  size_t n = 0;  // ancestors written: ctx->ancestry's strings are reused
  uint32_t cur = ctx->ppid;
  while (cur != 0 && n < max_ancestry_) {
    if (std::find(seen.begin(), seen.end(), cur) != seen.end()) break;
    auto a = procs_.find(cur);
    if (a == procs_.end() || a->second.exe.empty()) break;
    if (n < ctx->ancestry.size()) {
      ctx->ancestry[n] = a->second.program();
    } else {
      ctx->ancestry.push_back(a->second.program());
    }
    ++n;
    if (cur == 1) break;
    // The workload's root: its parent lives in another cgroup (the runtime,
    // a shell that started it, systemd).
    auto up = procs_.find(a->second.ppid);
    if (cgroup_id != 0 && a->second.cgroup_id == cgroup_id && up != procs_.end() &&
        up->second.cgroup_id != 0 && up->second.cgroup_id != cgroup_id) {
      break;
    }
    seen.push_back(cur);
    cur = a->second.ppid;
  }
  ctx->ancestry.resize(n);
}

std::vector<ProcessSnapshot> ProcessTable::ScanProc(const std::string& proc_root,
                                                    const std::string& cgroup2_mount) {
  namespace fs = std::filesystem;
  std::vector<ProcessSnapshot> out;
  std::error_code ec;
  fs::directory_iterator dir(proc_root, ec);
  // Processes come and go during the scan: whatever cannot be read is skipped.
  for (; !ec && dir != fs::directory_iterator(); dir.increment(ec)) {
    uint32_t pid = 0;
    if (!ParseU32(dir->path().filename().string(), &pid)) continue;
    if (auto p = ReadProc(proc_root, pid, cgroup2_mount)) out.push_back(std::move(*p));
  }
  std::sort(out.begin(), out.end(),
            [](const ProcessSnapshot& a, const ProcessSnapshot& b) { return a.pid < b.pid; });
  return out;
}

std::optional<ProcessSnapshot> ProcessTable::ReadProc(const std::string& proc_root, uint32_t pid,
                                                     const std::string& cgroup2_mount) {
  namespace fs = std::filesystem;
  ProcessSnapshot p;
  p.pid = pid;
  std::string base = proc_root + "/" + std::to_string(pid);
  std::error_code lec;
  fs::path exe = fs::read_symlink(base + "/exe", lec);
  if (lec || exe.empty()) return std::nullopt;  // gone, or a kernel thread
  p.exe = exe.string();
  // Exec events carry the path as it was; a replaced binary shows " (deleted)".
  constexpr std::string_view kDeleted = " (deleted)";
  if (p.exe.ends_with(kDeleted)) p.exe.resize(p.exe.size() - kDeleted.size());

  std::string status;
  if (!ReadWholeFile(base + "/status", &status) || !ParsePPid(status, &p.ppid)) return std::nullopt;
  std::string cmdline;
  if (ReadWholeFile(base + "/cmdline", &cmdline)) p.argv = SplitNul(cmdline);
  // The working directory now: the base of an interpreter's relative script.
  // It is the exec's unless the program changed it since (a daemon's
  // chdir("/")): kept only when the script it names is there, as the process
  // sees the file system.
  fs::path cwd = fs::read_symlink(base + "/cwd", lec);
  if (!lec && cwd.is_absolute() && !cwd.string().ends_with(kDeleted)) {
    const std::string script = ScriptOf(p.exe, p.argv, cwd.string());
    if (script.empty() || fs::is_regular_file(base + "/root" + script, lec)) p.cwd = cwd.string();
  }

  if (!cgroup2_mount.empty()) {
    Result<std::string> path = CgroupPathOfPid(p.pid, proc_root);
    if (path) {
      Result<CgroupId> id = CgroupIdOfPath(cgroup2_mount, *path);
      if (id) p.cgroup_id = id->value;
    }
  }
  return p;
}

}  // namespace dw::collector
