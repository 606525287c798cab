// tools/policy/allow_list.cc: what a fingerprint allows, in the terms
// policies use (tools/policy/allow_list.h), and the path predicates the
// exporters and the policy check share.
#include "tools/policy/allow_list.h"

#include <string>

#include "bpf/events.h"
#include "model/address.h"
#include "tools/policy/render.h"

namespace dw::tools {
namespace {

std::string ToCidr(const std::string& address) {
  if (address.find('/') != std::string::npos) return address;
  return address + (address.find(':') != std::string::npos ? "/128" : "/32");
}

}  // namespace

std::string PlaceholdersToGlob(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '<') {
      size_t close = path.find('>', i);
      if (close != std::string_view::npos &&
          path.substr(i + 1, close - i - 1).find_first_not_of("abcdefghijklmnopqrstuvwxyz-#") ==
              std::string_view::npos) {
        out += '*';
        i = close;
        continue;
      }
    }
    out += path[i];
  }
  return out;
}

bool PathGlobMatch(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.substr(0, 2) == "**") {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (PathGlobMatch(pattern.substr(2), path.substr(i))) return true;
    }
    return false;
  }
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (PathGlobMatch(pattern.substr(1), path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  return !path.empty() && pattern[0] == path[0] && PathGlobMatch(pattern.substr(1), path.substr(1));
}

AllowList DeriveAllowList(const model::Fingerprint& fp) {
  AllowList al;
  for (const auto& [exe, st] : fp.executables) al.processes.push_back(exe);
  for (const auto& [edge, st] : fp.lineage) al.lineage.push_back(edge);
  for (const auto& [path, st] : fp.files) {
    if (HasPlaceholder(path)) {
      al.globs.push_back({PlaceholdersToGlob(path), st.access});
    } else {
      al.files.push_back({path, st.access});
    }
  }
  for (const auto& [pattern, g] : fp.file_patterns) {
    std::string glob = PlaceholdersToGlob(pattern);
    bool recursive = glob.size() >= 3 && glob.compare(glob.size() - 3, 3, "/**") == 0;
    bool one = !recursive && glob.size() >= 2 && glob.compare(glob.size() - 2, 2, "/*") == 0;
    if (recursive || one) {
      al.dirs.push_back({glob.substr(0, glob.size() - (recursive ? 2 : 1)), recursive, g.stats.access});
    } else {
      al.globs.push_back({glob, g.stats.access});
    }
  }
  auto add_peer = [&](const model::NetItem& n) {
    if (n.direction == model::Direction::kListen) {
      al.listens.push_back({n.direction, n.protocol, ToCidr(n.address), n.port, model::IsLoopbackAddress(n.address)});
    } else {
      al.peers.push_back({n.direction, n.protocol, ToCidr(n.address), n.port, model::IsLoopbackAddress(n.address)});
    }
  };
  for (const auto& [n, st] : fp.network) add_peer(n);
  for (const auto& [n, g] : fp.net_patterns) add_peer(n);
  for (const auto& [name, st] : fp.dns_names) al.dns_names.push_back(name);
  for (const auto& [name, st] : fp.syscalls) al.syscalls.push_back(name);
  al.syscall_arch = fp.syscall_arch;
  return al;
}

std::string MergedUsrAlias(std::string_view path) {
  for (std::string_view dir : {"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"}) {
    const std::string usr = "/usr/" + std::string(dir);
    if (path.substr(0, usr.size()) == usr) return "/" + std::string(path.substr(5));
  }
  return "";
}

}  // namespace dw::tools
