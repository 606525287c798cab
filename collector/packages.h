// collector/packages.h: which installed package a program belongs to, read
// from a Debian-style package database (dpkg's <root>/var/lib/dpkg) under a
// root directory: "/" for the host, /proc/PID/root for a container's
// filesystem as its process sees it.
//
// What is read: <root>/var/lib/dpkg/status (each installed package's name,
// source package, Essential and Priority fields) and the file lists
// <root>/var/lib/dpkg/info/<package>[:<arch>].list of the packages that are
// not part of the base system. The base system (Essential: yes, or Priority
// required or important: coreutils, util-linux, dash, tar...) is no program's
// suite: a workload that runs `date` does not make every coreutils program
// its own. A database is indexed once per root and again when its status
// file changes (a package installed or removed); the index keeps a 64-bit
// hash of each listed path and its source package (about 16 bytes a path;
// a wrong answer needs two of ~10^5 paths to collide, ~10^-9).
//
// Paths match across the /usr merge (/bin/dash listed, /usr/bin/dash run).
// Nothing else is resolved: symbolic links and alternatives (/usr/bin/awk ->
// /etc/alternatives/awk) are not followed. A root without a dpkg database
// (rpm, apk, a distroless image), or one that cannot be read, knows no
// package.
//
// ProgramsOf lists a source package's programs for a trace (trace_file.h
// PackagePrograms): the files its binary packages list that are executable
// regular files under the root, read from the lists again when asked.
//
// Not thread-safe.
#ifndef DRIFTWATCH_COLLECTOR_PACKAGES_H_
#define DRIFTWATCH_COLLECTOR_PACKAGES_H_

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/trace_file.h"

namespace dw::collector {

// `path` as spelled on the other side of the /usr merge: "/bin/dash" for
// "/usr/bin/dash" and "/usr/bin/dash" for "/bin/dash".
std::string UsrMergeTwin(std::string_view path);

class PackageDatabase {
 public:
  // The source package that installed `path` under `root` ("/",
  // "/proc/123/root"): "postfix" for /usr/sbin/postmap, "redis" for
  // /usr/bin/redis-cli. "" if no package of the root's database lists it, if
  // its package is part of the base system, or if the root has no readable
  // database.
  std::string SourcePackageOf(const std::string& root, std::string_view path);

  // The source package that installed `path` under `root` (as above) and
  // every executable regular file its packages installed there, at most
  // kMaxPrograms, sorted; nullopt when SourcePackageOf says "", or when no
  // file is there (`root` went away while the lists were read: a process's
  // /proc/PID/root after it exited; `path` itself is one of the files).
  std::optional<PackagePrograms> ProgramsOf(const std::string& root, std::string_view path);
  static constexpr size_t kMaxPrograms = 4096;

  // How many roots' databases are indexed now (at most kMaxRoots).
  size_t indexed_roots() const { return roots_.size(); }
  static constexpr size_t kMaxRoots = 8;

 private:
  struct Index {
    // The status file's identity: another one (a package installed or
    // removed, another container) needs another index.
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0;
    std::vector<std::string> sources;                   // source package names
    std::vector<std::vector<std::string>> lists;        // by source: its packages' .list files
    std::vector<std::pair<uint64_t, uint32_t>> paths;  // (path hash, sources index), sorted
  };
  // The index of `root`'s database, built if needed; nullptr without one.
  const Index* IndexOf(const std::string& root);
  // The index of `path`'s source package in `index`'s sources, or -1.
  static int64_t SourceIdOf(const Index& index, std::string_view path);

  std::list<Index> roots_;  // most recently used first
};

}  // namespace dw::collector

#endif  // DRIFTWATCH_COLLECTOR_PACKAGES_H_
