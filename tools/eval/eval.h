// tools/eval.h: measures the engine on recorded workloads: false positives on normal
// traces, and labelled drift detected on drift traces (`driftwatch eval`, tools/eval_test.cc).
//
// A case is a directory DIR/<name>/ holding train*.dwt, normal*.dwt, drift*.dwt,
// drift.labels.json and heldout*.dwt (testdata/README.md). Held-out traces are normal
// traces recorded separately that nobody looks at while choosing rules or thresholds:
// they are scored like normal traces and reported on their own. RunEval trains fresh fingerprints from the train
// traces exactly as `driftwatch train` does (Profiler), then scores the normal and the drift
// traces as `driftwatch detect` does (Detector); nothing is stored.
//
// Labels (drift.labels.json) are a JSON list of objects:
//   {"kind": "exec"|"file"|"network"|"rate"|"syscall", "subject": "<subject or glob>", "what": "...",
//    "required": true|false (optional, default true)}
// `subject` is compared with Finding::subject; '*' matches any run of characters, '/'
// included. A required label is drift that should be detected; one with "required": false is
// a consequence of the injected drift (a library the intruder's tool loads): a finding
// matching it is explained, and missing it is not a miss.
//
// Pure functions of the files they read; thread-safe.
#ifndef DRIFTWATCH_TOOLS_EVAL_H_
#define DRIFTWATCH_TOOLS_EVAL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collector/status.h"
#include "model/fingerprint.h"

namespace dw::tools {

struct EvalCase {
  std::string name;                // the directory name: "nginx"
  std::vector<std::string> train;  // trace paths, sorted
  std::vector<std::string> normal;
  std::vector<std::string> drift;
  std::vector<std::string> heldout;
  std::string labels;  // path of drift.labels.json; "" when there is none
  bool operator==(const EvalCase&) const = default;
};

struct EvalLabel {
  model::FindingKind kind = model::FindingKind::kExec;
  std::string subject;  // exact, or a glob with '*'
  std::string what;     // for people
  bool required = true;
  bool operator==(const EvalLabel&) const = default;
};

struct LabelOutcome {
  EvalLabel label;
  uint64_t findings = 0;  // distinct findings on the drift traces that match it
  double best_score = 0;  // the highest score among them (0 when none)
  bool operator==(const LabelOutcome&) const = default;
};

// One held-out trace scored on its own (a fresh Detector, as `driftwatch detect --trace`
// of that file alone): how a set of held-out traces recorded together fares.
struct HeldOutTrace {
  std::string trace;  // the file name: "heldout5.dwt"
  uint64_t events = 0;
  size_t any = 0, medium = 0, high = 0;  // its findings, at least low, medium and high
  bool operator==(const HeldOutTrace&) const = default;
};

struct EvalResult {
  std::string name;
  uint64_t train_events = 0;
  uint64_t normal_events = 0;
  uint64_t drift_events = 0;
  uint64_t heldout_events = 0;
  // Every finding on the normal traces: all are false positives.
  std::vector<model::Finding> normal_findings;
  // Every finding on the held-out traces (scored in one run, in name order): false
  // positives too.
  std::vector<model::Finding> heldout_findings;
  // The same traces scored one by one, in name order.
  std::vector<HeldOutTrace> heldout_traces;
  // Findings on the drift traces that match no label: false positives too.
  std::vector<model::Finding> unlabelled;
  std::vector<LabelOutcome> labels;  // in file order
  // Workloads of the normal or drift traces that the train traces never saw: their events
  // were not scored, so their drift would go unnoticed.
  std::set<std::string> unprofiled;

  size_t required_labels() const;
  size_t detected_labels() const;  // required labels with at least one matching finding
  // Required labels with a matching finding of at least `s` (by its score).
  size_t detected_labels_at(model::Severity s) const;
  std::vector<EvalLabel> misses() const;  // required labels with none, in file order
  // The lowest best score of the required labels minus the highest score of any normal,
  // held-out or unlabelled drift finding: > 0 when every labelled drift outscores every
  // false positive. Missing scores count as 0 (no labels: 1 - max FP; no FP: min label).
  double margin() const;
};

// The cases under `dir`: each subdirectory with at least one train*.dwt, in name order.
// Files directly in `dir` are ignored. kInvalidArgument for a case with drift traces but no
// drift.labels.json; kNotFound when `dir` does not exist.
Result<std::vector<EvalCase>> DiscoverCases(const std::string& dir);

// Parses labels from JSON text (see above); kInvalidArgument names the entry at fault.
Result<std::vector<EvalLabel>> ParseLabels(std::string_view json);
// Reads and parses `path`.
Result<std::vector<EvalLabel>> LoadLabels(const std::string& path);

// Whether `text` matches `pattern`, where '*' matches any run of characters (none included).
bool GlobMatch(std::string_view pattern, std::string_view text);
// Whether `f` is of `label`'s kind and its subject matches the label's
// subject, or one of the items folded into `f` does (its folded examples: a
// path is a file, "syscall ptrace" a syscall): what a person sees in the finding.
bool Matches(const EvalLabel& label, const model::Finding& f);

// The fingerprints `driftwatch train --trace` would store for c.train (one session per
// trace); adds the events replayed to *events, and shows each to `also` when given.
// kInvalidArgument without train traces; a trace that cannot be read names its path.
Result<std::map<std::string, model::Fingerprint>> TrainCase(
    const EvalCase& c, uint64_t* events, const std::function<void(const Event&)>& also = nullptr);

// Trains on c.train, scores c.normal and c.drift, and matches the drift findings with the
// labels. Errors: a trace that cannot be read (its path in the message), bad labels, or a
// case without train traces.
Result<EvalResult> RunEval(const EvalCase& c);

// How many of `findings` score at least `s`'s floor (SeverityOf).
size_t CountAtLeast(const std::vector<model::Finding>& findings, model::Severity s);

// A report for people: a table with one row per case (FP on normal, unlabelled findings on
// drift, detected/required labels), a table per severity threshold (any, medium and above,
// high and above: FP on normal, FP on held-out, unlabelled, detected, the margin), a table per
// held-out trace (its findings, medium and high), a table per held-out set (the traces of one
// name: how many workloads have nothing at medium or above, and how many also have at most two
// low findings, issue 9's target), then per case its misses, false positives and unlabelled
// findings.
std::string EvalText(const std::vector<EvalResult>& results);
// One JSON object on one line per case: name, events, counts, and the lists.
std::string EvalJson(const EvalResult& r);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_EVAL_H_
