// model/generalize.cc: directory collapse, CIDR widening, budget pressure,
// and the matchers the scorer and the profiler use.
//
// The protection tables follow one principle: a wildcard may stand for names
// a workload keeps inventing (its data, cache, logs, spool, temporary files,
// per-process kernel views), never for places where a single new name is the
// attack (credentials, binaries, boot and init configuration, cron) or for
// shared system directories where a wildcard would cover unrelated software.
#include "model/generalize.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/address.h"
#include "model/normalize.h"

namespace dw::model {
namespace {

// ---- Path protection -------------------------------------------------------

// No wildcard at, under, or covering anything in these trees.
constexpr std::string_view kProtectedTrees[] = {
    // Accounts, sudoers, cron, ld.so.preload, TLS keys, service config.
    "/etc",
    // Root's home (keys, shell history, rc files); kernels and boot loader.
    "/root",
    "/boot",
    // Executables: a new one is a dropped tool.
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/libexec",
    "/usr/local/libexec",
    // Kubernetes service accounts, docker secrets, node credentials.
    "/var/run/secrets",
    "/run/secrets",
    "/var/lib/kubelet/pki",
    // Crontabs: persistence.
    "/var/spool/cron",
    // Devices: a new one (mem, a disk) is an escape.
    "/dev",
    // Another process's filesystem view.
    "/proc/<pid>/root",
    "/proc/<pid>/cwd",
    "/proc/<pid>/task/<tid>/root",
    "/proc/<pid>/task/<tid>/cwd",
};
// Inside a protected tree, yet a place where workloads make names at will.
constexpr std::string_view kUnprotectedInTrees[] = {"/dev/shm"};

// A component with one of these names puts the path out of any wildcard's reach.
constexpr std::string_view kSecretComponents[] = {
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".my.cnf",
    ".vault-token",
    "kubernetes.io~secret",
    "kubernetes.io~projected",
    "serviceaccount",
};
// Private-key file names.
constexpr std::string_view kSecretSuffixes[] = {".key", ".p12", ".pfx", ".jks", ".keystore"};
constexpr std::string_view kSecretBasenamePrefixes[] = {"id_rsa", "id_dsa", "id_ecdsa",
                                                        "id_ed25519"};
// Under /proc, these leaves expose another process's secrets or memory.
constexpr std::string_view kProcSecretLeaves[] = {"environ", "mem"};

// Shared directories: no wildcard AT them (children of unrelated software),
// and no recursive wildcard above them. Depth-1 directories are excluded by
// the depth rule already.
constexpr std::string_view kFixedDirs[] = {
    "/usr/share",     "/usr/local",   "/usr/local/share", "/usr/include", "/usr/src",
    "/var/lib",       "/var/cache",   "/var/log",         "/var/spool",   "/var/tmp",
    "/var/opt",       "/var/mail",    "/var/local",       "/var/run",     "/run/user",
    "/sys/fs",        "/sys/devices", "/sys/class",       "/sys/kernel",  "/proc/sys",
    "/lib/modules",   "/usr/lib",     "/usr/lib32",       "/usr/lib64",   "/usr/libx32",
    "/usr/local/lib",
};
// Library roots: they and their multiarch directories are fixed.
constexpr std::string_view kLibRoots[] = {"/lib",       "/lib32",      "/lib64",
                                          "/libx32",    "/usr/lib",    "/usr/lib32",
                                          "/usr/lib64", "/usr/libx32", "/usr/local/lib"};

bool IsAtOrUnder(std::string_view path, std::string_view dir) {
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}
bool IsStrictlyUnder(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

std::string_view Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "/a/b/c" -> "/a/b"; "/a" -> "/".
std::string_view Parent(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

// Components of `dir`: "/" 0, "/a" 1, "/a/b" 2.
size_t Depth(std::string_view dir) {
  if (dir == "/") return 0;
  return static_cast<size_t>(std::count(dir.begin(), dir.end(), '/'));
}

// The number in a numbered family's pattern.
constexpr std::string_view kFamilyNumber = "<#>";
// A directory component of any name, standing for sibling directories that
// hold the same shaped paths (CollapseSiblings).
constexpr std::string_view kAnyName = "<name>";
// A pattern key or directory with a family's number or any name in it: a
// shape standing for many directories, not one.
bool IsShapeKey(std::string_view key) {
  return key.find(kFamilyNumber) != std::string_view::npos || key.find(kAnyName) != std::string_view::npos;
}
// The placeholders model/normalize.h puts where a number was.
// (and ids, hashes and temporary names: each is one variable part).
constexpr std::string_view kNumberPlaceholders[] = {"<n>",   "<ts>",  "<pid>", "<tid>",
                                                    "<fd>",  "<hex>", "<tmp>", "<uuid>",
                                                    "<pod-uid>", "<container-id>"};

bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool IsLetterChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// A run of letters and digits that reads as an id rather than a word with a
// number in it: 8 or more characters that switch between letters and digits
// at least 3 times ("3f9a1c0e77", "tmpk3j8xa2b"; not "image1234", "python311").
bool IsIdRun(std::string_view run) {
  if (run.size() < 8) return false;
  int switches = 0;
  for (size_t i = 1; i < run.size(); ++i) switches += IsDigitChar(run[i]) != IsDigitChar(run[i - 1]);
  return switches >= 3;
}

// A hexadecimal number: a run of hex digits that starts with a digit, its
// letters all of one case, with at least one letter ("7ab", "254f", "1F2A"):
// counters a program prints in hex (ZooKeeper's zxids in "log.296c",
// "snapshot.12cf") are one number, not digits with letters between them. A
// run that starts with a letter is a name with a number ("cc42", "db1",
// "ed25519"), one with no digit may be a word ("bbc", "cafe"): both stay.
bool IsHexNumberRun(std::string_view run) {
  if (run.empty() || !IsDigitChar(run.front())) return false;
  const HexRun h = ClassifyHexRun(run);
  return h.hex && h.letter;
}

// Appends the shape of one path component to *out: each variable part
// becomes kFamilyNumber ("11.png" -> "<#>.png", "PostgreSQL.<n>" ->
// "PostgreSQL.<#>", "cache-k3j8xa2b9q" -> "cache-<#>", "snapshot.12cf" ->
// "snapshot.<#>"). Variable parts: a run of digits, a placeholder of
// model/normalize.h (numbers, ids, hashes, timestamps, temporary names), an
// id-like run of letters and digits (IsIdRun) and a hexadecimal number
// (IsHexNumberRun). False when it has none.
bool AppendFamily(std::string_view base, std::string* out) {
  bool numbered = false;
  for (size_t i = 0; i < base.size();) {
    char c = base[i];
    if (IsDigitChar(c) || IsLetterChar(c)) {
      size_t j = i;
      while (j < base.size() && (IsDigitChar(base[j]) || IsLetterChar(base[j]))) ++j;
      std::string_view run = base.substr(i, j - i);
      if (IsIdRun(run) || IsHexNumberRun(run)) {
        out->append(kFamilyNumber);
        numbered = true;
      } else {
        for (size_t k = 0; k < run.size();) {
          if (IsDigitChar(run[k])) {
            while (k < run.size() && IsDigitChar(run[k])) ++k;
            out->append(kFamilyNumber);
            numbered = true;
          } else {
            out->push_back(run[k++]);
          }
        }
      }
      i = j;
      continue;
    }
    if (c == '<') {
      bool matched = false;
      for (std::string_view p : kNumberPlaceholders) {
        if (base.substr(i, p.size()) == p) {
          // Each number, literal or already a placeholder, is one "<#>", so
          // "log.<n>" and "log.7" are one family.
          out->append(kFamilyNumber);
          i += p.size();
          matched = numbered = true;
          break;
        }
      }
      if (matched) continue;
    }
    out->push_back(base[i++]);
  }
  return numbered;
}

// World-writable temporary directories, where programs name files to be unique.
constexpr std::string_view kTempDirs[] = {"/tmp", "/var/tmp", "/dev/shm"};

bool IsTempDir(std::string_view dir) {
  return std::find(std::begin(kTempDirs), std::end(kTempDirs), dir) != std::end(kTempDirs);
}

// The shape of component `c` directly under `parent` (AppendFamily); directly
// in a temporary directory, also the random part of a unique name: the run of
// letters, digits and '_' after the last '-' or '.', or the whole name, when it
// is 6 or more long ("wgunicorn-60sjjbx_" -> "wgunicorn-<#>", "afshe9cc" ->
// "<#>"; "x.sh" and "dump.tar" keep their names).
bool AppendShape(std::string_view parent, std::string_view c, std::string* out) {
  if (IsTempDir(parent)) {
    size_t start = c.find_last_of("-.");
    start = start == std::string_view::npos ? 0 : start + 1;
    std::string_view tail = c.substr(start);
    bool random = tail.size() >= 6 && std::all_of(tail.begin(), tail.end(), [](char ch) {
      return IsDigitChar(ch) || IsLetterChar(ch) || ch == '_';
    });
    if (random) {
      out->append(c.substr(0, start));
      out->append(kFamilyNumber);
      return true;
    }
  }
  return AppendFamily(c, out);
}

bool InProtectedTree(std::string_view path) {
  if (path.size() < 2) return false;
  for (std::string_view t : kProtectedTrees) {
    if (t[1] != path[1] || !IsAtOrUnder(path, t)) continue;
    for (std::string_view u : kUnprotectedInTrees) {
      if (IsAtOrUnder(path, u)) return false;
    }
    return true;
  }
  return false;
}

bool HasSecretName(std::string_view path) {
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view c = path.substr(pos, end - pos);
    if (c.size() >= 4 && (c[0] == '.' || c[0] == 'k' || c[0] == 's')) {
      for (std::string_view s : kSecretComponents) {
        if (s[0] == c[0] && s.size() == c.size() && c == s) return true;
      }
    }
    pos = end + 1;
  }
  std::string_view base = Basename(path);
  if (base.empty()) return false;
  for (std::string_view s : kSecretSuffixes) {
    if (base.back() == s.back() && base.ends_with(s)) return true;
  }
  if (base[0] == 'i') {
    for (std::string_view p : kSecretBasenamePrefixes) {
      if (base.starts_with(p)) return true;
    }
  }
  if ((base[0] == 'e' || base[0] == 'm') && path.starts_with("/proc/")) {
    for (std::string_view leaf : kProcSecretLeaves) {
      if (base == leaf) return true;
    }
  }
  return false;
}

bool IsFixedDir(std::string_view dir) {
  for (std::string_view f : kFixedDirs) {
    if (dir == f) return true;
  }
  std::string_view parent = Parent(dir);
  for (std::string_view lib : kLibRoots) {
    if (dir == lib) return true;
    if (parent == lib && Basename(dir).find("-linux-") != std::string_view::npos) return true;
  }
  return false;
}

// ---- Stats ------------------------------------------------------------------

void MergeStats(const ItemStats& from, ItemStats* into) {
  into->count += from.count;
  if (from.first_seen_ns != 0 &&
      (into->first_seen_ns == 0 || from.first_seen_ns < into->first_seen_ns)) {
    into->first_seen_ns = from.first_seen_ns;
  }
  into->last_seen_ns = std::max(into->last_seen_ns, from.last_seen_ns);
  // Distinct instances over the union are unknown; one process touching many
  // covered items is the usual case, so the largest is the better estimate.
  into->processes = std::max(into->processes, from.processes);
  into->access |= from.access;
}

void AddExample(Generalization* g, const std::string& example) {
  if (g->examples.size() < Generalization::kMaxExamples) g->examples.push_back(example);
}

// Folds one exact item into `g`.
void Absorb(const std::string& name, const ItemStats& stats, Generalization* g) {
  MergeStats(stats, &g->stats);
  AddExample(g, name);
  ++g->covered;
}

// Folds pattern `from` into `g`.
void AbsorbPattern(const Generalization& from, Generalization* g) {
  MergeStats(from.stats, &g->stats);
  for (const std::string& e : from.examples) AddExample(g, e);
  g->covered += from.covered;
}

// ---- Access evidence ---------------------------------------------------------------
//
// A wildcard carries an access bit only when enough distinct items had that
// bit: sixteen files read and one created make a wildcard for reads, and the
// created file stays an exact item. Otherwise a single lock file would turn a
// data directory into a place where creating any file is normal.

constexpr uint8_t kBits[] = {kAccessRead, kAccessWrite, kAccessCreate, kAccessConnect};
constexpr size_t kNumBits = std::size(kBits);

bool IsSubset(uint8_t bits, uint8_t of) { return (bits & ~of) == 0; }

// "read", "read/write", "write/create"; "no access" for 0.
std::string BitsName(uint8_t bits) {
  std::string out;
  for (std::string_view word : AccessWords(bits)) {
    if (!out.empty()) out += "/";
    out += word;
  }
  return out.empty() ? "no access" : out;
}

// How many items carry each bit.
struct Evidence {
  size_t count[kNumBits] = {};
  void Add(uint8_t access) {
    for (size_t i = 0; i < kNumBits; ++i) count[i] += (access & kBits[i]) != 0;
  }
  // The bits at least `threshold` items carry.
  uint8_t Bits(size_t threshold) const {
    uint8_t bits = 0;
    for (size_t i = 0; i < kNumBits; ++i) {
      if (count[i] >= threshold) bits |= kBits[i];
    }
    return bits;
  }
  // "written by 2, created by 1" for the bits seen but not in `kept`.
  std::string Others(uint8_t kept) const {
    std::string out;
    const char* verbs[] = {"read", "written", "created", "connected to"};
    for (size_t i = 0; i < kNumBits; ++i) {
      if (count[i] == 0 || (kept & kBits[i]) != 0) continue;
      if (!out.empty()) out += ", ";
      out += std::string(verbs[i]) + " by " + std::to_string(count[i]);
    }
    return out;
  }
};

// "; wildcard for read only: written by 1" when some bits lack evidence.
std::string BitsNote(const Evidence& e, uint8_t kept) {
  std::string others = e.Others(kept);
  return others.empty() ? "" : "; wildcard for " + BitsName(kept) + " only: " + others;
}

// An existing pattern gains the bits that `evidence` now has `threshold`
// items for, and its rule says so.
void GainBits(const Evidence& evidence, size_t threshold, Generalization* g) {
  uint8_t added = evidence.Bits(threshold) & static_cast<uint8_t>(~g->stats.access);
  if (added == 0) return;
  g->stats.access |= added;
  g->rule += "; " + BitsName(added) + " added: " + evidence.Others(static_cast<uint8_t>(~added)) +
             " (threshold " + std::to_string(threshold) + ")";
}

// ---- Addresses ------------------------------------------------------------------

// IPv6 loopback only: 127.0.0.0/8 peers generalize like any other IPv4
// subnet (model/address.h parses).
bool IsLoopback6(const Address& a) { return a.family == AF_INET6 && IsLoopback(a); }

// Resolvers widen too: a workload that asked 8 resolvers in one /24 (a
// recursive resolver's upstream authoritative servers) talks to a pool.
bool Widens(Direction d) {
  return d == Direction::kOutbound || d == Direction::kInbound || d == Direction::kDns;
}

const char* ProtocolName(uint8_t protocol) {
  return protocol == 6 ? "tcp" : protocol == 17 ? "udp" : "ip";
}

// "outbound tcp peers on port 5432", "inbound tcp clients of port 443".
std::string PeersPhrase(const NetItem& key) {
  std::string proto = ProtocolName(key.protocol);
  if (key.direction == Direction::kInbound) {
    return "inbound " + proto + " clients of port " + std::to_string(key.port);
  }
  if (key.direction == Direction::kDns) return "DNS resolvers (" + proto + ") on port " + std::to_string(key.port);
  return "outbound " + proto + " peers on port " + std::to_string(key.port);
}

// ---- Steps --------------------------------------------------------------------

using FileMap = std::map<std::string, ItemStats>;
using PatternMap = std::map<std::string, Generalization>;

// Moves each of `files` whose access `g` allows into `g` and out of the
// fingerprint's exact files (the pattern covers it now).
void AbsorbFitting(const std::vector<FileMap::iterator>& files, std::string_view key, Generalization* g,
                   Fingerprint* fp, GeneralizeResult* r) {
  for (FileMap::iterator m : files) {
    if (!IsSubset(m->second.access, g->stats.access) || WildcardKeepsOut(key, m->first, m->second.access)) continue;
    Absorb(m->first, m->second, g);
    fp->files.erase(m);
    ++r->absorbed;
  }
}
// The same for narrower patterns a wider one covers.
void AbsorbFitting(const std::vector<PatternMap::iterator>& patterns, std::string_view key, Generalization* g,
                   Fingerprint* fp, GeneralizeResult* r) {
  for (PatternMap::iterator m : patterns) {
    if (!IsSubset(m->second.stats.access, g->stats.access) ||
        WildcardKeepsOut(key, m->first, m->second.stats.access)) {
      continue;
    }
    AbsorbPattern(m->second, g);
    fp->file_patterns.erase(m);
    ++r->absorbed;
  }
}
using NetMap = std::map<NetItem, ItemStats>;

// Step 1: folds exact items that existing patterns cover into them.
void AbsorbMatches(Fingerprint* fp, GeneralizeResult* r) {
  if (!fp->file_patterns.empty()) {
    for (auto it = fp->files.begin(); it != fp->files.end();) {
      const std::string* key = nullptr;
      const Generalization* g = MatchFile(*fp, it->first, &key);
      if (g != nullptr && IsSubset(it->second.access, g->stats.access) &&
          !WildcardKeepsOut(*key, it->first, it->second.access)) {
        Absorb(it->first, it->second, &fp->file_patterns.at(*key));
        it = fp->files.erase(it);
        ++r->absorbed;
      } else {
        ++it;
      }
    }
  }
  if (!fp->net_patterns.empty()) {
    for (auto it = fp->network.begin(); it != fp->network.end();) {
      const NetItem* key = nullptr;
      if (MatchNet(*fp, it->first, &key) != nullptr) {
        Absorb(it->first.address, it->second, &fp->net_patterns.at(*key));
        it = fp->network.erase(it);
        ++r->absorbed;
      } else {
        ++it;
      }
    }
  }
}

bool UnderBudget(const Fingerprint& fp, const GeneralizeOptions& o) {
  return fp.ItemCount() <= o.item_budget;
}

// Step 2 (divisor 1) and 3: "<dir>/*" for directories with at least
// max(2, threshold / divisor) distinct files learned directly under them, or,
// in step 2, open_dir_threshold of them when at least half were seen once.
// An existing "<dir>/*" gains the bits its remaining exact children now have
// enough evidence for, and absorbs the children that fit.
void CollapseDirs(Fingerprint* fp, const GeneralizeOptions& o, size_t divisor,
                  GeneralizeResult* r) {
  std::map<std::string, std::vector<FileMap::iterator>> by_dir;
  for (auto it = fp->files.begin(); it != fp->files.end(); ++it) {
    if (IsProtectedPath(it->first)) continue;
    by_dir[std::string(Parent(it->first))].push_back(it);
  }
  struct Candidate {
    const std::string* dir;
    std::vector<FileMap::iterator>* children;
    std::string rule;
    uint8_t bits;
    size_t fitting;
  };
  std::vector<Candidate> candidates;
  for (auto& [dir, children] : by_dir) {
    if (!MayCollapse(dir, false)) continue;
    size_t base = o.DirThreshold(dir);
    size_t threshold = std::max<size_t>(2, base / divisor);
    Evidence evidence;
    size_t singletons = 0;
    for (FileMap::iterator child : children) {
      evidence.Add(child->second.access);
      singletons += child->second.count <= 1;
    }
    auto existing = fp->file_patterns.find(dir + "/*");
    if (existing != fp->file_patterns.end()) {
      Generalization& g = existing->second;
      GainBits(evidence, threshold, &g);
      AbsorbFitting(children, existing->first, &g, fp, r);
      continue;
    }
    std::string rule = std::to_string(children.size()) + " distinct files under " + dir;
    if (divisor > 1) {
      rule += " (threshold " + std::to_string(threshold) + ", lowered from " +
              std::to_string(base) + ": over the item budget of " + std::to_string(o.item_budget) +
              ")";
    } else if (children.size() < threshold && children.size() >= o.open_dir_threshold &&
               2 * singletons >= children.size()) {
      threshold = o.open_dir_threshold;
      rule += ", " + std::to_string(singletons) + " of them seen once (open set: threshold " +
              std::to_string(threshold) + ")";
    } else {
      rule += " (threshold " + std::to_string(threshold) + ")";
    }
    if (children.size() < threshold) continue;
    uint8_t bits = evidence.Bits(threshold);
    size_t fitting = 0;
    for (FileMap::iterator child : children) fitting += IsSubset(child->second.access, bits);
    if (bits == 0 || fitting < 2) continue;
    candidates.push_back({&dir, &children, rule + BitsNote(evidence, bits), bits, fitting});
  }
  // Under pressure, the directories that save the most go first.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.fitting > b.fitting; });
  for (Candidate& c : candidates) {
    if (divisor > 1 && UnderBudget(*fp, o)) return;
    const std::string key = *c.dir + "/*";
    Generalization& g = fp->file_patterns[key];
    ++r->file_patterns;
    g.rule = std::move(c.rule);
    g.stats.access = c.bits;
    AbsorbFitting(*c.children, key, &g, fp, r);
  }
}

std::string_view AncestorAt(std::string_view path, size_t depth);

// Whether `dir` may hold a family: it may collapse (MayCollapse), or it is a
// temporary directory (families are narrow: a stem and a variable part).
bool MayHoldFamily(std::string_view dir) {
  return MayCollapse(dir, false) || IsTempDir(dir);
}

// Whether a family may stand for the variable part of component `index`
// of `path`: its directory may hold one (MayHoldFamily).
bool MayVary(std::string_view path, size_t index) {
  return MayHoldFamily(AncestorAt(path, index));
}

// How many directories right above the file name of `path` (whose
// components' shapes are `shape_parts`) are numbers (a shape of exactly
// kFamilyNumber) where a family may be: fan-out levels. With `varies`, the
// count stops at a level that varies among a group's members already.
size_t FanOutLevels(std::string_view path, const std::vector<std::string_view>& shape_parts,
                    const std::vector<bool>* varies) {
  const size_t n = shape_parts.size();
  size_t levels = 0;
  while (levels + 1 < n && (varies == nullptr || !(*varies)[n - 2 - levels]) &&
         shape_parts[n - 2 - levels] == kFamilyNumber && MayVary(path, n - 2 - levels)) {
    ++levels;
  }
  return levels;
}

// Step 2, shapes: names that differ only in their variable parts (numbers,
// ids, UUIDs: AppendFamily), at any depth, are one name with a counter or an
// id in it: "<dir>/<#>.png", "/srv/pg/base/<#>/<#>_fsm", "/srv/pg/base/<#>/PG_VERSION".
// Members are grouped by the shape of the whole path; a component whose
// literal is the same in every member stays literal, so only the parts that
// were seen to vary become "<#>". A shape becomes a pattern:
//   - when its file name varies: with family_threshold distinct members
//     ("a1", "a2", "a3" could be a short fixed list; four values of one field
//     are a sequence);
//   - when only directories vary: with 2 members, in 2 sibling directories
//     whose names are ids (a new database's, a release's, a day's directory
//     holds the same names as its siblings);
//   - for a file the workload created whose name has a number in it, with
//     that one member: the workload makes such names (a rotated log's next
//     generation, a WAL segment, a spool file), so the next one is expected.
//     Only the file name varies then, and only for the access it had.
// Access bits need as many members carrying them as the rule needed members.
// Protected paths never take part, and a variable component's directory must
// be one that may collapse (MayCollapse).
void CollapseShapes(Fingerprint* fp, const GeneralizeOptions& o, GeneralizeResult* r) {
  struct Group {
    std::vector<FileMap::iterator> members;
  };
  std::map<std::string, Group> groups;
  std::string key;
  for (auto it = fp->files.begin(); it != fp->files.end(); ++it) {
    if (IsProtectedPath(it->first)) continue;
    key.clear();
    bool any = false;
    size_t end = 0;
    for (std::string_view c : Components(it->first)) {
      std::string_view parent = end == 0 ? std::string_view("/") : std::string_view(it->first).substr(0, end);
      key.push_back('/');
      any |= AppendShape(parent, c, &key);
      end += 1 + c.size();
    }
    if (any) groups[key].members.push_back(it);
  }
  const size_t leaf_threshold = std::max<size_t>(2, o.family_threshold);
  // Decided first, applied after: absorbing erases map nodes other groups hold.
  struct Decision {
    std::string pattern;
    std::string rule;
    uint8_t bits;
    size_t threshold;
    std::vector<FileMap::iterator> members;
    Evidence evidence;
  };
  std::vector<Decision> decisions;
  for (auto& [shape, group] : groups) {
    const std::string_view first = group.members.front()->first;
    const std::vector<std::string_view> literal = Components(first);
    const size_t n = literal.size();
    // Per component: does it vary among the members?
    std::vector<bool> varies(n, false);
    for (FileMap::iterator m : group.members) {
      std::vector<std::string_view> c = Components(m->first);
      for (size_t i = 0; i < n && i < c.size(); ++i) varies[i] = varies[i] || c[i] != literal[i];
    }
    // The refined pattern: shapes where members vary, literals elsewhere.
    std::vector<std::string_view> shape_parts = Components(shape);
    bool leaf_varies = varies[n - 1];
    Evidence evidence;
    for (FileMap::iterator m : group.members) evidence.Add(m->second.access);
    // A numbered family the workload creates, in directories that are
    // numbers themselves (cache/00/0A/<#>, base/16384/<#>): fan-out levels
    // the workload fills in turn, like the files in them, so their sibling
    // directories of that shape hold the family too. Only the numbered
    // directories right above the files, each where a family may be.
    const size_t fan_out = leaf_varies && (evidence.Bits(leaf_threshold) & kAccessCreate) != 0
                               ? FanOutLevels(first, shape_parts, &varies)
                               : 0;
    for (size_t k = 0; k < fan_out; ++k) varies[n - 2 - k] = true;
    bool dir_varies = false;
    bool allowed = true;
    std::string pattern;
    for (size_t i = 0; i < n; ++i) {
      pattern.push_back('/');
      if (varies[i]) {
        pattern.append(shape_parts[i]);
        if (i + 1 < n) dir_varies = true;
        allowed = allowed && MayVary(first, i);
      } else {
        pattern.append(literal[i]);
      }
    }
    auto existing = fp->file_patterns.find(pattern);
    if (existing != fp->file_patterns.end() && (leaf_varies || dir_varies)) {
      decisions.push_back({pattern, "", 0, leaf_varies ? leaf_threshold : 2, group.members, evidence});
      continue;
    }
    if (allowed && (leaf_varies || dir_varies)) {
      const size_t threshold = leaf_varies ? leaf_threshold : 2;
      uint8_t bits = evidence.Bits(threshold);
      size_t fitting = 0;
      for (FileMap::iterator m : group.members) fitting += IsSubset(m->second.access, bits);
      if (group.members.size() < threshold || bits == 0 || fitting < threshold) goto generations;
      std::string rule = std::to_string(group.members.size()) + " names of the form " +
                         std::string(Basename(pattern)) + " under " + std::string(Parent(pattern));
      rule += leaf_varies ? " (numbered family, threshold " + std::to_string(threshold) + ")"
                          : " (sibling directories named by ids hold the same names, threshold 2)";
      if (fan_out > 0) {
        rule += "; created in numbered directories, so their numbered siblings hold it too (fan-out levels: " +
                std::to_string(fan_out) + ")";
      }
      decisions.push_back({pattern, rule + BitsNote(evidence, bits), bits, threshold, group.members, evidence});
      continue;
    }
  generations:
    // Too few members for the rules above: a created file with a number (or,
    // in a temporary directory, a random part) in its name is one generation
    // of a family.
    for (FileMap::iterator m : group.members) {
      if ((m->second.access & kAccessCreate) == 0) continue;
      std::string_view path = m->first;
      size_t slash = path.rfind('/');
      std::string leaf;
      if (!AppendShape(Parent(path), path.substr(slash + 1), &leaf) || !MayHoldFamily(Parent(path))) {
        continue;
      }
      // Numbered directories right above it are fan-out levels (above).
      const std::vector<std::string_view> c = Components(path);
      const size_t fan_out = FanOutLevels(path, shape_parts, nullptr);
      std::string family;
      for (size_t i = 0; i + 1 < c.size(); ++i) {
        family.push_back('/');
        family.append(i + 1 + fan_out >= c.size() ? kFamilyNumber : c[i]);
      }
      family.push_back('/');
      family.append(leaf);
      Evidence one;
      one.Add(m->second.access);
      std::string rule = "the workload created " + std::string(Basename(path)) + ": names of the form " +
                         std::string(Basename(family)) + " under " + std::string(Parent(path)) +
                         " are its generations (created numbered name, threshold 1)";
      if (fan_out > 0) {
        rule += "; in numbered directories, so their numbered siblings hold them too (fan-out levels: " +
                std::to_string(fan_out) + ")";
      }
      decisions.push_back({family, rule, m->second.access, 1, {m}, one});
    }
  }
  for (Decision& d : decisions) {
    auto [it, inserted] = fp->file_patterns.try_emplace(d.pattern);
    Generalization& g = it->second;
    if (inserted) {
      ++r->file_patterns;
      g.rule = std::move(d.rule);
      g.stats.access = d.bits;
    } else {
      GainBits(d.evidence, d.threshold, &g);
    }
    AbsorbFitting(d.members, d.pattern, &g, fp, r);
  }
}

// Whether sibling directories directly under `parent` may become one "<name>"
// component: a directory a family may vary in (MayHoldFamily), outside /usr,
// the library roots and the kernel's trees (code and packages stay item by
// item: a new package's files are news).
bool MayHoldSiblings(std::string_view parent) {
  for (std::string_view root : {"/usr", "/proc", "/sys", "/dev"}) {
    if (IsAtOrUnder(parent, root)) return false;
  }
  for (std::string_view lib : kLibRoots) {
    if (IsAtOrUnder(parent, lib)) return false;
  }
  return MayHoldFamily(parent);
}

// Step 2b, sibling directories of any names: when family_threshold or more
// directories directly under one parent (users' mailboxes, sites, tenants,
// queues) each hold the same path below them, exact or already a shape
// ("<dir>/alice/tmp/<#>.P<#>.vm", "<dir>/bob/tmp/<#>.P<#>.vm", ...), the
// directory becomes "<name>": "<dir>/<name>/tmp/<#>.P<#>.vm", for the access
// family_threshold of them had. A new sibling's same-shaped file is then known;
// a file of another shape there, or the same name elsewhere, is not. Protected
// paths never take part, nor one-level or recursive wildcards.
void CollapseSiblings(Fingerprint* fp, const GeneralizeOptions& o, GeneralizeResult* r) {
  struct Group {
    std::set<std::string, std::less<>> names;  // the distinct sibling directories
    std::vector<std::string> files, patterns;
  };
  std::map<std::string, Group> groups;
  std::string key;
  const auto consider = [&](const std::string& path, bool pattern) {
    if (IsProtectedPath(path) || path.find(kAnyName) != std::string::npos) return;
    if (pattern && (path.ends_with("/*") || path.ends_with("/**"))) return;
    const std::vector<std::string_view> c = Components(path);
    for (size_t i = 1; i + 1 < c.size(); ++i) {
      if (c[i].find('<') != std::string_view::npos || !MayHoldSiblings(AncestorAt(path, i))) continue;
      key.clear();
      for (size_t j = 0; j < c.size(); ++j) {
        key.push_back('/');
        key.append(j == i ? kAnyName : c[j]);
      }
      Group& g = groups[key];
      g.names.emplace(c[i]);
      (pattern ? g.patterns : g.files).push_back(path);
    }
  };
  for (const auto& [path, stats] : fp->files) consider(path, false);
  for (const auto& [path, g] : fp->file_patterns) consider(path, true);
  for (auto& [pattern, group] : groups) {
    if (group.names.size() < o.family_threshold) continue;
    Evidence evidence;
    for (const std::string& f : group.files) {
      if (auto it = fp->files.find(f); it != fp->files.end()) evidence.Add(it->second.access);
    }
    for (const std::string& p : group.patterns) {
      if (auto it = fp->file_patterns.find(p); it != fp->file_patterns.end()) evidence.Add(it->second.stats.access);
    }
    const uint8_t bits = evidence.Bits(o.family_threshold);
    if (bits == 0) continue;
    auto [it, inserted] = fp->file_patterns.try_emplace(pattern);
    Generalization& g = it->second;
    if (inserted) {
      ++r->file_patterns;
      const size_t at = pattern.find(kAnyName);
      g.rule = std::to_string(group.names.size()) + " sibling directories under " + pattern.substr(0, at - 1) +
               " hold the same " + pattern.substr(at + kAnyName.size() + 1) +
               " (sibling directories of any name, threshold " + std::to_string(o.family_threshold) + ")" +
               BitsNote(evidence, bits);
      g.stats.access = bits;
    } else {
      GainBits(evidence, o.family_threshold, &g);
    }
    // By name: a path is in a group per directory level, and an earlier
    // group may have absorbed it (the pattern itself is in none: consider()
    // skips "<name>" keys).
    std::vector<FileMap::iterator> files;
    for (const std::string& f : group.files) {
      if (auto m = fp->files.find(f); m != fp->files.end()) files.push_back(m);
    }
    std::vector<PatternMap::iterator> patterns;
    for (const std::string& p : group.patterns) {
      if (auto m = fp->file_patterns.find(p); m != fp->file_patterns.end()) patterns.push_back(m);
    }
    AbsorbFitting(files, pattern, &g, fp, r);
    AbsorbFitting(patterns, pattern, &g, fp, r);
  }
}

// The ancestor of `path` with `depth` components ("/a/b/c/f", 2 -> "/a/b").
std::string_view AncestorAt(std::string_view path, size_t depth) {
  size_t pos = 0;
  for (size_t d = 0; d < depth; ++d) {
    pos = path.find('/', pos + 1);
    if (pos == std::string_view::npos) return {};
  }
  return path.substr(0, pos);
}

// The directory a file pattern stands for ("/a/b/*" and "/a/b/**" -> "/a/b").
std::string_view PatternDir(std::string_view pattern) {
  if (pattern.ends_with("/**")) return pattern.substr(0, pattern.size() - 3);
  if (pattern.ends_with("/*")) return pattern.substr(0, pattern.size() - 2);
  return Parent(pattern);
}

// Step 4: "<dir>/**", deepest directories first, larger subtrees first,
// until under budget. Subtrees at one depth are disjoint, so one count per
// depth suffices.
void CollapseSubtrees(Fingerprint* fp, const GeneralizeOptions& o, GeneralizeResult* r) {
  size_t max_depth = 0;
  for (const auto& [path, stats] : fp->files) max_depth = std::max(max_depth, Depth(Parent(path)));
  for (const auto& [key, g] : fp->file_patterns) {
    max_depth = std::max(max_depth, Depth(PatternDir(key)));
  }
  for (size_t depth = max_depth; depth >= 2 && !UnderBudget(*fp, o); --depth) {
    struct Group {
      std::vector<FileMap::iterator> files;
      std::vector<PatternMap::iterator> patterns;
      size_t size() const { return files.size() + patterns.size(); }
    };
    std::map<std::string, Group> groups;
    for (auto it = fp->files.begin(); it != fp->files.end(); ++it) {
      if (IsProtectedPath(it->first)) continue;
      std::string_view anc = AncestorAt(it->first, depth);
      if (!anc.empty() && anc.size() < it->first.size())
        groups[std::string(anc)].files.push_back(it);
    }
    for (auto it = fp->file_patterns.begin(); it != fp->file_patterns.end(); ++it) {
      std::string_view dir = PatternDir(it->first);
      if (Depth(dir) < depth) continue;
      std::string anc(Depth(dir) == depth ? dir : AncestorAt(dir, depth));
      if (it->first == anc + "/**") continue;  // already the pattern this would make
      if (IsShapeKey(anc)) continue;  // a shape, not a directory
      groups[anc].patterns.push_back(it);
    }
    struct Candidate {
      const std::string* dir;
      Group* group;
      uint8_t bits;
      size_t fitting;
      Evidence evidence;
    };
    std::vector<Candidate> candidates;
    for (auto& [dir, group] : groups) {
      if (group.size() < 2 || !MayCollapse(dir, true)) continue;
      Evidence evidence;
      for (auto it : group.files) evidence.Add(it->second.access);
      for (auto it : group.patterns) evidence.Add(it->second.stats.access);
      uint8_t bits = evidence.Bits(2);
      size_t fitting = 0;
      for (auto it : group.files) fitting += IsSubset(it->second.access, bits);
      for (auto it : group.patterns) fitting += IsSubset(it->second.stats.access, bits);
      if (bits != 0 && fitting >= 2) candidates.push_back({&dir, &group, bits, fitting, evidence});
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.fitting > b.fitting; });
    for (const Candidate& c : candidates) {
      if (UnderBudget(*fp, o)) return;
      auto [pattern, inserted] = fp->file_patterns.try_emplace(*c.dir + "/**");
      Generalization& g = pattern->second;
      if (inserted) {
        ++r->file_patterns;
        g.rule = std::to_string(c.fitting) + " items in the subtree " + *c.dir +
                 " (over the item budget of " + std::to_string(o.item_budget) + ")" +
                 BitsNote(c.evidence, c.bits);
        g.stats.access = c.bits;
      }
      AbsorbFitting(c.group->patterns, pattern->first, &g, fp, r);
      AbsorbFitting(c.group->files, pattern->first, &g, fp, r);
    }
  }
}

// Step 2, served trees: "<dir>/**" for a tree the workload reads many
// distinct names from, across more than one directory: a site's document
// root, an application's code or assets. What is served changes with every
// request mix, so the names read there are not news; the access is: the
// pattern carries read, and write or create only with as many distinct files
// written or created under it. Deepest trees first, so a tree is as narrow as
// the evidence allows; its patterns and fitting files fold into it. Never a
// protected tree, a fixed system directory or anything above one
// (MayCollapse recursive), nor under a library root: libraries, binaries,
// /etc and secrets stay item by item.
void CollapseServedTrees(Fingerprint* fp, const GeneralizeOptions& o, GeneralizeResult* r) {
  if (o.tree_threshold == 0) return;
  size_t max_depth = 0;
  for (const auto& [path, stats] : fp->files) max_depth = std::max(max_depth, Depth(Parent(path)));
  for (const auto& [key, g] : fp->file_patterns) max_depth = std::max(max_depth, Depth(PatternDir(key)));
  for (size_t depth = max_depth; depth >= 2; --depth) {
    struct Group {
      std::vector<FileMap::iterator> files;
      std::vector<PatternMap::iterator> patterns;
      std::set<std::string_view> dirs;  // directories holding what was read
      std::set<std::string_view> created_dirs;  // directories it created names in
      size_t read = 0;                  // distinct names read
      Evidence evidence;                // weighted by the names each entry stands for
    };
    std::map<std::string, Group> groups;
    for (auto it = fp->files.begin(); it != fp->files.end(); ++it) {
      if (IsProtectedPath(it->first)) continue;
      std::string_view anc = AncestorAt(it->first, depth);
      if (anc.empty() || anc.size() >= it->first.size()) continue;
      Group& g = groups[std::string(anc)];
      g.files.push_back(it);
      g.evidence.Add(it->second.access);
      if (it->second.access & kAccessRead) {
        ++g.read;
        g.dirs.insert(Parent(it->first));
      }
      if (it->second.access & kAccessCreate) g.created_dirs.insert(Parent(it->first));
    }
    for (auto it = fp->file_patterns.begin(); it != fp->file_patterns.end(); ++it) {
      std::string_view dir = PatternDir(it->first);
      if (Depth(dir) < depth) continue;
      // A tree already made stands on its own: its names are no evidence
      // that the directory above it is served too.
      if (it->first.ends_with("/**")) continue;
      std::string anc(Depth(dir) == depth ? dir : AncestorAt(dir, depth));
      Group& g = groups[anc];
      g.patterns.push_back(it);
      size_t names = std::max<uint32_t>(1, it->second.covered);
      for (size_t k = 0; k < names; ++k) g.evidence.Add(it->second.stats.access);
      if (it->second.stats.access & kAccessRead) {
        g.read += names;
        g.dirs.insert(dir);
      }
      if (it->second.stats.access & kAccessCreate) g.created_dirs.insert(dir);
    }
    for (auto& [dir, group] : groups) {
      if (IsShapeKey(dir)) continue;  // a shape, not a directory
      if (group.read < o.tree_threshold || group.dirs.size() < 2 || !MayCollapse(dir, true)) continue;
      const std::string_view tree = dir;  // (clang 14 cannot capture a structured binding)
      if (std::any_of(std::begin(kLibRoots), std::end(kLibRoots),
                      [tree](std::string_view lib) { return IsAtOrUnder(tree, lib); })) {
        continue;  // libraries stay item by item
      }
      if (fp->file_patterns.count(dir + "/**")) continue;
      uint8_t bits = kAccessRead | group.evidence.Bits(o.tree_threshold);
      // An owned tree: the workload writes throughout it and created names in
      // several of its directories (a database's, a cache's or a spool's
      // data): creating more there is what it does. One lock file created
      // in one directory is not enough.
      const size_t created = group.evidence.count[2];
      const bool owned = (bits & kAccessWrite) != 0 && created >= o.family_threshold &&
                         group.created_dirs.size() >= 2;
      if (owned) bits |= kAccessCreate;
      Generalization& g = fp->file_patterns[dir + "/**"];
      ++r->file_patterns;
      g.rule = std::to_string(group.read) + " distinct names read under " + dir + " in " +
               std::to_string(group.dirs.size()) + " directories (served tree, threshold " +
               std::to_string(o.tree_threshold) + ")" + BitsNote(group.evidence, bits);
      if (owned) {
        g.rule += "; create too: " + std::to_string(created) + " names created in " +
                  std::to_string(group.created_dirs.size()) + " of its directories (owned tree, threshold " +
                  std::to_string(o.family_threshold) + " names in 2 directories)";
      }
      g.stats.access = bits;
      AbsorbFitting(group.patterns, dir + "/**", &g, fp, r);
      AbsorbFitting(group.files, dir + "/**", &g, fp, r);
      // A tree made earlier inside this one (depths are walked deepest
      // first) with no access this one lacks is part of it: this tree
      // matches all it matched. Kept, the narrower one would take away what
      // the wider one's evidence allows throughout (an owned tree's create
      // in its database directories).
      const std::string self = dir + "/**";
      for (auto it = fp->file_patterns.begin(); it != fp->file_patterns.end();) {
        if (it->first != self && it->first.ends_with("/**") && IsStrictlyUnder(PatternDir(it->first), dir) &&
            IsSubset(it->second.stats.access, bits)) {
          AbsorbPattern(it->second, &g);
          it = fp->file_patterns.erase(it);
          ++r->absorbed;
        } else {
          ++it;
        }
      }
    }
  }
}

// Steps 2, 3 and 5: peers of one direction, protocol and port whose addresses
// fall in one /len4 (IPv4) or /len6 (IPv6) widen to it when at least
// `threshold` addresses and narrower ranges are there. `why`: appended to the
// rule ("" for the ordinary step).
void WidenNets(Fingerprint* fp, const GeneralizeOptions& o, int len4, int len6, size_t threshold,
               const std::string& why, GeneralizeResult* r) {
  struct Group {
    std::vector<NetMap::iterator> items;
    std::vector<std::map<NetItem, Generalization>::iterator> patterns;
    size_t size() const { return items.size() + patterns.size(); }
  };
  std::map<NetItem, Group> groups;
  auto key_for = [&](const NetItem& item, const Address& a) {
    NetItem key = item;
    key.address = CidrString(a, a.family == AF_INET ? len4 : len6);
    return key;
  };
  for (auto it = fp->network.begin(); it != fp->network.end(); ++it) {
    Address a;
    if (!Widens(it->first.direction) || !ParseAddress(it->first.address, &a) || IsUnspecified(a) ||
        IsLoopback6(a)) {
      continue;
    }
    groups[key_for(it->first, a)].items.push_back(it);
  }
  for (auto it = fp->net_patterns.begin(); it != fp->net_patterns.end(); ++it) {
    Address a;
    int len = 0;
    if (!ParseCidr(it->first.address, &a, &len)) continue;
    if (len <= (a.family == AF_INET ? len4 : len6)) continue;  // as wide already
    groups[key_for(it->first, a)].patterns.push_back(it);
  }
  for (auto& [key, group] : groups) {
    if (group.size() < threshold) continue;
    if (!why.empty() && UnderBudget(*fp, o)) return;
    auto [pattern, inserted] = fp->net_patterns.try_emplace(key);
    Generalization& g = pattern->second;
    if (inserted) {
      ++r->net_patterns;
      g.rule = std::to_string(group.items.size()) + " distinct " + PeersPhrase(key);
      if (!group.patterns.empty()) {
        g.rule += " and " + std::to_string(group.patterns.size()) + " narrower ranges";
      }
      g.rule += " in " + key.address + " (threshold " + std::to_string(threshold) + why + ")";
    }
    for (auto it : group.patterns) {
      AddExample(&g, it->first.address);
      MergeStats(it->second.stats, &g.stats);
      g.covered += it->second.covered;
      fp->net_patterns.erase(it);
      ++r->absorbed;
    }
    for (NetMap::iterator it : group.items) {
      Absorb(it->first.address, it->second, &g);
      fp->network.erase(it);
      ++r->absorbed;
    }
  }
}

size_t MaxThreshold(const GeneralizeOptions& o) {
  size_t t = std::max(o.dir_threshold, o.cidr_threshold);
  for (const auto& [prefix, value] : o.dir_threshold_by_prefix) t = std::max(t, value);
  return t;
}

}  // namespace

size_t GeneralizeOptions::DirThreshold(std::string_view dir) const {
  size_t best_len = 0;
  size_t threshold = dir_threshold;
  for (const auto& [prefix, value] : dir_threshold_by_prefix) {
    if (IsAtOrUnder(dir, prefix) && prefix.size() >= best_len) {
      best_len = prefix.size();
      threshold = value;
    }
  }
  return threshold;
}

bool IsProtectedPath(std::string_view path) { return InProtectedTree(path) || HasSecretName(path); }

bool MayCollapse(std::string_view dir, bool recursive) {
  if (Depth(dir) < 2 || IsProtectedPath(dir) || IsFixedDir(dir)) return false;
  if (!recursive) return true;
  for (std::string_view t : kProtectedTrees) {
    if (IsStrictlyUnder(t, dir)) return false;
  }
  for (std::string_view f : kFixedDirs) {
    if (IsStrictlyUnder(f, dir)) return false;
  }
  for (std::string_view lib : kLibRoots) {
    if (IsStrictlyUnder(lib, dir)) return false;
  }
  return true;
}

namespace {
constexpr std::string_view kExecutableSuffixes[] = {
    ".sh", ".bash", ".zsh", ".py", ".pl", ".pm", ".rb", ".php", ".phtml", ".php3", ".php4",
    ".php5", ".php7", ".phar", ".jsp", ".jspx", ".asp", ".aspx", ".ashx", ".cgi", ".lua", ".so"};
}  // namespace

bool IsExecutableFileName(std::string_view path) {
  const std::string_view base = Basename(path);
  for (std::string_view suffix : kExecutableSuffixes) {
    if (base.size() > suffix.size() && base.ends_with(suffix)) return true;
  }
  return base.find(".so.") != std::string_view::npos;
}

bool IsSharedObjectName(std::string_view path) {
  // From the end (asked of every read): a version's digits and dots, then ".so" after a name.
  size_t end = path.size();
  while (end > 0 && (IsDigitChar(path[end - 1]) || path[end - 1] == '.')) --end;
  if (end < 4 || path.substr(end - 3, 3) != ".so" || path[end - 4] == '/') return false;
  return end == path.size() || path[end] == '.';
}

bool WildcardKeepsOut(std::string_view pattern, std::string_view path, uint8_t access) {
  return pattern.ends_with('*') && (access & (kAccessWrite | kAccessCreate)) != 0 && IsExecutableFileName(path);
}

GeneralizeResult Generalize(Fingerprint* fp, const GeneralizeOptions& o) {
  GeneralizeResult r;
  AbsorbMatches(fp, &r);
  CollapseDirs(fp, o, 1, &r);
  CollapseShapes(fp, o, &r);
  CollapseSiblings(fp, o, &r);
  CollapseServedTrees(fp, o, &r);
  WidenNets(fp, o, 24, 64, o.cidr_threshold, "", &r);
  if (UnderBudget(*fp, o)) return r;

  r.pressure = true;
  const std::string over = ": over the item budget of " + std::to_string(o.item_budget);
  size_t max_threshold = MaxThreshold(o);
  for (size_t divisor = 2;; divisor *= 2) {
    CollapseDirs(fp, o, divisor, &r);
    if (UnderBudget(*fp, o)) return r;
    size_t cidr = std::max<size_t>(2, o.cidr_threshold / divisor);
    WidenNets(fp, o, 24, 64, cidr, ", lowered from " + std::to_string(o.cidr_threshold) + over, &r);
    if (UnderBudget(*fp, o)) return r;
    if (max_threshold / divisor <= 2) break;
  }
  CollapseSubtrees(fp, o, &r);
  if (UnderBudget(*fp, o)) return r;
  WidenNets(fp, o, 16, 48, 2, ", widened beyond /24" + over, &r);
  r.over_budget = !UnderBudget(*fp, o);
  return r;
}

namespace {

using PatternEntry = std::pair<const std::string, Generalization>;


// Whether component `c` under `parent` may have a variable part at all: the
// cheap test before AppendShape (which needs a digit, a placeholder or a
// temporary directory).
bool MayHaveShape(std::string_view parent, std::string_view c) {
  if (IsTempDir(parent)) return true;
  for (char ch : c) {
    if (IsDigitChar(ch) || ch == '<') return true;
  }
  return false;
}

// Whether some pattern of fp starts with `dir_slash` (ending in '/'). With
// `tree`: "<dir>/**" there, if MatchFile takes it. "<dir>/*" and "<dir>/**"
// sort first under "<dir>/" (a name starting with a byte below '*' hides
// them: a miss errs towards a finding, never towards silence).
bool BeneathIn(const Fingerprint& fp, const std::string& dir_slash, const PatternEntry** tree) {
  auto it = fp.file_patterns.lower_bound(dir_slash);
  const bool more = it != fp.file_patterns.end() && it->first.starts_with(dir_slash);
  if (more && tree != nullptr) {
    const size_t n = dir_slash.size();
    if (it->first.size() == n + 1 && it->first[n] == '*') ++it;
    if (it != fp.file_patterns.end() && it->first.size() == n + 2 && it->first.compare(n, 2, "**") == 0 &&
        it->first.starts_with(dir_slash)) {
      *tree = &*it;
    }
  }
  return more;
}

// The shape pattern (CollapseShapes) covering a path: component by component,
// the literal and then the shape (AppendShape) of each, descending only while
// some pattern starts with the prefix built so far, so a fingerprint without
// patterns under a directory costs one lookup there. The most literal match
// wins. On the way it notes the deepest "<ancestor>/**" of the literal path.
class ShapeMatcher {
 public:
  // `index`, when not null, answers the pattern lookups instead of
  // fp.file_patterns (FilePatternIndex: the same answers, hashed).
  // `key` is scratch memory for the keys tried (its contents are replaced).
  ShapeMatcher(const Fingerprint& fp, std::string_view path, const FilePatternIndex* index,
               std::string* key)
      : fp_(fp), index_(index), path_(path), key_(*key) {
    key_.clear();
  }
  const PatternEntry* Match() {
    if (path_.size() > 1) Descend(1, false);
    return found_;
  }
  // The deepest "<ancestor>/**" on the literal path, seen while matching.
  const PatternEntry* deepest_tree() const { return tree_; }

 private:
  // Component starting at `begin` (after a '/'): the literal, then its shape.
  void Descend(size_t begin, bool varied) {
    size_t end = path_.find('/', begin);
    if (end == std::string_view::npos) end = path_.size();
    const std::string_view literal = path_.substr(begin, end - begin);
    const std::string_view parent = begin == 1 ? std::string_view("/") : path_.substr(0, begin - 1);
    const bool last = end == path_.size();
    const size_t mark = key_.size();
    // Scratch: consumed (appended to key_) before the next level reuses it.
    thread_local std::string shape;
    // Options: the literal, its shape, and (a directory) any name
    // (CollapseSiblings' "<name>").
    for (int option = 0; option < 3 && found_ == nullptr; ++option) {
      key_.resize(mark);
      key_.push_back('/');
      if (option == 0) {
        key_.append(literal);
      } else if (option == 1) {
        shape.clear();
        if (!MayHaveShape(parent, literal) || !AppendShape(parent, literal, &shape)) continue;
        key_.append(shape);
      } else {
        if (last) break;
        key_.append(kAnyName);
      }
      const bool v = varied || option >= 1;
      if (last) {
        if (!v) continue;
        found_ = Find();
      } else {
        key_.push_back('/');
        const PatternEntry* tree = nullptr;
        const bool more = Beneath(v ? nullptr : &tree);
        if (tree != nullptr) tree_ = tree;
        key_.pop_back();
        if (more) Descend(end + 1, v);
      }
    }
    if (found_ == nullptr && last && IsTempDir(parent)) MatchTemplate(literal, mark);
    key_.resize(mark);
  }

  // A unique name a program made in a temporary directory from a template,
  // matched against the families learned there: the random part of
  // mkstemp's "ccXXXXXX.s" or python's "tmpXXXXXXXX" sometimes comes out as
  // letters of one case that AppendShape (and model/normalize.h) cannot tell
  // from a word ("ccIUJXQA.s"). Where the baseline holds the family
  // "<dir>/cc<#>.s", a name that is the family's literal prefix (at least
  // one character), a run of 6 or more letters, digits or '_' (the random
  // part), and the family's literal rest is a member. Tried only when
  // nothing else matched; a written executable or script stays a finding
  // whatever matches it (model/scorer.h).
  void MatchTemplate(std::string_view name, size_t mark) {
    auto random_char = [](char ch) { return IsDigitChar(ch) || IsLetterChar(ch) || ch == '_'; };
    const size_t last_begin = std::min(name.size(), kMaxTemplatePrefix);
    size_t end = 0;  // where the run of random characters starting at `begin` ends
    for (size_t begin = 1; begin <= last_begin && found_ == nullptr; ++begin) {
      if (begin >= end) {
        end = begin;
        while (end < name.size() && random_char(name[end])) ++end;
      }
      if (end - begin < kMinTemplateRun) continue;
      key_.resize(mark);
      key_.push_back('/');
      key_.append(name.substr(0, begin));
      key_.append(kFamilyNumber);
      key_.append(name.substr(end));
      found_ = Find();
    }
  }
  static constexpr size_t kMinTemplateRun = 6;      // mkstemp's XXXXXX
  static constexpr size_t kMaxTemplatePrefix = 16;  // "sh-thd.", "magick-", "sess_", "cc"

  // The pattern whose key is key_, or nullptr.
  const PatternEntry* Find() const {
    if (index_ != nullptr) return index_->Find(key_);
    auto it = fp_.file_patterns.find(key_);
    return it == fp_.file_patterns.end() ? nullptr : &*it;
  }

  // Whether some pattern starts with key_ (which ends in '/'). With `tree`
  // (on the literal path), a recursive pattern "<key_>**" covering what is
  // below goes there.
  bool Beneath(const PatternEntry** tree) const {
    if (index_ != nullptr) {
      const PatternEntry* t = nullptr;
      const bool more = index_->Beneath(key_, &t);
      if (tree != nullptr) *tree = t;
      return more;
    }
    return BeneathIn(fp_, key_, tree);
  }

  const Fingerprint& fp_;
  const FilePatternIndex* index_;
  std::string_view path_;
  std::string& key_;
  const PatternEntry* found_ = nullptr;
  const PatternEntry* tree_ = nullptr;
};

// MatchFile's walk, with or without an index.
const PatternEntry* FindFilePattern(const Fingerprint& fp, std::string_view path,
                                    const FilePatternIndex* index) {
  // Scratch keys, kept per thread so a match allocates nothing once warm.
  thread_local std::string key;
  thread_local std::string walk;
  // The parent's one-level pattern is the usual match, and the most specific.
  size_t last_slash = path.rfind('/');
  key.assign(path.substr(0, last_slash + 1));
  key += '*';
  if (index != nullptr) {
    if (const PatternEntry* e = index->Find(key)) return e;
  } else if (auto it = fp.file_patterns.find(key); it != fp.file_patterns.end()) {
    return &*it;
  }
  // Else a shape: a numbered family in the parent ("<dir>/<#>.png"), or one
  // with variable directories ("<dir>/<#>/PG_VERSION"); else the deepest
  // recursive pattern of an ancestor, found on the same walk down the
  // ancestors while patterns exist beneath them.
  ShapeMatcher matcher(fp, path, index, &walk);
  const PatternEntry* found = matcher.Match();
  return found != nullptr ? found : matcher.deepest_tree();
}

}  // namespace

FilePatternIndex::FilePatternIndex(const Fingerprint& fp) : fp_(&fp) {
  files_.reserve(fp.files.size());
  for (const auto& [path, stats] : fp.files) files_.emplace(path, &stats);
  patterns_.reserve(fp.file_patterns.size());
  for (const Entry& e : fp.file_patterns) {
    patterns_.emplace(e.first, &e);
    // Every prefix of the key that ends in '/' (but the root's): the
    // directories MatchFile descends through towards this pattern.
    for (size_t slash = e.first.find('/', 1); slash != std::string::npos;
         slash = e.first.find('/', slash + 1)) {
      const std::string_view dir(e.first.data(), slash + 1);
      if (dirs_.contains(dir)) continue;
      const PatternEntry* tree = nullptr;
      BeneathIn(fp, std::string(dir), &tree);
      dirs_.emplace(dir, tree);
    }
  }
}

const FilePatternIndex::Entry* FilePatternIndex::Find(std::string_view key) const {
  auto it = patterns_.find(key);
  return it == patterns_.end() ? nullptr : it->second;
}

bool FilePatternIndex::Beneath(std::string_view dir_slash, const Entry** tree) const {
  auto it = dirs_.find(dir_slash);
  *tree = it == dirs_.end() ? nullptr : it->second;
  return it != dirs_.end();
}

const Generalization* MatchFile(const Fingerprint& fp, std::string_view path,
                                const std::string** pattern) {
  if (fp.file_patterns.empty() || path.size() < 2 || path[0] != '/') return nullptr;
  const PatternEntry* found = FindFilePattern(fp, path, nullptr);
  if (found == nullptr || IsProtectedPath(path)) return nullptr;
  if (pattern != nullptr) *pattern = &found->first;
  return &found->second;
}

const Generalization* MatchFile(const FilePatternIndex& index, std::string_view path,
                                const std::string** pattern) {
  if (index.empty() || path.size() < 2 || path[0] != '/') return nullptr;
  const PatternEntry* found = nullptr;
  if (const PatternEntry* const* known = index.Remembered(path)) {
    found = *known;
  } else {
    found = FindFilePattern(index.fingerprint(), path, &index);
    if (found != nullptr && IsProtectedPath(path)) found = nullptr;
    index.Remember(path, found);
  }
  if (found == nullptr) return nullptr;
  if (pattern != nullptr) *pattern = &found->first;
  return &found->second;
}

const Generalization* MatchNet(const Fingerprint& fp, const NetItem& item,
                               const NetItem** pattern) {
  if (fp.net_patterns.empty() || !Widens(item.direction)) return nullptr;
  Address a;
  if (!ParseAddress(item.address, &a) || IsUnspecified(a) || IsLoopback6(a)) return nullptr;
  NetItem key = item;
  for (int len : a.family == AF_INET ? std::array<int, 2>{24, 16} : std::array<int, 2>{64, 48}) {
    key.address = CidrString(a, len);
    auto it = fp.net_patterns.find(key);
    if (it != fp.net_patterns.end()) {
      if (pattern != nullptr) *pattern = &it->first;
      return &it->second;
    }
  }
  return nullptr;
}

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool InKnownSubnet(const Fingerprint& fp, std::string_view address) {
  Address a;
  if (!ParseAddress(address, &a)) return false;
  if (a.family == AF_INET) {
    // Canonical dotted quads share a /24 exactly when they share "a.b.c.".
    std::string_view prefix = address.substr(0, address.rfind('.') + 1);
    for (const auto& [item, stats] : fp.network) {
      if (item.address.starts_with(prefix) && item.address.find(':') == std::string::npos) {
        return true;
      }
    }
  } else {
    for (const auto& [item, stats] : fp.network) {
      Address b;
      if (item.address.find(':') != std::string::npos && ParseAddress(item.address, &b) &&
          Contains(b, 64, a)) {
        return true;
      }
    }
  }
  for (const auto& [item, g] : fp.net_patterns) {
    Address net;
    int len = 0;
    if (ParseCidr(item.address, &net, &len) && Contains(net, len, a)) return true;
  }
  return false;
}

}  // namespace dw::model
