// model/generalize.h: explainable generalization of a fingerprint: wildcard
// paths for directories a workload fills with many names, CIDR ranges for
// pools of peers, and more of both when a fingerprint outgrows its budget.
//
// Patterns live in Fingerprint::file_patterns and ::net_patterns, each with
// the rule that made it, examples of what it replaced, how many items it
// replaced, and the merged stats. Items a pattern replaced are removed; later
// events that match a pattern update its stats instead of adding items.
//
// Access bits need their own evidence: a file pattern carries read, write or
// create only when at least the threshold's worth of the distinct files it
// generalizes had that bit, and only files whose bits all fit are absorbed;
// the others stay exact items. So a pattern learned from reads does not
// absolve a write, and a data directory with one lock file created in it does
// not make creating any file there normal. A pattern gains a bit later when
// enough exact items with that bit accumulate under it.
//
// File patterns, on normalised paths (model/normalize.h):
//   "<dir>/*"   one component directly under <dir>: made when the distinct
//               files learned directly under <dir> reach the threshold.
//   "<dir>/**"  anything at any depth under <dir>: made only under budget
//               pressure, deepest directories first.
//   "<dir>/a<#>b" a numbered family: any name directly under <dir> that is
//               "a", a number, "b" ("<dir>/<#>.png", "/dev/shm/PostgreSQL.<#>");
//               each run of digits, and each number placeholder of
//               model/normalize.h (<n>, <ts>, <pid>, <tid>, <fd>), is one <#>.
//               Made when family_threshold distinct members were learned.
//   "<dir>/<name>/rest" sibling directories of any name: any one directory
//               directly under <dir> holding "rest" (exact or a shape). Made
//               when family_threshold siblings held it; never under /usr, the
//               library roots, /proc, /sys or /dev (generalize.cc
//               CollapseSiblings).
// Network patterns: a NetItem whose address is a CIDR ("10.0.3.0/24"), same
// direction, protocol and port as the peers it replaced. Outbound peers,
// inbound clients and resolvers widen (a resolver's upstream servers are a
// pool when there are cidr_threshold of them in one range; a service's one
// or two resolvers never are); listen addresses never do. Widths: /24 (IPv4)
// and /64 (IPv6); /16 and /48 under pressure; never wider. Unspecified addresses and ::1 never widen; loopback 127/8 only
// widens with loopback (a /24 or /16 never straddles it).
//
// What never generalizes (IsProtectedPath, MayCollapse): secrets and system
// trees are learned item by item whatever their size, so that /etc/shadow, a
// service-account token or a new binary in /usr/bin stays a finding even when
// the workload touched hundreds of neighbours. See generalize.cc for the
// tables and the reason for each entry.
//
// Pure functions on values; not thread-safe for the same Fingerprint.
#ifndef DRIFTWATCH_MODEL_GENERALIZE_H_
#define DRIFTWATCH_MODEL_GENERALIZE_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/fingerprint.h"

namespace dw::model {

struct GeneralizeOptions {
  // Distinct files learned directly under a directory at which it collapses to
  // "<dir>/*". 16: well above the two or three files after which naive tools
  // collapse (a config directory with a handful of fixed files stays literal),
  // and few enough that cache, spool, upload, session and asset directories,
  // whose names keep changing, collapse within a normal training.
  size_t dir_threshold = 16;
  // Overrides by path prefix (component-wise; the longest match wins).
  // /proc and /sys: 8. Their entries are fixed kernel interfaces that
  // monitoring code reads in bulk; the dangerous ones (/proc/<pid>/environ,
  // mem, root, cwd) are protected whatever the threshold.
  std::map<std::string, size_t> dir_threshold_by_prefix = {{"/proc", 8}, {"/sys", 8}};
  // A directory below its threshold still collapses with this many distinct
  // files when at least half of them were seen only once: its names keep
  // changing (the Good-Turing estimate of meeting a new name next is high),
  // so a literal list would alert on every new one. 8 keeps small fixed sets
  // literal however often they are used.
  size_t open_dir_threshold = 8;
  // Distinct names of one numbered family (names in one directory that differ
  // only in their numbers) at which the number is taken for a counter or an id
  // and the family becomes "<dir>/stem<#>suffix". 4: three could be a short
  // fixed list ("a1", "a2", "a3"); four values of one field are a sequence.
  // A family is far narrower than a directory wildcard: a new name of another
  // form beside it is still a finding.
  size_t family_threshold = 4;
  // Distinct names read under a directory tree, spread over at least two of
  // its directories, at which it becomes a served tree "<dir>/**" for reads
  // (write and create need as many names carrying them; an owned tree, one
  // with write whose names the workload created in at least two of its
  // directories, family_threshold names or more, gets create too). 24: more than a
  // configuration directory holds, and 1.5 x dir_threshold so that one busy
  // directory collapses to "<dir>/*" first; a document root, an application's
  // code or assets reach it within a normal training. 0 turns the rule off.
  size_t tree_threshold = 24;
  // Distinct addresses of one direction, protocol and port inside one /24
  // (IPv4) or /64 (IPv6) at which they widen to that range. 8: a pool
  // (replicas behind a service, pods on a node's range, a client subnet)
  // rather than a few individually chosen hosts.
  size_t cidr_threshold = 8;
  // Most items (Fingerprint::ItemCount()) a fingerprint should hold. 4096:
  // a few hundred KB stored, fast to look up, still reviewable by a person;
  // generalized services stay well below it. Above it, Generalize() pushes
  // further instead of the profiler dropping what it learns.
  size_t item_budget = 4096;

  // The threshold for `dir`: the longest matching prefix's, else dir_threshold.
  size_t DirThreshold(std::string_view dir) const;
};

// What one Generalize() call did.
struct GeneralizeResult {
  size_t file_patterns = 0;  // file patterns made (not counting merges into existing ones)
  size_t net_patterns = 0;   // network patterns made
  size_t absorbed = 0;       // exact items and patterns folded into (other) patterns, removed
  bool pressure = false;     // the item budget forced thresholds below the options'
  bool over_budget = false;  // still over budget: nothing left that may be generalized
  bool changed() const { return file_patterns + net_patterns + absorbed > 0; }
  bool operator==(const GeneralizeResult&) const = default;
};

// Generalizes `fp` in place, in this order, stopping the pressure steps as
// soon as ItemCount() <= item_budget:
//   1. items that match an existing pattern are folded into it;
//   2. directories at their threshold (or at open_dir_threshold when open)
//      collapse to "<dir>/*", and existing ones gain bits with evidence;
//      numbered families at family_threshold become "<dir>/stem<#>suffix";
//      sibling directories holding the same path become "<dir>/<name>/path";
//      peers at the CIDR threshold widen to /24 or /64;
//   under pressure (ItemCount() > item_budget):
//   3. thresholds halve step by step, down to 2, for directories and peers;
//   4. subtrees collapse to "<dir>/**", deepest first, larger first (a bit
//      needs 2 items carrying it);
//   5. peers and /24 (/64) ranges widen to /16 (/48), 2 members suffice.
// Each pattern's rule says which step made it and with which threshold.
// Deterministic: the same fingerprint and options give the same result.
GeneralizeResult Generalize(Fingerprint* fp, const GeneralizeOptions& options = {});

// An executable or script by its name (".sh", ".py", ".php", ".jsp", ".so",
// "lib.so.1", ...): what the scorer never lets a wildcard absolve when written.
bool IsExecutableFileName(std::string_view path);
// A shared object by its name: "x.so", "libx.so.1", "libx.so.1.2.13" (".so", then
// nothing but a version of digits and dots).
// What the dynamic loader opens before it maps a library's code.
bool IsSharedObjectName(std::string_view path);

// Whether wildcard pattern `pattern` ("<dir>/*", "<dir>/**") keeps out an item
// of `path` with `access`: a written executable or script stays an item
// (and may form a family of its own name, "<dir>/<id>/vgc.so"), since the
// scorer would not let the wildcard absolve it anyway. Families with a name
// of their own (not ending in '*') take it as any item.
bool WildcardKeepsOut(std::string_view pattern, std::string_view path, uint8_t access);

// The file pattern covering `normalized_path`, or nullptr: "<parent>/*" if
// present, else the parent's numbered family, else the deepest "<ancestor>/**". Never a protected path (IsProtectedPath), even
// if a pattern would cover it. When `pattern` is not null it receives the
// pattern's key (valid while the pattern exists). Costs one ordered-map
// lookup per ancestor directory that has patterns beneath it.
const Generalization* MatchFile(const Fingerprint& fp, std::string_view normalized_path,
                                const std::string** pattern = nullptr);

// fp.files by path in a hash table, and fp.file_patterns indexed for MatchFile
// on the detection path: each pattern by its key in a hash table, and each
// directory prefix that patterns lie beneath ("/srv/pg/base/<#>/") with the
// recursive pattern MatchFile would find there, so a match costs one hash
// lookup per level instead of ordered map searches. It points into `fp`:
// valid while fp.files and fp.file_patterns are not changed and `fp` is not
// moved from or destroyed (a detector's baselines; learning changes them and
// uses MatchFile without an index).
// It also remembers MatchFile's answer per path (up to kRemembered paths, then
// it forgets them all at once), so a path seen again costs one hash lookup.
// Move-only. Not thread-safe: MatchFile through it writes that memory.
class FilePatternIndex {
 public:
  explicit FilePatternIndex(const Fingerprint& fp);
  FilePatternIndex(FilePatternIndex&&) = default;
  FilePatternIndex& operator=(FilePatternIndex&&) = default;
  FilePatternIndex(const FilePatternIndex&) = delete;
  FilePatternIndex& operator=(const FilePatternIndex&) = delete;

  using Entry = std::pair<const std::string, Generalization>;
  // The pattern whose key is `key`, or nullptr.
  const Entry* Find(std::string_view key) const;
  // Whether some pattern starts with `dir_slash` (a prefix ending in '/');
  // if so, *tree receives "<dir>/**" when MatchFile takes it there, else nullptr.
  bool Beneath(std::string_view dir_slash, const Entry** tree) const;
  bool empty() const { return patterns_.empty(); }
  const Fingerprint& fingerprint() const { return *fp_; }

  // The exact item fp.files[path], or nullptr (a hash lookup).
  const ItemStats* FindFile(std::string_view path) const {
    auto it = files_.find(path);
    return it == files_.end() ? nullptr : it->second;
  }

  static constexpr size_t kRemembered = 8192;
  // MatchFile's remembered answer for `path` (which may be nullptr: no
  // pattern), or nullptr when it has none.
  const Entry* const* Remembered(std::string_view path) const {
    auto it = answers_.find(path);
    return it == answers_.end() ? nullptr : &it->second;
  }
  void Remember(std::string_view path, const Entry* answer) const {
    if (answers_.size() >= kRemembered) answers_.clear();
    answers_.emplace(std::string(path), answer);
  }

 private:
  const Fingerprint* fp_;
  mutable std::unordered_map<std::string, const Entry*, StringViewHash, std::equal_to<>> answers_;
  std::unordered_map<std::string_view, const ItemStats*, StringViewHash, std::equal_to<>> files_;
  std::unordered_map<std::string_view, const Entry*, StringViewHash, std::equal_to<>> patterns_;
  std::unordered_map<std::string_view, const Entry*, StringViewHash, std::equal_to<>> dirs_;
};

// MatchFile(index's fingerprint, ...) through `index`: the same answer.
const Generalization* MatchFile(const FilePatternIndex& index, std::string_view normalized_path,
                                const std::string** pattern = nullptr);

// The network pattern covering `item` (same direction, protocol and port; the
// address inside its range), or nullptr. Only the widths Generalize() makes
// are tried (/24, /16; /64, /48). `pattern` as for MatchFile.
const Generalization* MatchNet(const Fingerprint& fp, const NetItem& item,
                               const NetItem** pattern = nullptr);

// True when no wildcard may ever cover `normalized_path`: it lies in a
// protected tree (/etc, /root, /boot, binary directories, secret mounts, cron
// spools, /dev but /dev/shm, /proc/<pid>/root and cwd), has a credential
// component (.ssh, .gnupg, .aws, .kube, .docker, kubernetes.io~secret,
// serviceaccount, ...), a private-key name (*.key, id_rsa*, ...), or is
// /proc/.../environ or mem.
bool IsProtectedPath(std::string_view normalized_path);

// True when `dir` may become "<dir>/*" (recursive: "<dir>/**"): at least two
// components deep, not protected, not a fixed system directory (/usr/share,
// /var/lib, /var/log, /usr/lib, /usr/lib/<multiarch>, /home, /opt, ... whose
// wildcard would stand for unrelated software); recursive also needs no
// protected tree or fixed directory beneath it.
bool MayCollapse(std::string_view dir, bool recursive);

// Splits a normalised absolute path into its components ("/a/b" -> a, b).
std::vector<std::string_view> Components(std::string_view path);

// True when `address` lies in a subnet the fingerprint knows: the /24 (IPv4)
// or /64 (IPv6) of any learned network item's address, or any network
// pattern's range. For scoring new peers; costs a scan of fp.network.
bool InKnownSubnet(const Fingerprint& fp, std::string_view address);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_GENERALIZE_H_
