// tools/eval/techniques.h: what an intruder does once inside a workload, played
// against the workload's own trained baseline (`driftwatch eval --techniques`).
//
// The drift traces of testdata/ inject one intruder script per workload; an
// engine fitted to that script could miss every other technique. The
// catalogue here is a list of techniques (MITRE ATT&CK ids, and the classes
// Falco's default rules watch for), each written as the events the collector
// would deliver: who forks, what runs (exe, argv, exec flags), what is opened
// with which access, where it connects or listens, which syscall it makes. A
// technique is played as the workload's server (RunTechniques: its workload,
// cgroup, user and process context, taken from the training traces: the
// process an exploit lands in) and as the processes it starts, against a fresh
// Detector over the fingerprints trained from the case's train traces, one
// technique at a time. Each has a floor: the least severity the finding it
// raises must reach. Synthetic network peers use the documentation ranges
// (RFC 5737), so no address of a recorded workload is ever one of them.
//
// What the catalogue cannot show: techniques the collector does not see
// (unix socket connects such as the container runtime's socket; syscalls,
// ptrace or mount made in-process, when the baseline has no learned syscalls),
// and how a technique's own noise (the libraries its programs load) folds; the
// live tests (tools/exec_bpf_test.cc, tools/e2e_bpf_test.cc:
// IntrudersTechniquesRunForRealAreFoundAtTheirFloor) and the drift traces
// cover those. The catalogue is this project's own: it shows that no class in
// it is blind, not how an unseen technique fares.
#ifndef DRIFTWATCH_TOOLS_EVAL_TECHNIQUES_H_
#define DRIFTWATCH_TOOLS_EVAL_TECHNIQUES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/event.h"
#include "collector/programs.h"
#include "collector/status.h"
#include "model/detector.h"
#include "model/fingerprint.h"
#include "tools/eval/eval.h"

namespace dw::tools {

class TechniquePlayer;

struct Technique {
  std::string id;     // "T1053.003"; several techniques may share one
  std::string name;   // "cron job written by the service"
  model::Severity floor = model::Severity::kMedium;
  void (*play)(TechniquePlayer&) = nullptr;
};

// The catalogue, in a fixed order.
const std::vector<Technique>& Techniques();

// One process of a played technique.
struct PlayedProcess {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  std::string exe;
  std::string script;  // the script an interpreter runs as it (ProcessContext::script), or ""
  std::vector<std::string> argv;
  std::string parent_exe;             // the parent's program (ProcessContext::parent_exe)
  std::vector<std::string> ancestry;  // parent first
  // What its children see as their parent: its script, else its exe.
  const std::string& program() const { return collector::ProgramOf(exe, script); }
};

// Turns a technique's steps into enriched events (what the pipeline would
// deliver) and hands them to a Detector, a millisecond apart.
class TechniquePlayer {
 public:
  TechniquePlayer(model::Detector* detector, const Event& actor, int64_t start_ns);

  // The workload's own program the technique starts from.
  const PlayedProcess& self() const { return self_; }
  // Where the workload serves content from (ServedDirOf), "/var/www/html"
  // unless set.
  const std::string& served_dir() const { return served_dir_; }
  void set_served_dir(std::string dir) { served_dir_ = std::move(dir); }
  // `parent` forks a child that execs `exe`; exec_flags as the kernel sets
  // them (kExecFileless for a memfd).
  PlayedProcess Spawn(const PlayedProcess& parent, const std::string& exe, std::vector<std::string> argv,
                      uint8_t exec_flags = 0);
  // `p` replaces its own image with `exe` (a wrapper running its argument).
  PlayedProcess Exec(const PlayedProcess& p, const std::string& exe, std::vector<std::string> argv);
  void Open(const PlayedProcess& p, const std::string& path, uint8_t access);
  // IPv4 dotted quads; TCP, or a UDP flow (its first datagram).
  void Connect(const PlayedProcess& p, const std::string& address, uint16_t port,
               uint8_t protocol = kProtocolTcp);
  void Listen(const PlayedProcess& p, const std::string& address, uint16_t port);
  // A UDP query for `name` to `resolver`:53.
  void Dns(const PlayedProcess& p, const std::string& resolver, const std::string& name);
  // The first use of syscall `name` (x86-64 number `nr`) by the workload's
  // cgroup, as `--syscalls` reports it; only baselines that learned syscalls
  // judge it.
  void Syscall(const PlayedProcess& p, const std::string& name, uint32_t nr);

  // Every event played so far.
  const std::vector<Event>& played() const { return played_; }

 private:
  Event Base(EventKind kind, const PlayedProcess& p);
  void Send(const Event& e);

  model::Detector* detector_;
  Event actor_;
  PlayedProcess self_;
  int64_t now_ns_;
  std::string served_dir_ = "/var/www/html";
  uint32_t next_pid_ = 4'000'000;  // above any pid the traces hold
  std::vector<Event> played_;
};

struct TechniqueOutcome {
  const Technique* technique = nullptr;
  size_t findings = 0;                         // findings it raised
  model::Severity top = model::Severity::kLow;  // the highest of them (kLow when none)
  std::string top_finding;                     // "<kind> <subject> (<reason>)", "" when none
  // No finding because the baseline holds every item of the technique as
  // the exact item training saw (vsftpd reads /etc/shadow to log its users
  // in): the workload's own behaviour, which the baseline allows. A
  // technique a pattern absolves is no such case: it is a miss.
  bool learned = false;
  bool reached() const { return findings > 0 ? top >= technique->floor : learned; }
};

struct TechniqueResult {
  std::string name;          // the case
  std::string actor;         // the program played as: "/usr/sbin/nginx"
  std::string served_dir;    // ServedDirOf its baseline
  std::vector<TechniqueOutcome> outcomes;  // in Techniques() order
  size_t reached() const;
};

// The directory a workload serves content from, by its baseline: of the
// directories outside the system's trees (/usr, /lib, /etc, /proc, /sys, /dev,
// /run, /var/run, /bin, /sbin), the one with the most files learned as read
// only (an exact file counts one, a read-only pattern of the directory its
// count of covered names). "" when there is none.
std::string ServedDirOf(const model::Fingerprint& fp);

// Plays `t` as `actor` (an event of the workload's program: its workload,
// cgroup, user and process context) against a fresh Detector over
// `fingerprints`, from `start_ns` on.
TechniqueOutcome PlayTechnique(const Technique& t, const std::map<std::string, model::Fingerprint>& fingerprints,
                               const Event& actor, int64_t start_ns, const std::string& served_dir = "");

// Trains on c.train (TrainCase) and plays every technique against the
// fingerprints as the workload's server: of the workload with the most events
// in training, the executable with the most events among those that accepted
// a connection (any executable when none did). kNotFound when training saw
// no event with an executable.
Result<TechniqueResult> RunTechniques(const EvalCase& c);

// A table for people: one row per technique, one column per case, each cell
// the top severity (C, H, M, L; '.' for no finding, the behaviour learned;
// '-' for no finding otherwise; '!' after one below the floor), then per case
// the outcomes below their floor.
std::string TechniquesText(const std::vector<TechniqueResult>& results);
// One JSON object on one line per case: name, actor, and per technique its id,
// name, floor, findings, top severity, top finding and whether it reached the floor.
std::string TechniquesJson(const TechniqueResult& r);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_EVAL_TECHNIQUES_H_
