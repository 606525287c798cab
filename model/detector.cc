// model/detector.cc: per-run deduplication of findings.
#include "model/detector.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <utility>

#include "model/generalize.h"
#include "model/normalize.h"
#include "model/syscall_groups.h"

namespace dw::model {

Detector::Detector(std::map<std::string, Fingerprint> fingerprints, Scorer scorer, DetectorOptions options)
    : fingerprints_(std::move(fingerprints)), scorer_(scorer), options_(options) {
  for (const auto& [workload, fp] : fingerprints_) baselines_.emplace(&fp, fp);
}

void Detector::SetFingerprint(Fingerprint fp) {
  if (on_change_) on_change_(fp.workload);
  current_ = Current{};
  Fingerprint& slot = fingerprints_[fp.workload];
  baselines_.erase(&slot);
  slot = std::move(fp);
  baselines_.emplace(&slot, slot);
}

void Detector::RemoveFingerprint(const std::string& workload) {
  if (on_change_) on_change_(workload);
  current_ = Current{};
  auto it = fingerprints_.find(workload);
  if (it == fingerprints_.end()) return;
  baselines_.erase(&it->second);
  fingerprints_.erase(it);
}

namespace {

// A finding's identity in a run: "workload\0kind\0name" (name: the subject,
// or a rate finding's dimension).
std::string FindingKey(const std::string& workload, FindingKind kind, std::string_view name) {
  std::string key = workload;
  key += '\0';
  key += FindingKindName(kind);
  key += '\0';
  key += name;
  return key;
}

// "<kind> <subject>": how an incident's root and a new program's tree are named.
std::string RootName(const Finding& f) { return std::string(FindingKindName(f.kind)) + " " + f.subject; }

// How a finding folded into another is listed: a file by its path, anything
// else as "<kind> <subject>" ("syscall getgroups").
std::string FoldedName(const Finding& f) { return f.kind == FindingKind::kFile ? f.subject : RootName(f); }

// An archive an application server deploys by unpacking it beside itself:
// "NAME.war", ".ear", ".jar" or ".zip", with a NAME.
bool IsArchiveName(std::string_view path) {
  // Every read is asked: the last character rules out nearly all at once.
  if (path.size() < 6 || (path.back() != 'r' && path.back() != 'p')) return false;
  for (std::string_view ext : {".war", ".ear", ".jar", ".zip"}) {
    if (path.ends_with(ext) && path[path.size() - ext.size() - 1] != '/') return true;
  }
  return false;
}

// A shared object: the last component is "NAME.so" or "NAME.so.VERSION"
// (not ld.so.cache or ld.so.conf).
bool IsSharedObject(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') + 1);
  for (size_t at = name.find(".so"); at != std::string_view::npos; at = name.find(".so", at + 1)) {
    const size_t end = at + 3;
    if (at > 0 && (end == name.size() || (name[end] == '.' && end + 1 < name.size() &&
                                          name[end + 1] >= '0' && name[end + 1] <= '9'))) {
      return true;
    }
  }
  return false;
}

// Where the dynamic loader finds a library's dependencies: the system's
// library directories, which packages own (not /usr/local, not the workload's).
bool InSystemLibraryDir(std::string_view path) {
  for (std::string_view dir : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"}) {
    if (path.starts_with(dir)) return true;
  }
  return false;
}

}  // namespace

void Detector::AssignIncident(Finding* f) {
  const int64_t t = f->time_ns;
  std::erase_if(incidents_, [&](const Incident& i) { return t - i.last_ns > options_.incident_window_ns; });
  const uint32_t pid = f->process.pid;
  const uint32_t ppid = f->process.ppid;
  auto tree = processes_.find(pid);
  const int64_t tree_incident = tree == processes_.end() ? 0 : tree->second.incident;
  for (Incident& i : incidents_) {
    if (i.workload != f->workload) continue;
    if ((tree_incident != 0 && i.id == tree_incident) || i.pids.count(pid) ||
        (ppid > 1 && i.pids.count(ppid))) {
      i.pids.insert(pid);
      if (ppid > 1) i.pids.insert(ppid);
      i.last_ns = std::max(i.last_ns, t);
      f->incident = i.id;
      f->incident_root = i.root;
      return;
    }
  }
  Incident i;
  const size_t h = std::hash<std::string>{}(f->workload + '\0' + std::to_string(t) + '\0' +
                                            std::to_string(pid));
  i.id = static_cast<int64_t>(h & ((uint64_t{1} << 62) - 1));
  if (i.id == 0) i.id = 1;
  i.workload = f->workload;
  i.pids.insert(pid);
  if (ppid > 1) i.pids.insert(ppid);
  i.last_ns = t;
  i.root = RootName(*f);
  f->incident = i.id;
  incidents_.push_back(std::move(i));
}

Finding* Detector::Record(Finding f, std::string key, std::vector<Finding*>* fresh) {
  auto [it, inserted] = by_key_.try_emplace(std::move(key), nullptr);
  if (!inserted) {
    ++it->second->count;
    ++stats_.repeats;
    if (updated_set_.insert(it->second).second) updated_.push_back(it->second);
    return it->second;
  }
  findings_.push_back(std::make_unique<Finding>(std::move(f)));
  it->second = findings_.back().get();
  AssignIncident(it->second);
  ++stats_.findings;
  fresh->push_back(it->second);
  return it->second;
}

bool Detector::LearnedWrite(const Fingerprint& fp, const FilePatternIndex* patterns,
                            const std::string& path) {
  std::string key = NormalizeFilePath(path, 0, 0);
  auto it = fp.files.find(key);
  if (it != fp.files.end()) return (it->second.access & (kAccessWrite | kAccessCreate)) != 0;
  const Generalization* g = patterns != nullptr ? MatchFile(*patterns, key) : MatchFile(fp, key);
  return g != nullptr && (g->stats.access & (kAccessWrite | kAccessCreate)) != 0;
}

void Detector::Track(const Event& e, Finding* raised) {
  switch (e.kind) {
    case EventKind::kFork: {
      auto parent = processes_.find(e.pid);
      if (parent != processes_.end() && e.child_pid != 0) {
        ProcessState& child = processes_[e.child_pid];
        child.root = parent->second.root;
        child.incident = parent->second.incident;
        child.suspect_ns = parent->second.suspect_ns;
        child.suspect_by = parent->second.suspect_by;
      }
      break;
    }
    case EventKind::kExit:
      processes_.erase(e.pid);
      break;
    case EventKind::kOpen:
      if (e.result >= 0 && (e.access & (kAccessWrite | kAccessCreate)) != 0 && !e.path.empty()) {
        // Track runs for a profiled workload only: current_ is its own.
        if (current_.written == nullptr) current_.written = &written_[e.workload];
        auto& paths = *current_.written;
        if (paths.size() >= kMaxWrittenPerWorkload) paths.clear();
        Finding*& f = paths[e.path];
        if (raised != nullptr) f = raised;
      }
      break;
    default:
      break;
  }
}

void Detector::Fold(Finding* into, std::unordered_set<std::string>* folded, std::string name) {
  if (!folded->insert(name).second) return;
  ++into->folded;
  std::vector<std::string>& examples = into->folded_examples;
  if (std::find(examples.begin(), examples.end(), name) == examples.end()) {
    if (examples.size() < Finding::kMaxFoldedExamples) {
      examples.push_back(std::move(name));
    } else if (name.starts_with("exec ")) {
      // A program folded in is what a reader needs to see: it takes the
      // place of the last file or syscall example.
      auto last = std::find_if(examples.rbegin(), examples.rend(),
                               [](const std::string& x) { return !x.starts_with("exec "); });
      if (last != examples.rend()) *last = std::move(name);
    }
  }
  if (updated_set_.insert(into).second) updated_.push_back(into);
}

namespace {

// "/a/b/c" -> "/a/b"; "/a" -> "/".
std::string_view ParentDir(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

}  // namespace

Detector::DirFold* Detector::DirFoldOf(const std::string& workload, std::string_view path, int64_t time_ns,
                                       std::string_view scope) {
  auto w = dir_folds_.find(workload);
  if (w == dir_folds_.end()) return nullptr;
  // Its directory's entry, else (reads) its own: a listing of a directory
  // whose files were read first.
  const bool reads = scope == kReadScope;
  for (std::string_view dir : {ParentDir(path), reads ? path : std::string_view()}) {
    if (dir.empty()) continue;
    auto d = w->second.find(std::string(scope) + '\n' + std::string(dir));
    if (d != w->second.end() && time_ns - d->second.since_ns <= options_.incident_window_ns) return &d->second;
  }
  return nullptr;
}

void Detector::RememberDirFold(Finding* f, int64_t time_ns, std::string_view scope) {
  auto& dirs = dir_folds_[f->workload];
  if (dirs.size() >= kMaxDirFoldsPerWorkload) dirs.clear();
  // Under its directory, and (reads) under its own path: a listing of a
  // directory (the subject is the directory) gathers the reads of the files in it.
  const bool reads = scope == kReadScope;
  for (std::string_view dir : {ParentDir(f->subject), reads ? std::string_view(f->subject) : std::string_view()}) {
    if (dir.empty()) continue;
    DirFold& entry = dirs[std::string(scope) + '\n' + std::string(dir)];
    if (entry.finding != nullptr && time_ns - entry.since_ns <= options_.incident_window_ns) continue;
    entry = DirFold{f, time_ns, {}};
  }
}

void Detector::ScoreRates(const std::vector<RateSample>& samples, std::vector<Finding*>* fresh) {
  for (const RateSample& sample : samples) {
    auto fp = fingerprints_.find(sample.workload);
    if (fp == fingerprints_.end()) continue;
    std::optional<RateScore> score = Score(fp->second.rates, sample);
    if (!score || !score->drift) continue;
    Finding f = RateFinding(sample, *score, fp->second.rates);
    std::string key = FindingKey(f.workload, f.kind, RateFindingName(f.subject));
    Record(std::move(f), std::move(key), fresh);
  }
}

std::vector<Finding*> Detector::Observe(const Event& e) {
  std::vector<Finding*> fresh;
  ++stats_.events;
  last_known_ = false;
  if (e.kind == EventKind::kDns || e.kind == EventKind::kExit) dns_.Observe(e);
  if (e.workload.empty()) {
    ScoreRates(rates_.Observe(e), &fresh);
    return fresh;
  }
  if (current_.fp == nullptr || current_.workload != e.workload) {
    current_ = Current{};
    auto fp = fingerprints_.find(e.workload);
    if (fp == fingerprints_.end()) {
      ++stats_.events_unprofiled;
      unprofiled_.insert(e.workload);
      ScoreRates(rates_.Observe(e), &fresh);
      return fresh;
    }
    current_.workload = e.workload;
    current_.fp = &fp->second;
    current_.baseline = &baselines_.at(current_.fp);
    if (auto w = written_.find(e.workload); w != written_.end()) current_.written = &w->second;
  }
  ++stats_.events_scored;
  const Fingerprint& fingerprint = *current_.fp;
  ScoreContext context;
  context.file_patterns = &current_.baseline->index;
  auto proc = processes_.find(e.pid);
  // An exec starts a new image: the tree it belongs to stays, its program does not.
  if (e.kind == EventKind::kExec && proc != processes_.end()) {
    proc->second.program = nullptr;
    proc->second.folded.clear();
    proc->second.library = {};
    proc->second.archive.clear();
    proc->second.lookup = {};
    proc->second.lookup_names.clear();
    proc->second.attempt = {};
  }
  if (proc != processes_.end()) context.hostile_root = proc->second.root;
  if (e.kind == EventKind::kConnect) {
    context.queried_name = dns_.NameBefore(e);
    // Asked only by the callbacks habit (model/scorer.h PortHabits).
    if (current_.baseline->habits.callbacks > 0) {
      auto clients = clients_.find(e.workload);
      context.peer_is_client = clients != clients_.end() && clients->second.contains(e.peer.AddressString());
    }
  } else if (e.kind == EventKind::kAccept) {
    auto& clients = clients_[e.workload];
    if (clients.size() >= kMaxClients) clients.clear();
    clients.insert(e.peer.AddressString());
  }
  context.port_habits = &current_.baseline->habits;
  const auto in_incident = [&](const ProcessState& p) {
    return p.suspect_ns >= 0 && e.time_ns - p.suspect_ns <= options_.incident_window_ns;
  };
  ProcessState* suspect_parent = nullptr;  // for an exec: its parent, when suspect
  if (e.kind == EventKind::kExec && e.process.ppid > 1) {
    auto parent = processes_.find(e.process.ppid);
    if (parent != processes_.end() && in_incident(parent->second)) suspect_parent = &parent->second;
    context.parent_suspect = suspect_parent != nullptr;
  }
  context.suspect_shell = e.kind == EventKind::kOpen && proc != processes_.end() && in_incident(proc->second) &&
                          IsShell(e.process.exe);
  context.shell_incident = (e.kind == EventKind::kConnect || e.kind == EventKind::kListen) &&
                           proc != processes_.end() && in_incident(proc->second) &&
                           (IsShell(e.process.exe) || IsShell(e.process.parent_exe));
  Finding* dropped = nullptr;  // the write finding of the file this exec runs (or library it loads)
  bool loads_library = false;  // a read opening a shared object the workload wrote in this run
  if (current_.written != nullptr && !current_.written->empty() && !e.path.empty() &&
      (e.kind == EventKind::kExec || IsLibraryLoad(e))) {
    auto p = current_.written->find(e.path);
    if (p != current_.written->end() && !LearnedWrite(fingerprint, context.file_patterns, e.path)) {
      context.wrote_exe = true;
      dropped = p->second;
      loads_library = e.kind == EventKind::kOpen;
    }
  }
  // A new program: which learned one shares its package (outlives the scoring).
  std::string package_kin;
  if (packages_ != nullptr && e.kind == EventKind::kExec) {
    const std::string& exe = e.path.empty() ? e.process.exe : e.path;  // its item (model/items.h)
    if (!exe.empty() && !fingerprint.executables.contains(exe)) {
      if (auto kin = packages_->SamePackage(e, exe, fingerprint.executables)) {
        package_kin = kin->package + ", the package of the workload's own " + kin->learned;
        context.package_kin = package_kin;
      }
    }
  }
  // A deployment unpacked: a write under NAME/ after this process read
  // NAME.war (or .ear, .jar, .zip) that the workload did not write.
  if (e.kind == EventKind::kOpen && e.result >= 0 && !e.path.empty() && proc != processes_.end() &&
      (e.access & (kAccessWrite | kAccessCreate)) != 0 && !proc->second.archive.empty() &&
      e.time_ns - proc->second.archive_ns <= options_.incident_window_ns) {
    const std::string& archive = proc->second.archive;
    const std::string_view dir = std::string_view(archive).substr(0, archive.rfind('.'));
    if (e.path.size() > dir.size() + 1 && e.path.starts_with(dir) && e.path[dir.size()] == '/') {
      context.unpacked_from = archive;
    }
  }
  Finding* file_finding = nullptr;
  bool drift = false;
  // An open of a path this baseline already judged known with the same
  // access, outside a new program's tree, is known again: its verdict depends
  // on the path (and, for a write, the writer's ids when the path spells
  // them: such writes are not remembered), the access bits, the open's
  // success and the baseline only.
  std::unordered_set<std::string>& known_opens = current_.baseline->known_opens;
  const bool plain_open_event =
      e.kind == EventKind::kOpen && e.access != 0 && !e.path.empty() && context.hostile_root.empty() &&
      ((e.access & (kAccessWrite | kAccessCreate)) == 0 || !PathSpellsId(e.path, e.pid, e.tid));
  if (plain_open_event) {
    open_key_.assign(e.path);
    open_key_ += static_cast<char>(e.access);
    open_key_ += e.result < 0 ? '\1' : '\0';
  }
  const bool known_open = plain_open_event && known_opens.contains(open_key_);
  std::vector<Finding> scored;
  if (!known_open) scored = scorer_.Score(&fingerprint, e, context);
  if (plain_open_event && !known_open && scored.empty() && !IsRuntimeHelper(e)) {
    if (known_opens.size() >= kMaxKnownOpens) known_opens.clear();
    known_opens.insert(open_key_);
  }
  // A known program that a suspect process starts (outside a new program's
  // tree, where its lineage is a finding) is what that process ran in the
  // incident: it folds into the finding that made the process suspect, as
  // `exec PATH`, so the incident shows it (an intruder's shell where the
  // workload runs shells: its `uname`, known from the workload's own scripts).
  if (e.kind == EventKind::kExec && scored.empty() && suspect_parent != nullptr &&
      suspect_parent->suspect_by != nullptr && context.hostile_root.empty() && !e.path.empty()) {
    Fold(suspect_parent->suspect_by, &suspect_parent->suspect_folded, "exec " + e.path);
  }
  // Makes `anchor` the finding this process's next dependencies fold into.
  const auto note_library = [&](Finding* anchor) {
    ProcessState& state = processes_[e.pid];
    if (state.library.finding != anchor) state.library.folded.clear();
    state.library.finding = anchor;
    state.library.since_ns = e.time_ns;
    proc = processes_.find(e.pid);
  };
  for (Finding& f : scored) {
    drift = true;
    const bool plain_read = f.kind == FindingKind::kFile &&
                            (f.item.access & (kAccessWrite | kAccessCreate)) == 0 && f.score < kFoldBelow;
    // A new program's own syscalls: any but those that escape, hide or tamper.
    const bool own_syscall = f.kind == FindingKind::kSyscall && !IsEvasiveSyscall(f.item.key) &&
                             !IsTamperingSyscall(f.item.key);
    // One finding per new program: its plain reads and its own syscalls fold
    // into its exec finding.
    if ((plain_read || own_syscall) && proc != processes_.end() && proc->second.program != nullptr) {
      Fold(proc->second.program, &proc->second.folded, FoldedName(f));
      continue;
    }
    // One finding per new module: the dependencies the dynamic loader opens
    // right after a new shared object fold into its finding.
    const bool library = plain_read && IsSharedObject(f.subject);
    if (library && InSystemLibraryDir(f.subject) && proc != processes_.end() &&
        proc->second.library.finding != nullptr && e.time_ns - proc->second.library.since_ns <= kLibraryLoadNs &&
        proc->second.library.finding->subject != f.subject) {
      Fold(proc->second.library.finding, &proc->second.library.folded, FoldedName(f));
      continue;
    }
    // One finding per lookup: the queries a resolver's search list makes of
    // one name (Kubernetes' "<name>.<ns>.svc.cluster.local", ..., "<name>")
    // fold into the first one's finding, never into a lower one.
    const bool dns_name = f.kind == FindingKind::kNetwork && f.item.table == ItemRef::Table::kDns;
    if (dns_name && proc != processes_.end() && proc->second.lookup.finding != nullptr &&
        e.time_ns - proc->second.lookup.since_ns <= kLookupNs && f.severity <= proc->second.lookup.finding->severity) {
      ProcessState& state = proc->second;
      bool same = false;
      for (const std::string& name : state.lookup_names) same = same || SameLookupThroughSearchList(name, f.subject);
      if (same) {
        Fold(state.lookup.finding, &state.lookup.folded, FoldedName(f));
        if (state.lookup_names.size() < kMaxLookupNames) state.lookup_names.push_back(f.subject);
        state.lookup.since_ns = e.time_ns;
        continue;
      }
    }
    // One finding per new listener: a client of a port the workload started
    // listening on in this run folds into that listen finding.
    const bool network = f.kind == FindingKind::kNetwork && f.item.table == ItemRef::Table::kNetwork;
    const uint32_t net_port = static_cast<uint32_t>(f.item.net.protocol) << 16 | f.item.net.port;
    if (network && f.item.net.direction == Direction::kInbound) {
      if (auto w = new_listeners_.find(f.workload); w != new_listeners_.end()) {
        if (auto l = w->second.find(net_port); l != w->second.end()) {
          Fold(l->second.finding, &l->second.folded, FoldedName(f));
          continue;
        }
      }
    }
    // One finding per connection attempt: glibc's getaddrinfo probes each
    // address it returns with a UDP connect(2) on the program's port (its
    // source-address selection, RFC 6724) before the program connects to
    // one, and a QUIC client races UDP and TCP to one port. A process's new
    // outbound peers on one port within a second of its last one, UDP on
    // either side, fold into the first one's finding, never into a lower
    // one. New TCP peers alone stay findings of their own.
    const bool outbound = network && f.item.net.direction == Direction::kOutbound;
    const bool udp = f.item.net.protocol == kProtocolUdp;
    if (outbound && proc != processes_.end() && proc->second.attempt.finding != nullptr &&
        e.time_ns - proc->second.attempt.since_ns <= kAttemptNs && f.item.net.port == proc->second.attempt_port &&
        (udp || proc->second.attempt_udp) && f.severity <= proc->second.attempt.finding->severity) {
      ProcessState& state = proc->second;
      Fold(state.attempt.finding, &state.attempt.folded, FoldedName(f));
      state.attempt.since_ns = e.time_ns;
      state.attempt_udp = true;
      continue;
    }
    // A low exec of a new program (a sibling of the workload's own: its suite).
    const bool suite_exec = f.kind == FindingKind::kExec && f.item.table == ItemRef::Table::kExecutable &&
                            e.kind == EventKind::kExec && f.score < kFoldBelow;
    // A low write: an ordinary file (no script, credential, persistence or
    // system location, which score higher).
    const bool low_write = f.kind == FindingKind::kFile && !plain_read && f.score < kFoldBelow;
    // A name lookup: the resolver and the name of a DNS query, below high.
    const bool lookup = e.kind == EventKind::kDns && f.kind == FindingKind::kNetwork && f.severity < Severity::kHigh;
    // One finding per new program, for a low one (the workload's own suite: an
    // operator's pg_dump) too: its low writes (the dump it makes) and its name
    // lookups (named-checkzone resolving a zone's mail hosts) fold into its
    // exec finding; a connection that follows a lookup stays a finding of its
    // own. A new program of medium or more roots a tree, whose writes are
    // raised and fold by directory (below).
    if ((low_write || lookup) && context.hostile_root.empty() && !context.wrote_exe && proc != processes_.end() &&
        proc->second.program != nullptr && proc->second.program->severity == Severity::kLow) {
      Fold(proc->second.program, &proc->second.folded, FoldedName(f));
      continue;
    }
    // One finding per new program: a low new program that a low new program
    // started (the shell pg_dumpall runs pg_dump through) folds into the
    // first one's finding, which is then its program too.
    if (suite_exec && context.hostile_root.empty() && !context.wrote_exe && e.process.ppid > 1) {
      auto parent = processes_.find(e.process.ppid);
      if (parent != processes_.end() && parent->second.program != nullptr &&
          parent->second.program->severity == Severity::kLow && parent->first != e.pid) {
        Finding* into = parent->second.program;
        Fold(into, &parent->second.folded, FoldedName(f));
        processes_[e.pid].program = into;
        proc = processes_.find(e.pid);
        continue;
      }
    }
    // One finding per directory: outside a new program's tree, the workload's
    // own programs' plain reads in one directory, their low writes in one
    // directory, and the programs of its suite started from one directory,
    // within the incident window, fold into the first one's finding (a suite
    // program's own reads and syscalls then fold there too).
    const bool by_directory =
        (plain_read || suite_exec || low_write) && context.hostile_root.empty() && !context.wrote_exe;
    // In a new program's tree, its writes below high in one directory (an
    // encryptor's files, an unpacked archive) fold into the tree's first one
    // there for the window, when their severity is no higher than its: one
    // finding with a count and examples. A script, an executable, a persistence,
    // credential or system location written scores high or more and never
    // folds; a folded file still counts for drop and execute.
    // A suspect shell's raised writes fold the same way, per shell process.
    const bool tree_write = f.kind == FindingKind::kFile && (f.item.access & (kAccessWrite | kAccessCreate)) != 0 &&
                            f.severity < Severity::kHigh &&
                            (!context.hostile_root.empty() || context.suspect_shell) && !context.wrote_exe;
    const std::string scope = tree_write   ? (context.hostile_root.empty() ? "shell " + std::to_string(e.pid)
                                                                           : "tree " + std::string(context.hostile_root))
                              : low_write ? std::string(kWriteScope)
                                          : std::string(kReadScope);
    if (by_directory || tree_write) {
      DirFold* dir = DirFoldOf(f.workload, f.subject, e.time_ns, scope);
      // A tree's write folds only into a finding of its severity or more: a
      // fold never hides a higher severity.
      if (dir != nullptr && dir->finding->subject != f.subject &&
          (!tree_write || f.severity <= dir->finding->severity)) {
        Fold(dir->finding, &dir->folded, FoldedName(f));
        if (library) note_library(dir->finding);  // its dependencies join the finding it joined
        if (suite_exec) {
          processes_[e.pid].program = dir->finding;
          proc = processes_.find(e.pid);
        }
        continue;
      }
    }
    // One finding per change of a known program: outside a new program's
    // tree, the low reads, low writes and low syscalls of one of the
    // workload's own (learned) programs, any of its processes, within the
    // incident window fold into its first such finding, across directories
    // (an extension loaded: its control file, its library and its data, read
    // by the backends that use it; a graceful restart's new module and pid
    // file; the new ports of a workload that opens listening ports as it
    // goes). Findings of medium or more never fold, nor fold anything; a
    // folded write is still remembered for drop and execute (Track).
    const bool low_listen = network && f.item.net.direction == Direction::kListen;
    const bool own_change = (plain_read || low_write || low_listen || f.kind == FindingKind::kSyscall) &&
                            f.severity == Severity::kLow && context.hostile_root.empty() && !context.wrote_exe &&
                            fingerprint.executables.contains(e.process.exe) &&
                            (proc == processes_.end() || proc->second.program == nullptr);
    DirFold* change = nullptr;
    if (own_change) {
      auto& programs = program_changes_[f.workload];
      if (programs.size() >= kMaxDirFoldsPerWorkload) programs.clear();
      change = &programs[e.process.exe];
      if (change->finding != nullptr && e.time_ns - change->since_ns > options_.incident_window_ns) *change = DirFold{};
      if (change->finding != nullptr && change->finding->subject != f.subject) {
        Fold(change->finding, &change->folded, FoldedName(f));
        if (library) note_library(change->finding);
        continue;
      }
    }
    const bool exec = f.kind == FindingKind::kExec;
    const uint32_t pid = f.process.pid != 0 ? f.process.pid : e.pid;
    std::string key = FindingKey(f.workload, f.kind, f.subject);
    const bool file = f.kind == FindingKind::kFile;
    const bool listen = network && f.item.net.direction == Direction::kListen;
    const double scored = f.score;
    const Severity scored_severity = f.severity;
    Finding* recorded = Record(std::move(f), std::move(key), &fresh);
    if (file) file_finding = recorded;
    if (dns_name) {
      ProcessState& state = processes_[e.pid];
      state.lookup = DirFold{recorded, e.time_ns, {}};
      state.lookup_names.assign(1, recorded->subject);
      proc = processes_.find(e.pid);
    }
    if (outbound) {
      ProcessState& state = processes_[e.pid];
      state.attempt = DirFold{recorded, e.time_ns, {}};
      state.attempt_port = recorded->item.net.port;
      state.attempt_udp = udp;
      proc = processes_.find(e.pid);
    }
    if (listen) {
      auto& ports = new_listeners_[recorded->workload];
      if (ports.size() >= kMaxNewListenersPerWorkload) ports.clear();
      ports.try_emplace(net_port, DirFold{recorded, e.time_ns, {}});
    }
    if (by_directory || tree_write) RememberDirFold(recorded, e.time_ns, scope);
    if (library) note_library(recorded);
    if (change != nullptr && change->finding == nullptr) *change = DirFold{recorded, e.time_ns, {}};
    if (exec && e.kind == EventKind::kExec && dropped != nullptr && dropped->score < recorded->score) {
      dropped->score = recorded->score;
      dropped->severity = recorded->severity;
      dropped->reason += " (later executed)";
      if (updated_set_.insert(dropped).second) updated_.push_back(dropped);
    }
    // A library it wrote, now loaded: its write's finding (often this one,
    // the same file) rises to the load's score.
    if (file && loads_library && dropped != nullptr && dropped->score < scored) {
      dropped->score = scored;
      dropped->severity = scored_severity;
      dropped->reason += " (later loaded as a library)";
      if (updated_set_.insert(dropped).second) updated_.push_back(dropped);
    }
    if (recorded->severity >= Severity::kMedium) {
      const auto mark = [&](ProcessState& p) {
        p.suspect_ns = e.time_ns;
        if (p.suspect_by != recorded) p.suspect_folded.clear();
        p.suspect_by = recorded;
      };
      mark(processes_[pid]);
      if (exec && recorded->process.ppid > 1) mark(processes_[recorded->process.ppid]);
      proc = processes_.find(e.pid);
    }
    if (exec && e.kind == EventKind::kExec) {
      ProcessState& state = processes_[pid];
      if (state.root.empty() && recorded->severity >= Severity::kMedium) {
        state.root = RootName(*recorded);
        state.incident = recorded->incident;
      }
      state.program = recorded;
      proc = processes_.find(e.pid);
    }
  }
  if (e.kind == EventKind::kOpen && e.result >= 0 && e.access == kAccessRead && IsArchiveName(e.path)) {
    auto w = written_.find(e.workload);
    if (w == written_.end() || !w->second.contains(e.path)) {
      ProcessState& state = processes_[e.pid];
      state.archive = e.path;
      state.archive_ns = e.time_ns;
      proc = processes_.find(e.pid);
    }
  }
  last_known_ = !drift && context.hostile_root.empty() && !context.wrote_exe && context.queried_name.empty();
  // Taken before Track: an exit erases the process, but exits count in no rate dimension.
  const bool suspect = proc != processes_.end() && (!proc->second.root.empty() || in_incident(proc->second));
  Track(e, file_finding);
  ScoreRates(rates_.Observe(e, suspect), &fresh);
  return fresh;
}

void Detector::Restore(std::vector<Finding> stored) {
  for (Finding& f : stored) {
    if (f.id == 0) continue;
    std::string key =
        FindingKey(f.workload, f.kind, f.kind == FindingKind::kRate ? RateFindingName(f.subject) : f.subject);
    auto [it, inserted] = by_key_.try_emplace(std::move(key), nullptr);
    if (!inserted) continue;  // keep the first of duplicates from older runs
    findings_.push_back(std::make_unique<Finding>(std::move(f)));
    Finding* restored = findings_.back().get();
    it->second = restored;
    if (restored->incident == 0) continue;
    auto open = std::find_if(incidents_.begin(), incidents_.end(),
                             [&](const Incident& i) { return i.id == restored->incident; });
    if (open == incidents_.end()) {
      Incident i;
      i.id = restored->incident;
      i.workload = restored->workload;
      i.root = restored->incident_root.empty() ? RootName(*restored) : restored->incident_root;
      incidents_.push_back(std::move(i));
      open = std::prev(incidents_.end());
    }
    open->pids.insert(restored->process.pid);
    if (restored->process.ppid > 1) open->pids.insert(restored->process.ppid);
    open->last_ns = std::max(open->last_ns, restored->time_ns);
  }
}

std::vector<Finding*> Detector::Flush() {
  std::vector<Finding*> fresh;
  ScoreRates(rates_.Flush(), &fresh);
  return fresh;
}

std::vector<Finding*> Detector::Updated() {
  std::vector<Finding*> out = std::move(updated_);
  updated_.clear();
  updated_set_.clear();
  return out;
}

}  // namespace dw::model
