// tools/agent/config.cc: YAML config parsing with strict keys and located errors.
#include "tools/agent/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace dw::tools::agent {
namespace {

using Node = YAML::Node;

// Errors carry the file and the line of the offending node (1-based).
Status At(const std::string& source, const Node& n, const std::string& what) {
  std::string where = "config " + source;
  if (n.Mark().line >= 0) where += " line " + std::to_string(n.Mark().line + 1);
  return Status(ErrorCode::kInvalidArgument, where + ": " + what);
}

Status CheckKeys(const std::string& source, const Node& map, const std::string& section,
                 const std::set<std::string>& known) {
  if (!map.IsMap()) return At(source, map, (section.empty() ? "the document" : section) + " must be a mapping");
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key = it->first.as<std::string>();
    if (!known.count(key)) {
      return At(source, it->first,
                "unknown key '" + (section.empty() ? key : section + "." + key) + "'");
    }
  }
  return Status::Ok();
}

Result<std::string> Scalar(const std::string& source, const Node& n, const std::string& key) {
  if (!n.IsScalar()) return At(source, n, key + " must be a single value");
  return n.as<std::string>();
}

Status GetString(const std::string& source, const Node& map, const std::string& key,
                 const std::string& path, std::string* out) {
  if (!map[key]) return Status::Ok();
  if (map[key].IsNull()) {
    out->clear();
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(*out, Scalar(source, map[key], path));
  return Status::Ok();
}

Status GetDuration(const std::string& source, const Node& map, const std::string& key,
                   const std::string& path, std::chrono::milliseconds* out) {
  if (!map[key]) return Status::Ok();
  ASSIGN_OR_RETURN(std::string s, Scalar(source, map[key], path));
  auto d = ParseDuration(s);
  if (!d) return At(source, map[key], path + ": " + d.error().message());
  if (d->count() <= 0) return At(source, map[key], path + ": must be positive");
  *out = *d;
  return Status::Ok();
}

Status GetBool(const std::string& source, const Node& map, const std::string& key,
               const std::string& path, bool* out) {
  if (!map[key]) return Status::Ok();
  ASSIGN_OR_RETURN(std::string s, Scalar(source, map[key], path));
  if (s == "true" || s == "yes" || s == "on") {
    *out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    *out = false;
  } else {
    return At(source, map[key], path + ": expected true or false, not '" + s + "'");
  }
  return Status::Ok();
}

Status Parse(const std::string& source, const Node& root, AgentConfig* c) {
  if (!root || root.IsNull()) return Status::Ok();
  RETURN_IF_ERROR(CheckKeys(source, root, "",
                            {"database", "mode", "cgroups", "hostname", "syscalls", "verdict_cache", "packages",
                             "learning", "detect", "api", "outputs", "identity", "exceptions"}));
  RETURN_IF_ERROR(GetString(source, root, "database", "database", &c->database));
  if (c->database.empty()) return At(source, root["database"], "database must not be empty");
  if (root["mode"]) {
    ASSIGN_OR_RETURN(std::string m, Scalar(source, root["mode"], "mode"));
    if (m == "learn") {
      c->mode = Mode::kLearn;
    } else if (m == "detect") {
      c->mode = Mode::kDetect;
    } else if (m == "auto") {
      c->mode = Mode::kAuto;
    } else {
      return At(source, root["mode"], "mode must be learn, detect or auto, not '" + m + "'");
    }
  }
  if (const Node& cg = root["cgroups"]; cg && !cg.IsNull()) {
    if (!cg.IsSequence()) return At(source, cg, "cgroups must be a list of cgroup paths");
    for (const Node& n : cg) {
      ASSIGN_OR_RETURN(std::string p, Scalar(source, n, "cgroups[]"));
      c->cgroups.push_back(p);
    }
  }
  RETURN_IF_ERROR(GetString(source, root, "hostname", "hostname", &c->hostname));
  RETURN_IF_ERROR(GetBool(source, root, "syscalls", "syscalls", &c->syscalls));
  RETURN_IF_ERROR(GetBool(source, root, "verdict_cache", "verdict_cache", &c->verdict_cache));
  RETURN_IF_ERROR(GetBool(source, root, "packages", "packages", &c->packages));

  if (const Node& l = root["learning"]; l && !l.IsNull()) {
    RETURN_IF_ERROR(CheckKeys(source, l, "learning",
                              {"min_duration", "quiet_period", "max_duration", "checkpoint"}));
    RETURN_IF_ERROR(GetDuration(source, l, "min_duration", "learning.min_duration", &c->learning.min_duration));
    RETURN_IF_ERROR(GetDuration(source, l, "quiet_period", "learning.quiet_period", &c->learning.quiet_period));
    RETURN_IF_ERROR(GetDuration(source, l, "max_duration", "learning.max_duration", &c->learning.max_duration));
    RETURN_IF_ERROR(GetDuration(source, l, "checkpoint", "learning.checkpoint", &c->learning.checkpoint));
  }
  if (const Node& d = root["detect"]; d && !d.IsNull()) {
    RETURN_IF_ERROR(CheckKeys(source, d, "detect", {"unprofiled"}));
    if (d["unprofiled"]) {
      ASSIGN_OR_RETURN(std::string u, Scalar(source, d["unprofiled"], "detect.unprofiled"));
      if (u != "learn" && u != "ignore") {
        return At(source, d["unprofiled"], "detect.unprofiled must be learn or ignore, not '" + u + "'");
      }
      c->learn_unprofiled = u == "learn";
    }
  }
  if (const Node& a = root["api"]; a && !a.IsNull()) {
    RETURN_IF_ERROR(CheckKeys(source, a, "api", {"listen", "unix_socket", "token_file", "allow_unauthenticated_writes"}));
    RETURN_IF_ERROR(GetString(source, a, "listen", "api.listen", &c->api.listen));
    RETURN_IF_ERROR(GetString(source, a, "unix_socket", "api.unix_socket", &c->api.unix_socket));
    RETURN_IF_ERROR(GetString(source, a, "token_file", "api.token_file", &c->api.token_file));
    RETURN_IF_ERROR(GetBool(source, a, "allow_unauthenticated_writes", "api.allow_unauthenticated_writes",
                            &c->api.allow_unauthenticated_writes));
    if (!c->api.listen.empty() && c->api.listen.rfind(':') == std::string::npos) {
      return At(source, a["listen"], "api.listen must be host:port, not '" + c->api.listen + "'");
    }
  }
  if (const Node& o = root["outputs"]; o && !o.IsNull()) {
    RETURN_IF_ERROR(CheckKeys(source, o, "outputs",
                              {"stdout", "jsonl_file", "jsonl_max_bytes", "jsonl_keep", "webhook_url",
                               "webhook_format", "webhook_ca_file", "webhook_auth_header_file",
                               "webhook_auth_header_env"}));
    RETURN_IF_ERROR(GetBool(source, o, "stdout", "outputs.stdout", &c->outputs.stdout_jsonl));
    RETURN_IF_ERROR(GetString(source, o, "jsonl_file", "outputs.jsonl_file", &c->outputs.jsonl_file));
    if (o["jsonl_max_bytes"]) {
      ASSIGN_OR_RETURN(std::string s, Scalar(source, o["jsonl_max_bytes"], "outputs.jsonl_max_bytes"));
      auto size = ParseSize(s);
      if (!size || *size == 0) {
        return At(source, o["jsonl_max_bytes"], "outputs.jsonl_max_bytes: bad size '" + s + "' (use e.g. 100MiB)");
      }
      c->outputs.jsonl_max_bytes = *size;
    }
    if (o["jsonl_keep"]) {
      ASSIGN_OR_RETURN(std::string s, Scalar(source, o["jsonl_keep"], "outputs.jsonl_keep"));
      char* end = nullptr;
      long v = std::strtol(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || v < 0 || v > 1000) {
        return At(source, o["jsonl_keep"], "outputs.jsonl_keep must be a number from 0 to 1000, not '" + s + "'");
      }
      c->outputs.jsonl_keep = static_cast<int>(v);
    }
    RETURN_IF_ERROR(GetString(source, o, "webhook_url", "outputs.webhook_url", &c->outputs.webhook_url));
    if (!c->outputs.webhook_url.empty() && c->outputs.webhook_url.rfind("http://", 0) != 0 &&
        c->outputs.webhook_url.rfind("https://", 0) != 0) {
      return At(source, o["webhook_url"], "outputs.webhook_url must start with http:// or https://");
    }
    RETURN_IF_ERROR(GetString(source, o, "webhook_ca_file", "outputs.webhook_ca_file", &c->outputs.webhook_ca_file));
    RETURN_IF_ERROR(GetString(source, o, "webhook_auth_header_file", "outputs.webhook_auth_header_file",
                              &c->outputs.webhook_auth_header_file));
    RETURN_IF_ERROR(GetString(source, o, "webhook_auth_header_env", "outputs.webhook_auth_header_env",
                              &c->outputs.webhook_auth_header_env));
    if (!c->outputs.webhook_auth_header_file.empty() && !c->outputs.webhook_auth_header_env.empty()) {
      return At(source, o["webhook_auth_header_env"],
                "give outputs.webhook_auth_header_file or outputs.webhook_auth_header_env, not both");
    }
    RETURN_IF_ERROR(GetString(source, o, "webhook_format", "outputs.webhook_format", &c->outputs.webhook_format));
    if (c->outputs.webhook_format != "driftwatch" && c->outputs.webhook_format != "falco") {
      return At(source, o["webhook_format"], "outputs.webhook_format must be driftwatch or falco");
    }
  }
  if (const Node& id = root["identity"]; id && !id.IsNull()) {
    RETURN_IF_ERROR(CheckKeys(source, id, "identity", {"rules"}));
    if (const Node& rules = id["rules"]; rules && !rules.IsNull()) {
      if (!rules.IsSequence()) return At(source, rules, "identity.rules must be a list");
      for (const Node& r : rules) {
        RETURN_IF_ERROR(CheckKeys(source, r, "identity.rules[]", {"pattern", "name"}));
        IdentityRule rule;
        RETURN_IF_ERROR(GetString(source, r, "pattern", "identity.rules[].pattern", &rule.pattern));
        RETURN_IF_ERROR(GetString(source, r, "name", "identity.rules[].name", &rule.name));
        if (rule.pattern.empty() || rule.name.empty()) {
          return At(source, r, "identity.rules[] needs both pattern and name");
        }
        c->identity_rules.push_back(rule);
      }
    }
  }
  if (const Node& ex = root["exceptions"]; ex && !ex.IsNull()) {
    if (ex.IsScalar()) {
      // A file, relative to the config's directory.
      std::string path = ex.as<std::string>();
      if (!path.empty() && path.front() != '/' && source.find('/') != std::string::npos) {
        path = source.substr(0, source.rfind('/') + 1) + path;
      }
      auto loaded = Exceptions::Load(path);
      if (!loaded) return At(source, ex, "exceptions: " + loaded.error().message());
      c->exceptions = std::move(*loaded);
    } else {
      ASSIGN_OR_RETURN(c->exceptions, Exceptions::FromYaml(ex, source));
    }
  }
  return Status::Ok();
}

}  // namespace

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kLearn:
      return "learn";
    case Mode::kDetect:
      return "detect";
    case Mode::kAuto:
      return "auto";
  }
  return "unknown";
}

Result<std::chrono::milliseconds> ParseDuration(const std::string& s) {
  static const std::map<std::string, int64_t> kUnits = {
      {"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  size_t digits = 0;
  while (digits < s.size() && (std::isdigit(static_cast<unsigned char>(s[digits])) || s[digits] == '.')) {
    ++digits;
  }
  auto unit = kUnits.find(s.substr(digits));
  char* end = nullptr;
  double v = digits > 0 ? std::strtod(s.substr(0, digits).c_str(), &end) : 0;
  if (digits == 0 || unit == kUnits.end() || v < 0 || v > 1e12) {
    return Status(ErrorCode::kInvalidArgument, "bad duration '" + s + "' (use e.g. 500ms, 30s, 5m, 2h, 1d)");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(v * static_cast<double>(unit->second)));
}

Result<uint64_t> ParseSize(const std::string& s) {
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1}, {"B", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}};
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  auto unit = kUnits.find(s.substr(digits));
  if (digits == 0 || digits > 12 || unit == kUnits.end()) {
    return Status(ErrorCode::kInvalidArgument, "bad size '" + s + "'");
  }
  return std::stoull(s.substr(0, digits)) * unit->second;
}

Result<AgentConfig> ParseConfig(const std::string& text, const std::string& source) {
  AgentConfig c;
  try {
    Node root = YAML::Load(text);
    RETURN_IF_ERROR(Parse(source, root, &c));
  } catch (const YAML::Exception& e) {
    std::string where = "config " + source;
    if (e.mark.line >= 0) where += " line " + std::to_string(e.mark.line + 1);
    return Status(ErrorCode::kInvalidArgument, where + ": " + e.msg);
  }
  return c;
}

Result<AgentConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Errno("read config " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path);
}

}  // namespace dw::tools::agent
