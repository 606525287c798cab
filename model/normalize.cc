// model/normalize.cc: path normalisation: container roots, then per component
// the fixed-parent rules, then token classes scanned left to right.
//
// This runs once per open event, so it avoids allocation beyond the result,
// skips the token scan for components that cannot hold a class (no digit and
// no temporary-name prefix), which is most of them, and looks for container
// roots only when a component is named "merged" or "rootfs".
#include "model/normalize.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace dw::model {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlpha(char c) { return IsLower(c) || IsUpper(c); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}
bool IsSelf(std::string_view s) { return s == "self"; }
bool IsThreadSelf(std::string_view s) { return s == "thread-self"; }

// ---- 1. Container roots ------------------------------------------------------

// The container path inside `path` when it lies under a container root: the
// offset of its leading '/', or path.size() for the root itself; npos if none.
size_t ContainerPathStart(std::string_view path) {
  // <any>/overlay2/<id>/merged[/...] and <any>/overlay/<id>/merged[/...].
  for (size_t m = path.find("/merged"); m != std::string_view::npos;
       m = path.find("/merged", m + 1)) {
    size_t after = m + 7;
    if (m == 0 || (after != path.size() && path[after] != '/')) continue;
    size_t id_slash = path.rfind('/', m - 1);
    if (id_slash == std::string_view::npos || id_slash == 0 || id_slash + 1 == m) continue;
    size_t parent_slash = path.rfind('/', id_slash - 1);
    std::string_view parent = path.substr(parent_slash + 1, id_slash - parent_slash - 1);
    if (parent == "overlay2" || parent == "overlay") return after;
  }
  // <any>/io.containerd.runtime.v2.task/<ns>/<id>/rootfs[/...].
  constexpr std::string_view kTask = "/io.containerd.runtime.v2.task/";
  for (size_t t = path.find(kTask); t != std::string_view::npos; t = path.find(kTask, t + 1)) {
    size_t ns = t + kTask.size();
    size_t ns_end = path.find('/', ns);
    if (ns_end == std::string_view::npos || ns_end == ns) continue;
    size_t id_end = path.find('/', ns_end + 1);
    if (id_end == std::string_view::npos || id_end == ns_end + 1) continue;
    size_t root_end = path.find('/', id_end + 1);
    if (root_end == std::string_view::npos) root_end = path.size();
    if (path.substr(id_end + 1, root_end - id_end - 1) == "rootfs") return root_end;
  }
  return std::string_view::npos;
}

// ---- 2. Fixed-parent rules ---------------------------------------------------

struct ParentRule {
  std::string_view parent;  // normalised path before the component
  bool (*matches)(std::string_view component);
  std::string_view replacement;  // may span components
};

constexpr ParentRule kParentRules[] = {
    {"/proc", IsDigits, "<pid>"},
    {"/proc", IsSelf, "<pid>"},
    // /proc/thread-self is /proc/self/task/<tid>: one item for both spellings.
    {"/proc", IsThreadSelf, "<pid>/task/<tid>"},
    {"/proc/<pid>/task", IsDigits, "<tid>"},
    {"/proc/<pid>/fd", IsDigits, "<fd>"},
    {"/proc/<pid>/fdinfo", IsDigits, "<fd>"},
    {"/proc/<pid>/task/<tid>/fd", IsDigits, "<fd>"},
    {"/proc/<pid>/task/<tid>/fdinfo", IsDigits, "<fd>"},
    {"/dev/fd", IsDigits, "<fd>"},
    {"/dev/pts", IsDigits, "<n>"},
};

const ParentRule* FindParentRule(std::string_view parent, std::string_view component) {
  // Every rule's parent is under /proc or /dev: skip the table elsewhere.
  if (parent.size() < 4 || (parent[1] != 'p' && parent[1] != 'd') ||
      (!parent.starts_with("/proc") && !parent.starts_with("/dev"))) {
    return nullptr;
  }
  for (const ParentRule& rule : kParentRules) {
    if (rule.parent == parent && rule.matches(component)) return &rule;
  }
  return nullptr;
}

// ---- 3. Token classes ----------------------------------------------------------

// Length of a uuid at c[i] (36) or 0: 8-4-4-4-12 hex, one separator kind, not
// followed by another alphanumeric.
size_t UuidAt(std::string_view c, size_t i) {
  if (c.size() - i < 36) return 0;
  char sep = c[i + 8];
  if (sep != '-' && sep != '_') return 0;
  for (size_t k = 0; k < 36; ++k) {
    bool dash = k == 8 || k == 13 || k == 18 || k == 23;
    if (dash ? c[i + k] != sep : !IsHexDigit(c[i + k])) return 0;
  }
  if (i + 36 < c.size() && IsAlnum(c[i + 36])) return 0;
  return 36;
}

// Reads exactly `n` digits at c[*i] into *value.
bool Digits(std::string_view c, size_t* i, size_t n, int* value) {
  if (c.size() - *i < n) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char ch = c[*i + k];
    if (!IsDigit(ch)) return false;
    v = v * 10 + (ch - '0');
  }
  *i += n;
  *value = v;
  return true;
}

bool PlausibleDate(int y, int m, int d) {
  return y >= 1970 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

// A time of day after a date at c[i]: [T_-]HH[:_-]MM[:_-]SS or [T_-]HHMMSS,
// then optionally a fraction of a second, '.' and digits (ISO 8601's
// "12:00:00.123"; Go's os.MkdirTemp fills a "..2006_01_02_15_04_05." pattern
// with a random number the same way, which Kubernetes' volume writer uses
// for every ConfigMap, Secret and service-account token a pod mounts).
// Returns its length, 0 if none.
size_t TimeAt(std::string_view c, size_t i) {
  if (i >= c.size() || (c[i] != 'T' && c[i] != '_' && c[i] != '-')) return 0;
  size_t j = i + 1;
  int h, m, s;
  if (!Digits(c, &j, 2, &h) || h > 23) return 0;
  if (j < c.size() && (c[j] == ':' || c[j] == '_' || c[j] == '-')) {
    char sep = c[j++];
    if (!Digits(c, &j, 2, &m) || j >= c.size() || c[j] != sep) return 0;
    ++j;
    if (!Digits(c, &j, 2, &s)) return 0;
  } else if (!Digits(c, &j, 2, &m) || !Digits(c, &j, 2, &s)) {
    return 0;
  }
  if (m > 59 || s > 60) return 0;
  if (j + 1 < c.size() && c[j] == '.' && IsDigit(c[j + 1])) {
    ++j;
    while (j < c.size() && IsDigit(c[j])) ++j;
  }
  return j - i;
}

// Length of a timestamp starting at c[i] (the start of a digit run), or 0.
size_t TimestampAt(std::string_view c, size_t i) {
  auto ends_ok = [&c](size_t end) { return end == c.size() || !IsDigit(c[end]); };
  size_t j = i;
  int y, m, d;
  // YYYY-MM-DD, YYYY_MM_DD, YYYY.MM.DD.
  if (Digits(c, &j, 4, &y) && j < c.size() && (c[j] == '-' || c[j] == '_' || c[j] == '.')) {
    char sep = c[j++];
    if (Digits(c, &j, 2, &m) && j < c.size() && c[j] == sep) {
      ++j;
      if (Digits(c, &j, 2, &d) && PlausibleDate(y, m, d) && ends_ok(j)) {
        size_t t = TimeAt(c, j);
        return (t > 0 && ends_ok(j + t) ? j + t : j) - i;
      }
    }
  }
  // YYYYMMDD.
  j = i;
  if (Digits(c, &j, 4, &y) && Digits(c, &j, 2, &m) && Digits(c, &j, 2, &d) &&
      PlausibleDate(y, m, d)) {
    size_t t = TimeAt(c, j);
    if (t > 0 && ends_ok(j + t)) return j + t - i;
    // Also YYYYMMDDHHMMSS without a separator.
    size_t k = j;
    int hh, mm, ss;
    if (Digits(c, &k, 2, &hh) && Digits(c, &k, 2, &mm) && Digits(c, &k, 2, &ss) && hh <= 23 &&
        mm <= 59 && ss <= 60 && ends_ok(k)) {
      return k - i;
    }
    if (ends_ok(j)) return j - i;
  }
  // Unix time in seconds or milliseconds, 2001-09-09 .. 2033-05-18.
  size_t run = i;
  while (run < c.size() && IsDigit(c[run])) ++run;
  if (c[i] == '1' && (run - i == 10 || run - i == 13)) return run - i;
  return 0;
}

// "<hex>", "<container-id>" or "" for the alphanumeric token `t`.
std::string_view HexClass(std::string_view t) {
  if (t.size() < 8) return {};
  const HexRun h = ClassifyHexRun(t);
  if (!h.hex || !h.digit) return {};
  if (t.size() == 64) return "<container-id>";
  if (h.letter || t.size() == 32 || t.size() == 40) return "<hex>";
  return {};
}

// The token mixes upper case, lower case and digits: a random template fill.
bool LooksRandomMixed(std::string_view t) {
  bool digit = false, lower = false, upper = false;
  for (char ch : t) {
    digit |= IsDigit(ch);
    lower |= IsLower(ch);
    upper |= IsUpper(ch);
  }
  return digit && lower && upper;
}

// mkstemp's fill (glibc, APR): exactly six of [A-Za-z0-9], each drawn from
// all 62. Words of six letters and digits are rare where a fill goes (the
// end of a name, after a separator): any digit with any letter is a fill
// ("a1b2c3", "9PWHBK": about 8% of fills have no lower-case or no upper-case
// letter); without a digit (a third of fills) both cases are still no word
// unless it is capitalised ("Readme"): an upper-case letter after the first,
// and a lower-case one ("MWYpuy", "xKqLzo"; not "Readme", "README",
// "readme"). Six letters of one case stay: they may be a word.
bool LooksMkstempFill(std::string_view t) {
  if (t.size() != 6) return false;
  bool digit = false, letter = false, lower = false, later_upper = false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (!IsAlnum(t[i])) return false;
    digit |= IsDigit(t[i]);
    letter |= !IsDigit(t[i]);
    lower |= IsLower(t[i]);
    later_upper |= i > 0 && IsUpper(t[i]);
  }
  return (digit && letter) || (lower && later_upper);
}

// A digit, or both cases: not a word.
bool LooksRandom(std::string_view t) {
  bool digit = false, lower = false, upper = false;
  for (char ch : t) {
    digit |= IsDigit(ch);
    lower |= IsLower(ch);
    upper |= IsUpper(ch);
  }
  return digit || (lower && upper);
}

// Python's tempfile fill: 8 characters of [a-z0-9_] (tempfile's
// _RandomNameSequence). With no digit it can still be told from a word:
// random letters are mostly consonants (5 vowels in 37 characters: at most 2
// in 8 for 9 names in 10 of them), an English word of 8 letters has 3 or more.
bool LooksPythonTempFill(std::string_view t) {
  if (t.size() != 8) return false;
  int vowels = 0;
  for (char ch : t) {
    if (!IsLower(ch) && !IsDigit(ch) && ch != '_') return false;
    vowels += ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u' || ch == 'y';
  }
  return vowels <= 2;
}

struct TempPrefix {
  std::string_view prefix;
  size_t min_len;  // of the random run after the prefix
  size_t max_len;  // 0: unbounded
  bool random;     // the run must LooksRandom(), or LooksPythonTempFill() after "tmp"
};

// mktemp-style names: the prefix stays, the random run becomes <tmp>. The
// run is [A-Za-z0-9_-] and must end the component or be followed by '.'.
constexpr TempPrefix kTempPrefixes[] = {
    {"tmp.", 10, 10, false},  // mktemp's default template, tmp.XXXXXXXXXX
    {"tmp.", 6, 0, true},     {"tmp-", 6, 0, true},   {"sh-thd.", 6, 0, false},
    {"sh-thd-", 6, 0, false}, {"pymp-", 6, 0, false}, {"magick-", 6, 0, false},
    {"sess_", 20, 0, false},  {"tmp", 6, 16, true},   {"php", 6, 6, true},
    {"cc", 6, 6, true},
};

// The first two characters of some kTempPrefixes entry.
bool MayStartTempName(std::string_view c) {
  if (c.size() < 2) return false;
  switch (c[0]) {
    case 't':
      return c[1] == 'm';
    case 's':
      return c[1] == 'h' || c[1] == 'e';
    case 'p':
      return c[1] == 'y' || c[1] == 'h';
    case 'm':
      return c[1] == 'a';
    case 'c':
      return c[1] == 'c';
    default:
      return false;
  }
}

// Length of the prefix of a temporary name at the start of `c` whose random
// run follows; *run_len receives the run's length. 0 if `c` is not one.
size_t TempName(std::string_view c, size_t* run_len) {
  for (const TempPrefix& p : kTempPrefixes) {
    // Cheap rejections first: this runs for many ordinary components.
    if (c.size() < p.prefix.size() + p.min_len || c[0] != p.prefix[0] || c[1] != p.prefix[1] ||
        !c.starts_with(p.prefix)) {
      continue;
    }
    size_t end = p.prefix.size();
    while (end < c.size() && (IsAlnum(c[end]) || c[end] == '_' || c[end] == '-')) ++end;
    if (end < c.size() && c[end] != '.') continue;
    std::string_view run = c.substr(p.prefix.size(), end - p.prefix.size());
    if (run.size() < p.min_len || (p.max_len != 0 && run.size() > p.max_len)) continue;
    if (p.random && !LooksRandom(run) && !(p.prefix == "tmp" && LooksPythonTempFill(run))) continue;
    *run_len = run.size();
    return p.prefix.size();
  }
  return 0;
}

// The opening process, whose pid and tid in a name are volatile; 0 = none.
struct Opener {
  Opener(uint32_t p, uint32_t t) : pid(p), tid(t), pid_len(Digits10(p)), tid_len(Digits10(t)) {}
  uint32_t pid;
  uint32_t tid;
  size_t pid_len;  // decimal digits; 0 for none
  size_t tid_len;
  static size_t Digits10(uint32_t v) {
    size_t n = 0;
    for (; v != 0; v /= 10) ++n;
    return n;
  }
  // The digit run `run` spells the pid ("<pid>"), the tid ("<tid>"), or neither ("").
  std::string_view Match(std::string_view run) const {
    if ((run.size() != pid_len && run.size() != tid_len) || run[0] == '0') return {};
    uint64_t v = 0;
    for (char ch : run) v = v * 10 + static_cast<uint64_t>(ch - '0');
    if (pid != 0 && v == pid) return "<pid>";
    if (tid != 0 && v == tid) return "<tid>";
    return {};
  }
};

struct Shape {
  size_t longest_token = 0;   // alphanumeric run
  size_t longest_digits = 0;  // digit run
  bool opener_id = false;     // a digit run equal to the opener's pid or tid
  bool date_like = false;     // 4 digits, then '-', '_' or '.' and a digit
  bool temp_counter = false;  // a digit run in a temporary name (InTempName)
};

// The word at c[at - word.size(), at) is `word`, in any case.
bool WordBefore(std::string_view c, size_t at, std::string_view word) {
  if (at < word.size()) return false;
  for (size_t n = 0; n < word.size(); ++n) {
    if (Lower(c[at - word.size() + n]) != word[n]) return false;
  }
  return true;
}

bool IsSeparator(char ch) { return ch == '-' || ch == '_' || ch == '.'; }

// The digit run starting at c[k] is a temporary file's counter or pid: it
// follows "tmp" or "temp" (any case) directly or after one '-', '_' or '.',
// or the component is a temporary name ("tmp" or "temp" and a separator
// first: "temp-rewriteaof-bg-24755.aof").
bool InTempName(std::string_view c, size_t k) {
  if (k == 0) return false;
  size_t j = IsSeparator(c[k - 1]) ? k - 1 : k;
  if (WordBefore(c, j, "tmp") || WordBefore(c, j, "temp")) return true;
  return (c.size() > 4 && IsSeparator(c[3]) && WordBefore(c, 3, "tmp")) ||
         (c.size() > 5 && IsSeparator(c[4]) && WordBefore(c, 4, "temp"));
}

Shape ShapeOf(std::string_view c, const Opener& opener) {
  Shape s;
  size_t token = 0;
  for (size_t i = 0; i < c.size();) {
    char ch = c[i];
    if (!IsDigit(ch)) {
      token = IsAlpha(ch) ? token + 1 : 0;
      s.longest_token = std::max(s.longest_token, token);
      ++i;
      continue;
    }
    // A digit run: judged once, at its end.
    size_t start = i;
    while (i < c.size() && IsDigit(c[i])) ++i;
    size_t digits = i - start;
    token += digits;
    s.longest_token = std::max(s.longest_token, token);
    s.longest_digits = std::max(s.longest_digits, digits);
    if (!s.temp_counter) s.temp_counter = InTempName(c, start);
    if (digits == 4 && i + 1 < c.size() && (c[i] == '-' || c[i] == '_' || c[i] == '.') &&
        IsDigit(c[i + 1])) {
      s.date_like = true;
    }
    if (!s.opener_id) s.opener_id = !opener.Match(c.substr(start, digits)).empty();
  }
  return s;
}

// The component being appended to `out` (after its last '/') lies in a
// directory named "pods".
bool PodsParent(std::string_view out) {
  size_t slash = out.rfind('/');
  return slash != std::string_view::npos && out.substr(0, slash).ends_with("/pods");
}

bool ContainsLog(std::string_view s) {
  for (size_t i = 0; i + 3 <= s.size(); ++i) {
    if (Lower(s[i]) == 'l' && Lower(s[i + 1]) == 'o' && Lower(s[i + 2]) == 'g') return true;
  }
  return false;
}

// Digits no person picks for a name (ports, years, versions and small ids are
// shorter): random handles, large ids, inode numbers.
constexpr size_t kLongNumber = 9;

// A zero-padded counter: >= 6 chars, "00" first, digits and upper-case hex
// digits only (PostgreSQL WAL segments, MySQL binlogs, Kafka segments).
bool IsSequence(std::string_view t) {
  if (t.size() < 6 || t[0] != '0' || t[1] != '0') return false;
  for (char ch : t) {
    if (!IsDigit(ch) && !(ch >= 'A' && ch <= 'F')) return false;
  }
  return true;
}

// The placeholder for the digit run c[k, end) inside a token that starts at
// `first`, and its length (which may run past `end` for a timestamp); 0 if
// the run has no class.
size_t DigitRunClass(std::string_view c, size_t first, size_t k, size_t end, const Opener& opener,
                     std::string_view* placeholder) {
  if (k > first) {  // at the token's start TimestampAt() was tried already
    if (size_t t = TimestampAt(c, k)) {
      *placeholder = "<ts>";
      return t;
    }
  }
  // A temporary name first: its number is often the writer's pid, but other
  // processes (a parent cleaning up) name it too, and both must agree.
  std::string_view run = c.substr(k, end - k);
  if (InTempName(c, k)) {
    *placeholder = "<tmp>";
    return run.size();
  }
  if (std::string_view id = opener.Match(run); !id.empty()) {
    *placeholder = id;
    return run.size();
  }
  if (run.size() >= kLongNumber) {
    *placeholder = "<n>";
    return run.size();
  }
  return 0;
}

// Appends component `c` to *out with its tokens classified. `temp_prefix` and
// `temp_run`: a temporary name found by TempName(), or 0.
void AppendTokens(std::string_view c, size_t temp_prefix, size_t temp_run, const Opener& opener,
                  std::string* out) {
  size_t i = 0;
  if (temp_prefix > 0) {
    out->append(c.substr(0, temp_prefix));
    out->append("<tmp>");
    i = temp_prefix + temp_run;
  }
  while (i < c.size()) {
    if (!IsAlnum(c[i])) {
      size_t next = i + 1;
      while (next < c.size() && !IsAlnum(c[next])) ++next;
      out->append(c.substr(i, next - i));
      i = next;
      continue;
    }
    // A token starts at i.
    if (size_t u = UuidAt(c, i)) {
      out->append(PodsParent(*out) ? "<pod-uid>" : "<uuid>");
      i += u;
      continue;
    }
    if (c.size() - i > 3 && Lower(c[i]) == 'p' && Lower(c[i + 1]) == 'o' &&
        Lower(c[i + 2]) == 'd' && UuidAt(c, i + 3)) {
      out->append(c.substr(i, 3));
      out->append("<pod-uid>");
      i += 39;
      continue;
    }
    if (IsDigit(c[i])) {
      if (size_t t = TimestampAt(c, i)) {
        out->append("<ts>");
        i += t;
        continue;
      }
    }
    size_t end = i;
    while (end < c.size() && IsAlnum(c[end])) ++end;
    std::string_view token = c.substr(i, end - i);
    if (IsSequence(token)) {
      out->append("<n>");
      i = end;
      continue;
    }
    std::string_view hex = HexClass(token);
    if (!hex.empty()) {
      out->append(hex);
      i = end;
      continue;
    }
    if (end == c.size() && i > 0 && token.size() >= 6 &&
        (c[i - 1] == '.' || c[i - 1] == '-' || c[i - 1] == '_') &&
        (LooksRandomMixed(token) || LooksMkstempFill(token))) {
      out->append("<tmp>");
      i = end;
      continue;
    }
    // No class for the whole token; its digit runs may still have one
    // ("backup20261123", "temp-2357", "pgsql_tmp3179", "init.<pid>").
    size_t copied = i;
    for (size_t k = i; k < end;) {
      if (!IsDigit(c[k])) {
        ++k;
        continue;
      }
      size_t run_end = k;
      while (run_end < end && IsDigit(c[run_end])) ++run_end;
      std::string_view placeholder;
      size_t n = DigitRunClass(c, i, k, run_end, opener, &placeholder);
      if (n == 0) {
        k = run_end;
        continue;
      }
      out->append(c.substr(copied, k - copied));
      out->append(placeholder);
      copied = k + n;
      k = copied;
    }
    if (copied < end) out->append(c.substr(copied, end - copied));
    i = std::max(end, copied);
  }
}

constexpr std::string_view kCompressed[] = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z"};

// The rotation number at the end of file name `name`, as an offset and a
// length: "<stem>.<1-6 digits>[<compressed>]" whose stem ends in a letter and
// is not a shared library; {npos, 0} if none.
std::pair<size_t, size_t> RotationDigits(std::string_view name) {
  constexpr std::pair<size_t, size_t> kNone = {std::string_view::npos, 0};
  std::string_view base = name;
  if (!base.empty() && !IsDigit(base.back())) {
    for (std::string_view ext : kCompressed) {
      if (base.size() > ext.size() && base.ends_with(ext)) {
        base.remove_suffix(ext.size());
        break;
      }
    }
  }
  size_t digits = 0;
  while (digits < base.size() && IsDigit(base[base.size() - 1 - digits])) ++digits;
  if (digits == 0 || digits > 6 || digits + 2 > base.size()) return kNone;
  size_t dot = base.size() - digits - 1;
  if (base[dot] != '.' || !IsAlpha(base[dot - 1])) return kNone;
  std::string_view stem = base.substr(0, dot);
  if (stem == "so" || stem.ends_with(".so")) return kNone;
  return {dot + 1, digits};
}

}  // namespace

std::string NormalizeFilePath(std::string_view abs_path, uint32_t pid, uint32_t tid) {
  std::string out;
  NormalizeFilePathInto(abs_path, pid, tid, &out);
  return out;
}

namespace {

// The walk of NormalizeFilePathInto over the components of `path` from byte
// `pos` (just after a slash) to its end. `out` holds the normal form of the
// path before `pos` once `*built`; until then (most paths come out unchanged)
// that normal form is `path`'s own prefix, and `out` is only built from the
// first component that changes. `ends_path`: the walk's last component is the
// whole path's last (rotation digits apply there); `log_path()`: whether the
// whole path contains "log". `*maybe_root`: a component that may end a
// container root was walked.
template <class LogPath>
void WalkComponents(std::string_view path, size_t pos, bool ends_path, const Opener& opener,
                    const LogPath& log_path, std::string& out, bool* built_ptr, bool* maybe_root) {
  bool& built = *built_ptr;
  auto build = [&](size_t upto) {
    if (built) return;
    out.reserve(path.size() + 16);
    out.assign(path.substr(0, upto));
    built = true;
  };
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    bool at_end = slash == std::string_view::npos;
    bool last = at_end && ends_path;
    std::string_view component = path.substr(pos, at_end ? std::string_view::npos : slash - pos);
    *maybe_root =
        *maybe_root || (component.size() == 6 && (component[0] == 'm' || component[0] == 'r') &&
                        (component == "merged" || component == "rootfs"));
    std::string_view parent = built ? std::string_view(out) : path.substr(0, pos - 1);
    if (const ParentRule* rule = FindParentRule(parent, component)) {
      build(pos - 1);
      out += '/';
      out += rule->replacement;
    } else {
      Shape shape;
      if (std::any_of(component.begin(), component.end(), IsDigit)) {
        shape = ShapeOf(component, opener);
      }
      size_t temp_run = 0;
      size_t temp_prefix = MayStartTempName(component) ? TempName(component, &temp_run) : 0;
      // Every other class needs a digit, and a token of >= 6 chars, a run of
      // >= 8 digits, a dashed date, a temporary counter, or the opener's pid
      // or tid.
      bool tokens = temp_prefix > 0 || (shape.longest_digits > 0 &&
                                        (shape.longest_token >= 6 || shape.longest_digits >= 8 ||
                                         shape.date_like || shape.temp_counter || shape.opener_id));
      if (tokens) {
        build(pos - 1);
        out += '/';
        size_t start = out.size();
        AppendTokens(component, temp_prefix, temp_run, opener, &out);
        if (last) {
          auto [at, n] = RotationDigits(std::string_view(out).substr(start));
          if (n > 0 && log_path()) out.replace(start + at, n, "<n>");
        }
      } else {
        // A log path: some component, this one included, contains "log".
        auto [at, n] = last && shape.longest_digits > 0 ? RotationDigits(component)
                                                        : std::pair<size_t, size_t>{0, 0};
        if (n > 0 && log_path()) {
          build(pos - 1);
          out += '/';
          out += component.substr(0, at);
          out += "<n>";
          out += component.substr(at + n);
        } else if (built) {
          out += '/';
          out += component;
        }
      }
    }
    if (at_end) break;
    pos = slash + 1;
  }
}

}  // namespace

void NormalizeFilePathInto(std::string_view abs_path, uint32_t pid, uint32_t tid, std::string* out_ptr) {
  std::string& out = *out_ptr;
  if (abs_path.empty() || abs_path.front() != '/') {
    out.assign(abs_path);
    return;
  }
  // Small numbers are too often meaningful (ports, indexes, versions).
  Opener opener(pid >= kMinVolatilePid ? pid : 0, tid >= kMinVolatilePid && tid != pid ? tid : 0);
  bool built = false;
  bool maybe_root = false;  // a component that may end a container root
  WalkComponents(abs_path, 1, /*ends_path=*/true, opener, [abs_path] { return ContainsLog(abs_path); }, out,
                 &built, &maybe_root);
  // Rare, so checked after the fact. Nested roots (a runtime inside a
  // container) strip one per call.
  if (maybe_root) {
    size_t start = ContainerPathStart(abs_path);
    if (start != std::string_view::npos) {
      NormalizeFilePathInto(start == abs_path.size() ? std::string_view("/") : abs_path.substr(start),
                            pid, tid, out_ptr);
      return;
    }
  }
  if (!built) out.assign(abs_path);
}

void NormalizeDirInto(std::string_view abs_dir, NormalDir* out) {
  out->whole_path = abs_dir.size() < 2 || abs_dir.front() != '/' || abs_dir.back() == '/';
  out->log = ContainsLog(abs_dir);
  if (out->whole_path) return;
  bool built = false, maybe_root = false;
  const Opener none(0, 0);
  WalkComponents(abs_dir, 1, /*ends_path=*/false, none, [] { return false; }, out->path, &built, &maybe_root);
  if (!built) out->path.assign(abs_dir);
  out->whole_path = maybe_root;
}

void NormalizeUnderDirInto(std::string_view abs_path, const NormalDir& dir, std::string* out_ptr) {
  const size_t slash = abs_path.rfind('/');
  if (dir.whole_path || slash == std::string_view::npos || slash == 0) {
    NormalizeFilePathInto(abs_path, 0, 0, out_ptr);
    return;
  }
  std::string& out = *out_ptr;
  out.assign(dir.path);
  bool built = true, maybe_root = false;
  const Opener none(0, 0);
  const std::string_view leaf = abs_path.substr(slash + 1);
  WalkComponents(abs_path, slash + 1, /*ends_path=*/true, none, [&dir, leaf] { return dir.log || ContainsLog(leaf); },
                 out, &built, &maybe_root);
  if (maybe_root) NormalizeFilePathInto(abs_path, 0, 0, out_ptr);
}

bool PathSpellsId(std::string_view abs_path, uint32_t pid, uint32_t tid) {
  auto spells = [abs_path](uint32_t id) {
    if (id < kMinVolatilePid) return false;
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, id);
    return abs_path.find(std::string_view(digits, static_cast<size_t>(end - digits))) !=
           std::string_view::npos;
  };
  return spells(pid) || (tid != pid && spells(tid));
}

HexRun ClassifyHexRun(std::string_view run) {
  bool digit = false, lower = false, upper = false;
  for (char ch : run) {
    if (IsDigit(ch)) {
      digit = true;
    } else if (ch >= 'a' && ch <= 'f') {
      lower = true;
    } else if (ch >= 'A' && ch <= 'F') {
      upper = true;
    } else {
      return {};
    }
  }
  return HexRun{!(lower && upper), digit, lower || upper};
}

}  // namespace dw::model
