// model/normalize.h: file path normalisation, so that volatile parts of a path
// (pids, fds, ids, hashes, timestamps, temporary names, container roots) do
// not make every run look new.
#ifndef DRIFTWATCH_MODEL_NORMALIZE_H_
#define DRIFTWATCH_MODEL_NORMALIZE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace dw::model {

// Returns `abs_path` with volatile parts replaced by typed placeholders.
//
// 1. Container roots seen from the host are stripped to the container's path:
//      <any>/overlay2/<id>/merged/x, <any>/overlay/<id>/merged/x  -> /x
//      <any>/io.containerd.runtime.v2.task/<ns>/<id>/rootfs/x     -> /x
//    (docker and podman/cri-o overlay mounts, containerd task roots; any data
//    root, so a relocated /var/lib/docker or k3s's /run/k3s/containerd work).
// 2. Components under fixed parents:
//      /proc/<digits>, /proc/self          -> /proc/<pid>
//      /proc/thread-self                   -> /proc/<pid>/task/<tid>
//      /proc/<pid>/task/<digits>           -> /proc/<pid>/task/<tid>
//      /proc/<pid>[/task/<tid>]/fd[info]/<digits> -> .../fd[info]/<fd>
//      /dev/fd/<digits>                    -> /dev/fd/<fd>
//      /dev/pts/<digits>                   -> /dev/pts/<n>
// 3. Token classes anywhere in a component; the rest of the component stays,
//    so "app-3f2a9c1e77.log" becomes "app-<hex>.log". A token is a maximal run
//    of [A-Za-z0-9]; classes spanning separators say so.
//      <uuid>          8-4-4-4-12 hex digits, '-' or '_' separated (systemd
//                      cgroup names use '_')
//      <pod-uid>       a uuid directly after "pod" ("kubepods-pod<pod-uid>.slice")
//                      or in a directory under one named "pods"
//                      (/var/lib/kubelet/pods/<pod-uid>, /var/log/pods/ns_name_<pod-uid>)
//      <container-id>  a token of 64 hex digits (docker, containerd, cri-o ids;
//                      sha256 digests look the same and are just as volatile)
//      <hex>           a token of >= 8 hex digits with at least one digit and
//                      one letter a-f, or of exactly 32 or 40 (md5, sha1) with
//                      at least one digit; letters all lower or all upper case.
//                      Words such as "deadbeef" or "facade" have no digit and
//                      stay; so do version numbers and plain numbers.
//      <ts>            a timestamp starting where a run of digits starts:
//                      YYYY-MM-DD / YYYY_MM_DD / YYYY.MM.DD / YYYYMMDD, each
//                      optionally followed by [T_-]HH[:_-]MM[:_-]SS or
//                      [T_-]HHMMSS, and then by a fraction ".<digits>"
//                      (plausible values only: year 1970-2099, month 01-12,
//                      day 01-31); or 10 or 13 digits starting with 1 (Unix
//                      time in s or ms, 2001-2033). Not followed by a digit.
//                      Kubernetes' volume directories
//                      "..2026_12_05_21_08_20.1234567890" become "..<ts>".
//      <tmp>           the random part of a mktemp-style name at the start of
//                      a component, a [A-Za-z0-9_-] run that ends the component
//                      or precedes a '.': tmp.XXXXXXXXXX (mktemp's default, 10
//                      chars), sh-thd.XXXXXX / sh-thd-XXXXXX (bash
//                      here-documents), pymp-XXXXXX (python multiprocessing),
//                      magick-XXXXXX and sess_XXXX... (PHP sessions, >= 20
//                      chars) take any run; tmp.XXXXXX, tmp-XXXXXX (node),
//                      tmpXXXXXXXX (python tempfile), phpXXXXXX (PHP uploads)
//                      and ccXXXXXX (gcc) need it to look random (a digit, or
//                      both cases), so that "tmp_cache", "tmp-cache-dir" or
//                      "phpmyadmin" stay; python's 8 lower-case characters
//                      after "tmp" also pass with no digit when at most 2 are
//                      vowels (a,e,i,o,u,y): random letters are mostly
//                      consonants, an 8-letter word is not ("tmpfilename"
//                      stays). Other random runs of letters only in one case
//                      are missed and left to the directory rule or a
//                      finding. And the last token of
//                      a component when it follows '.', '-' or '_' and mixes
//                      upper case, lower case and digits over >= 6 chars
//                      ("name.Ab3xZ9Qp", mktemp with a custom template).
//      <n>             a rotation number: in the last component, on a log path
//                      (the name or a directory contains "log", any case),
//                      "<stem>.<1-6 digits>[.gz|.bz2|.xz|.zst|.lz4|.Z]" whose
//                      stem ends in a letter and is not a shared library
//                      ("syslog.1", "app.log.2.gz"; never "libc.so.6",
//                      "python3.11" or the man page "ls.1.gz").
//      <n>             also a zero-padded counter anywhere: a token of >= 6
//                      chars starting "00", of digits and upper-case hex
//                      digits ("000000010000000000000003" WAL segments,
//                      "mysql-bin.000123", Kafka's "00000000000000012345.log").
//                      And any other run of >= 9 digits: no person picks such
//                      a name; they are random handles, large ids, inode
//                      numbers ("/dev/shm/PostgreSQL.<n>").
//      <pid>, <tid>    a run of digits equal to the `pid` or `tid` argument
//                      (when >= kMinVolatilePid): files named after their
//                      writer ("temp-<pid>.rdb", "pg_internal.init.<pid>",
//                      "hsperfdata_app/<pid>"). model/items.h passes the
//                      opener's ids only for opens that write or create.
//                      Only the opener's own ids: another process's pid in a
//                      name is indistinguishable from any number. (In a pid
//                      namespace a process names files with its inner pid,
//                      which the kernel-side pid does not match; the temporary
//                      counter class below still covers the common names.)
//      <tmp>           also a run of digits right after "tmp" or "temp" (any
//                      case), directly or after one '-', '_' or '.', or
//                      anywhere in a component that starts with "tmp" or
//                      "temp" and a separator: "pgsql_tmp3179.0",
//                      "temp-2357.rdb", "temp-rewriteaof-bg-24755.aof".
// Shorter plain numbers are not a class ("/var/lib/app/1234" stays): a
// directory of numbered entries is generalized by model/generalize.h instead.
//
// Everything else is returned unchanged, including paths that are not
// absolute. `abs_path` is expected to be lexically normalised already (no
// "." or ".." components; see collector/event.h). Idempotent: normalising a
// normalised path returns it unchanged (placeholders never match a class).
// Pure and thread-safe.
//
// `pid` and `tid`: the opening process, for the <pid> and <tid> classes; 0
// (or below kMinVolatilePid) disables them.
inline constexpr uint32_t kMinVolatilePid = 100;  // smaller numbers are ports, indexes...
std::string NormalizeFilePath(std::string_view abs_path, uint32_t pid = 0, uint32_t tid = 0);
// The same into `*out` (replaced, its memory reused). `abs_path` must not
// point into `*out`.
void NormalizeFilePathInto(std::string_view abs_path, uint32_t pid, uint32_t tid, std::string* out);

// The normal form of a directory's path as the parent of a file: the part
// of NormalizeFilePath(dir + "/" + name) before the name, for any name, so a
// directory's many files are normalised one component each
// (NormalizeUnderDirInto). `whole_path`: the directory's files need the
// whole walk (a container root's component, or no absolute directory).
struct NormalDir {
  std::string path;
  bool log = false;  // the directory's path contains "log" (rotation digits)
  bool whole_path = false;
};
void NormalizeDirInto(std::string_view abs_dir, NormalDir* out);
// NormalizeFilePath(abs_path) into *out, for `abs_path`'s directory (up to
// its last slash) normalised into `dir` by NormalizeDirInto.
void NormalizeUnderDirInto(std::string_view abs_path, const NormalDir& dir, std::string* out);

// Whether `abs_path` holds the decimal digits of `pid` or `tid` (either at
// least kMinVolatilePid). When it does not, NormalizeFilePath(abs_path, pid,
// tid) equals NormalizeFilePath(abs_path): the <pid> and <tid> classes need a
// digit run equal to one of them.
bool PathSpellsId(std::string_view abs_path, uint32_t pid, uint32_t tid);

// What the <hex> class and model/generalize.h's hexadecimal numbers ask of a
// run of characters: all hex digits, its letters (a-f or A-F) of one case.
struct HexRun {
  bool hex = false;     // the condition holds
  bool digit = false;   // it holds a digit
  bool letter = false;  // it holds a letter
};
HexRun ClassifyHexRun(std::string_view run);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_NORMALIZE_H_
