// store/fingerprint_json.cc: the JSON schema of store/fingerprint_json.h,
// written with nlohmann::ordered_json and read back strictly. nlohmann's
// exceptions stay in this file.
#include "store/fingerprint_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

namespace dw::store {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr char kSchemaPrefix[] = "driftwatch.fingerprint/v";

// ---- Writing ----

ojson AccessJson(uint8_t access) {
  ojson a = ojson::array();
  for (std::string_view word : AccessWords(access)) a.push_back(word);
  return a;
}

void PutStats(const model::ItemStats& st, ojson* j) {
  (*j)["count"] = st.count;
  (*j)["first_seen"] = Rfc3339(st.first_seen_ns);
  (*j)["last_seen"] = Rfc3339(st.last_seen_ns);
  (*j)["processes"] = st.processes;
  (*j)["access"] = AccessJson(st.access);
  (*j)["nodes"] = st.nodes;
}

std::string ProtocolName(uint8_t p) {
  return p == 17 ? "udp" : p == 6 ? "tcp" : std::to_string(p);
}

ojson NetJson(const model::NetItem& n) {
  ojson j;
  j["direction"] = model::DirectionName(n.direction);
  j["protocol"] = ProtocolName(n.protocol);
  j["address"] = n.address;
  j["port"] = n.port;
  return j;
}

void PutGen(const model::Generalization& g, ojson* j) {
  (*j)["rule"] = g.rule;
  (*j)["examples"] = g.examples;
  (*j)["covered"] = g.covered;
  PutStats(g.stats, j);
}

ojson Named(const std::map<std::string, model::ItemStats>& m, const char* key) {
  ojson out = ojson::array();
  for (const auto& [k, st] : m) {
    ojson j;
    j[key] = k;
    PutStats(st, &j);
    out.push_back(std::move(j));
  }
  return out;
}

// ---- Reading ----

Status Invalid(const std::string& path, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "fingerprint JSON: " + path + ": " + what);
}

const char* TypeName(const json& j) { return j.type_name(); }

// `j` is an object with exactly `keys` (and, if `allow_source`, an ignored
// "source" object).
Status ExactKeys(const json& j, const std::string& path, std::initializer_list<const char*> keys,
                 bool allow_source = false, std::initializer_list<const char*> optional = {}) {
  if (!j.is_object()) return Invalid(path, std::string("want an object, not ") + TypeName(j));
  std::set<std::string> want(keys.begin(), keys.end());
  want.insert(optional.begin(), optional.end());
  for (const auto& [k, v] : j.items()) {
    if (allow_source && k == "source") {
      if (!v.is_object()) return Invalid(path + ".source", "want an object");
      continue;
    }
    if (want.count(k) == 0) return Invalid(path, "unknown field '" + k + "'");
  }
  for (const char* k : keys) {
    if (!j.contains(k)) return Invalid(path, std::string("missing field '") + k + "'");
  }
  return Status::Ok();
}

std::string Sub(const std::string& path, const char* key) {
  return path.empty() ? key : path + "." + key;
}

Result<std::string> GetString(const json& j, const std::string& path, const char* key) {
  const json& v = j.at(key);
  if (!v.is_string()) return Invalid(Sub(path, key), std::string("want a string, not ") + TypeName(v));
  return v.get<std::string>();
}

Result<uint64_t> GetUnsigned(const json& j, const std::string& path, const char* key,
                             uint64_t max = std::numeric_limits<uint64_t>::max()) {
  const json& v = j.at(key);
  uint64_t out = 0;
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
  } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(v.get<int64_t>());
  } else {
    return Invalid(Sub(path, key), std::string("want a non-negative integer, not ") +
                                       (v.is_number() ? v.dump() : TypeName(v)));
  }
  if (out > max) return Invalid(Sub(path, key), v.dump() + " is above " + std::to_string(max));
  return out;
}

Result<int64_t> GetSigned(const json& j, const std::string& path, const char* key) {
  const json& v = j.at(key);
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Invalid(Sub(path, key), v.dump() + " is out of range");
  }
  if (!v.is_number_integer()) {
    return Invalid(Sub(path, key),
                   std::string("want an integer, not ") + (v.is_number() ? v.dump() : TypeName(v)));
  }
  return v.get<int64_t>();
}

Result<int64_t> GetTime(const json& j, const std::string& path, const char* key) {
  ASSIGN_OR_RETURN(std::string s, GetString(j, path, key));
  Result<int64_t> t = ParseRfc3339(s);
  if (!t) return Invalid(Sub(path, key), t.error().message());
  return t;
}

Result<std::vector<double>> GetDoubles(const json& j, const std::string& path, const char* key,
                                       size_t max_size) {
  const json& v = j.at(key);
  if (!v.is_array()) return Invalid(Sub(path, key), std::string("want a list, not ") + TypeName(v));
  if (v.size() > max_size) {
    return Invalid(Sub(path, key), "more than " + std::to_string(max_size) + " values");
  }
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) {
      return Invalid(Sub(path, key) + "[" + std::to_string(i) + "]",
                     std::string("want a number, not ") + TypeName(v[i]));
    }
    out.push_back(v[i].get<double>());
  }
  return out;
}

Result<uint8_t> GetAccess(const json& j, const std::string& path) {
  const json& v = j.at("access");
  std::string p = Sub(path, "access");
  if (!v.is_array()) return Invalid(p, std::string("want a list, not ") + TypeName(v));
  uint8_t access = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string pi = p + "[" + std::to_string(i) + "]";
    if (!v[i].is_string()) return Invalid(pi, std::string("want a string, not ") + TypeName(v[i]));
    const std::string s = v[i].get<std::string>();
    const uint8_t bit = AccessBitOf(s);
    if (bit == 0) return Invalid(pi, "unknown access '" + s + "' (want read, write, create or connect)");
    access |= bit;
  }
  return access;
}

Result<model::ItemStats> GetStats(const json& j, const std::string& path) {
  model::ItemStats st;
  ASSIGN_OR_RETURN(st.count, GetUnsigned(j, path, "count"));
  ASSIGN_OR_RETURN(st.first_seen_ns, GetTime(j, path, "first_seen"));
  ASSIGN_OR_RETURN(st.last_seen_ns, GetTime(j, path, "last_seen"));
  ASSIGN_OR_RETURN(uint64_t processes, GetUnsigned(j, path, "processes", UINT32_MAX));
  st.processes = static_cast<uint32_t>(processes);
  ASSIGN_OR_RETURN(st.access, GetAccess(j, path));
  ASSIGN_OR_RETURN(uint64_t nodes, GetUnsigned(j, path, "nodes", UINT32_MAX));
  st.nodes = static_cast<uint32_t>(nodes);
  return st;
}

Result<model::Generalization> GetGen(const json& j, const std::string& path) {
  model::Generalization g;
  ASSIGN_OR_RETURN(g.rule, GetString(j, path, "rule"));
  const json& ex = j.at("examples");
  if (!ex.is_array()) return Invalid(Sub(path, "examples"), "want a list of strings");
  if (ex.size() > model::Generalization::kMaxExamples) {
    return Invalid(Sub(path, "examples"),
                   "more than " + std::to_string(model::Generalization::kMaxExamples) + " examples");
  }
  for (const json& e : ex) {
    if (!e.is_string()) return Invalid(Sub(path, "examples"), "want a list of strings");
    g.examples.push_back(e.get<std::string>());
  }
  ASSIGN_OR_RETURN(uint64_t covered, GetUnsigned(j, path, "covered", UINT32_MAX));
  g.covered = static_cast<uint32_t>(covered);
  ASSIGN_OR_RETURN(g.stats, GetStats(j, path));
  return g;
}

Result<model::NetItem> GetNet(const json& j, const std::string& path) {
  model::NetItem n;
  ASSIGN_OR_RETURN(std::string dir, GetString(j, path, "direction"));
  bool known = false;
  for (auto d : {model::Direction::kOutbound, model::Direction::kInbound,
                 model::Direction::kListen, model::Direction::kDns}) {
    if (dir == model::DirectionName(d)) {
      n.direction = d;
      known = true;
    }
  }
  if (!known) {
    return Invalid(Sub(path, "direction"),
                   "unknown direction '" + dir + "' (want outbound, inbound, listen or dns)");
  }
  ASSIGN_OR_RETURN(std::string proto, GetString(j, path, "protocol"));
  bool proto_ok = false;
  for (int p = 0; p <= 255 && !proto_ok; ++p) {
    if (proto == ProtocolName(static_cast<uint8_t>(p))) {
      n.protocol = static_cast<uint8_t>(p);
      proto_ok = true;
    }
  }
  if (!proto_ok) {
    return Invalid(Sub(path, "protocol"), "unknown protocol '" + proto + "' (want tcp, udp or 0..255)");
  }
  ASSIGN_OR_RETURN(n.address, GetString(j, path, "address"));
  ASSIGN_OR_RETURN(uint64_t port, GetUnsigned(j, path, "port", UINT16_MAX));
  n.port = static_cast<uint16_t>(port);
  return n;
}

const json& List(const json& j, const char* key, Status* error) {
  const json& v = j.at(key);
  if (!v.is_array()) *error = Invalid(key, std::string("want a list, not ") + TypeName(v));
  return v;
}

std::string Index(const char* key, size_t i) { return std::string(key) + "[" + std::to_string(i) + "]"; }

Status GetNamed(const json& j, const char* key, const char* name_key,
                std::map<std::string, model::ItemStats>* out) {
  Status error;
  const json& list = List(j, key, &error);
  RETURN_IF_ERROR(error);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string path = Index(key, i);
    RETURN_IF_ERROR(ExactKeys(list[i], path,
                              {name_key, "count", "first_seen", "last_seen", "processes", "access", "nodes"}));
    ASSIGN_OR_RETURN(std::string name, GetString(list[i], path, name_key));
    ASSIGN_OR_RETURN(model::ItemStats st, GetStats(list[i], path));
    if (!out->emplace(name, st).second) return Invalid(path, "duplicate " + std::string(name_key) + " '" + name + "'");
  }
  return Status::Ok();
}

Result<model::Fingerprint> Parse(const json& j) {
  if (!j.is_object()) return Invalid("top level", std::string("want an object, not ") + TypeName(j));
  // The schema first: a newer one is a version error, not a list of unknown fields.
  if (!j.contains("schema") || !j["schema"].is_string()) {
    return Invalid("schema", std::string("missing; want \"") + kFingerprintSchema + "\"");
  }
  const std::string schema = j["schema"].get<std::string>();
  if (schema != kFingerprintSchema) {
    const std::string prefix = kSchemaPrefix;
    if (schema.rfind(prefix, 0) == 0) {
      return Status(ErrorCode::kVersion, "fingerprint JSON: schema '" + schema +
                                             "' is newer than this driftwatch reads (" +
                                             kFingerprintSchema + ")");
    }
    return Invalid("schema", "'" + schema + "' is not " + kFingerprintSchema);
  }
  if (j.contains("format_version")) {
    ASSIGN_OR_RETURN(uint64_t fv, GetUnsigned(j, "", "format_version", UINT32_MAX));
    if (fv > model::kFingerprintFormatVersion) {
      return Status(ErrorCode::kVersion,
                    "fingerprint JSON: format_version " + std::to_string(fv) +
                        " is newer than this driftwatch reads (" +
                        std::to_string(model::kFingerprintFormatVersion) + ")");
    }
    if (fv == 0) return Invalid("format_version", "0 is not a version");
  }
  RETURN_IF_ERROR(ExactKeys(j, "top level",
                            {"schema", "workload", "format_version", "node", "training", "executables",
                             "lineage", "files", "file_patterns", "network", "network_patterns",
                             "dns_names", "syscall_arch", "syscalls", "rates"},
                            /*allow_source=*/true, /*optional=*/{"syscall_watch", "lineage_by_executable"}));
  // syscall_watch came with format version 4: older exports lack it (and
  // one re-exported by this driftwatch, keeping its version, has it).
  const bool has_watch = j.contains("syscall_watch");
  if (!has_watch && j.contains("format_version") && j["format_version"].is_number_unsigned() &&
      j["format_version"].get<uint64_t>() >= 4) {
    return Invalid("top level", "missing field 'syscall_watch'");
  }
  model::Fingerprint fp;
  ASSIGN_OR_RETURN(fp.workload, GetString(j, "", "workload"));
  ASSIGN_OR_RETURN(uint64_t fv, GetUnsigned(j, "", "format_version", UINT32_MAX));
  fp.format_version = static_cast<uint32_t>(fv);
  ASSIGN_OR_RETURN(fp.node, GetString(j, "", "node"));
  ASSIGN_OR_RETURN(fp.syscall_arch, GetString(j, "", "syscall_arch"));
  if (has_watch) {
    ASSIGN_OR_RETURN(std::string watch, GetString(j, "", "syscall_watch"));
    std::optional<model::SyscallWatch> w = collector::ParseSyscallWatch(watch);
    if (!w) return Invalid("syscall_watch", "'" + watch + "' is not all, sentinels or none");
    fp.syscall_watch = *w;
  }
  fp.lineage_by_exe = fp.format_version < 6;
  if (j.contains("lineage_by_executable")) {
    if (!j["lineage_by_executable"].is_boolean()) return Invalid("lineage_by_executable", "not true or false");
    fp.lineage_by_exe = j["lineage_by_executable"].get<bool>() || fp.format_version < 6;
  }

  const json& t = j["training"];
  RETURN_IF_ERROR(ExactKeys(t, "training",
                            {"events", "first_event", "last_event", "dropped_events", "sessions"}));
  ASSIGN_OR_RETURN(fp.training.events, GetUnsigned(t, "training", "events"));
  ASSIGN_OR_RETURN(fp.training.first_event_ns, GetTime(t, "training", "first_event"));
  ASSIGN_OR_RETURN(fp.training.last_event_ns, GetTime(t, "training", "last_event"));
  ASSIGN_OR_RETURN(fp.training.dropped_events, GetUnsigned(t, "training", "dropped_events"));
  ASSIGN_OR_RETURN(uint64_t sessions, GetUnsigned(t, "training", "sessions", UINT32_MAX));
  fp.training.sessions = static_cast<uint32_t>(sessions);

  RETURN_IF_ERROR(GetNamed(j, "executables", "path", &fp.executables));
  RETURN_IF_ERROR(GetNamed(j, "lineage", "edge", &fp.lineage));
  RETURN_IF_ERROR(GetNamed(j, "files", "path", &fp.files));
  RETURN_IF_ERROR(GetNamed(j, "dns_names", "name", &fp.dns_names));
  RETURN_IF_ERROR(GetNamed(j, "syscalls", "name", &fp.syscalls));

  Status error;
  const json& fpat = List(j, "file_patterns", &error);
  RETURN_IF_ERROR(error);
  for (size_t i = 0; i < fpat.size(); ++i) {
    std::string path = Index("file_patterns", i);
    RETURN_IF_ERROR(ExactKeys(fpat[i], path,
                              {"pattern", "rule", "examples", "covered", "count", "first_seen",
                               "last_seen", "processes", "access", "nodes"}));
    ASSIGN_OR_RETURN(std::string pattern, GetString(fpat[i], path, "pattern"));
    ASSIGN_OR_RETURN(model::Generalization g, GetGen(fpat[i], path));
    if (!fp.file_patterns.emplace(pattern, std::move(g)).second) {
      return Invalid(path, "duplicate pattern '" + pattern + "'");
    }
  }
  const json& net = List(j, "network", &error);
  RETURN_IF_ERROR(error);
  for (size_t i = 0; i < net.size(); ++i) {
    std::string path = Index("network", i);
    RETURN_IF_ERROR(ExactKeys(net[i], path,
                              {"direction", "protocol", "address", "port", "count", "first_seen",
                               "last_seen", "processes", "access", "nodes"}));
    ASSIGN_OR_RETURN(model::NetItem n, GetNet(net[i], path));
    ASSIGN_OR_RETURN(model::ItemStats st, GetStats(net[i], path));
    if (!fp.network.emplace(n, st).second) return Invalid(path, "duplicate " + n.ToString());
  }
  const json& npat = List(j, "network_patterns", &error);
  RETURN_IF_ERROR(error);
  for (size_t i = 0; i < npat.size(); ++i) {
    std::string path = Index("network_patterns", i);
    RETURN_IF_ERROR(ExactKeys(npat[i], path,
                              {"direction", "protocol", "address", "port", "rule", "examples",
                               "covered", "count", "first_seen", "last_seen", "processes",
                               "access", "nodes"}));
    ASSIGN_OR_RETURN(model::NetItem n, GetNet(npat[i], path));
    ASSIGN_OR_RETURN(model::Generalization g, GetGen(npat[i], path));
    if (!fp.net_patterns.emplace(n, std::move(g)).second) {
      return Invalid(path, "duplicate " + n.ToString());
    }
  }

  const json& r = j["rates"];
  RETURN_IF_ERROR(ExactKeys(r, "rates", {"bucket_ns", "bucket_seconds", "buckets", "mean", "m2", "max"}));
  ASSIGN_OR_RETURN(fp.rates.bucket_ns, GetSigned(r, "rates", "bucket_ns"));
  if (!r["bucket_seconds"].is_number()) return Invalid("rates.bucket_seconds", "want a number");
  ASSIGN_OR_RETURN(fp.rates.buckets, GetUnsigned(r, "rates", "buckets"));
  ASSIGN_OR_RETURN(fp.rates.mean, GetDoubles(r, "rates", "mean", model::kRateDims));
  ASSIGN_OR_RETURN(fp.rates.m2, GetDoubles(r, "rates", "m2", model::kRateDims * model::kRateDims));
  ASSIGN_OR_RETURN(fp.rates.max, GetDoubles(r, "rates", "max", model::kRateDims));
  return fp;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

Result<int64_t> ParseRfc3339(std::string_view s) {
  // 0123456789012345678901234567890
  // 2023-11-14T22:13:20.123456789Z
  const Status bad(ErrorCode::kInvalidArgument,
                   "'" + std::string(s.substr(0, 40)) + "' is not a time like 2023-11-14T22:13:20.123456789Z");
  if (s.size() != 30) return bad;
  auto digits = [&](size_t at, size_t n, int64_t* out) {
    *out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      *out = *out * 10 + (s[i] - '0');
    }
    return true;
  };
  int64_t y, mo, d, h, mi, sec, frac;
  if (!digits(0, 4, &y) || s[4] != '-' || !digits(5, 2, &mo) || s[7] != '-' || !digits(8, 2, &d) ||
      s[10] != 'T' || !digits(11, 2, &h) || s[13] != ':' || !digits(14, 2, &mi) || s[16] != ':' ||
      !digits(17, 2, &sec) || s[19] != '.' || !digits(20, 9, &frac) || s[29] != 'Z') {
    return bad;
  }
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kMonthDays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
      h > 23 || mi > 59 || sec > 59) {
    return bad;
  }
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  if (secs < 0 && frac > 0) {  // so that INT64_MIN, the floor second plus a fraction, fits
    secs += 1;
    frac -= 1'000'000'000;
  }
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, int64_t{1'000'000'000}, &ns) ||
      __builtin_add_overflow(ns, frac, &ns)) {
    return Status(ErrorCode::kInvalidArgument, "'" + std::string(s) + "' is out of range");
  }
  return ns;
}

std::string Rfc3339(int64_t unix_ns) {
  time_t secs = static_cast<time_t>(unix_ns / 1000000000);
  long nanos = static_cast<long>(unix_ns % 1000000000);
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
  return buf;
}

std::string FingerprintJson(const model::Fingerprint& fp) {
  ojson j;
  j["schema"] = kFingerprintSchema;
  j["workload"] = fp.workload;
  j["format_version"] = fp.format_version;
  j["node"] = fp.node;
  const auto& t = fp.training;
  j["training"] = {{"events", t.events},
                   {"first_event", Rfc3339(t.first_event_ns)},
                   {"last_event", Rfc3339(t.last_event_ns)},
                   {"dropped_events", t.dropped_events},
                   {"sessions", t.sessions}};
  j["executables"] = Named(fp.executables, "path");
  j["lineage"] = Named(fp.lineage, "edge");
  j["files"] = Named(fp.files, "path");
  ojson fpat = ojson::array();
  for (const auto& [pattern, g] : fp.file_patterns) {
    ojson x;
    x["pattern"] = pattern;
    PutGen(g, &x);
    fpat.push_back(std::move(x));
  }
  j["file_patterns"] = std::move(fpat);
  ojson net = ojson::array();
  for (const auto& [n, st] : fp.network) {
    ojson x = NetJson(n);
    PutStats(st, &x);
    net.push_back(std::move(x));
  }
  j["network"] = std::move(net);
  ojson npat = ojson::array();
  for (const auto& [n, g] : fp.net_patterns) {
    ojson x = NetJson(n);
    PutGen(g, &x);
    npat.push_back(std::move(x));
  }
  j["network_patterns"] = std::move(npat);
  j["dns_names"] = Named(fp.dns_names, "name");
  j["syscall_arch"] = fp.syscall_arch;
  j["syscall_watch"] = collector::SyscallWatchName(fp.syscall_watch);
  j["syscalls"] = Named(fp.syscalls, "name");
  if (fp.lineage_by_exe) j["lineage_by_executable"] = true;
  j["rates"] = {{"bucket_ns", fp.rates.bucket_ns},
                {"bucket_seconds", static_cast<double>(fp.rates.bucket_ns) / 1e9},
                {"buckets", fp.rates.buckets},
                {"mean", fp.rates.mean},
                {"m2", fp.rates.m2},
                {"max", fp.rates.max}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<model::Fingerprint> FingerprintFromJson(std::string_view text) {
  try {
    json j = json::parse(text.begin(), text.end());
    return Parse(j);
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 3: ..."
    std::string what = e.what();
    if (size_t close = what.find("] "); what.rfind("[json.exception.", 0) == 0 && close != std::string::npos) {
      what = what.substr(close + 2);
    }
    for (char& c : what) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return Status(ErrorCode::kInvalidArgument, "fingerprint JSON: " + what);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInvalidArgument, std::string("fingerprint JSON: ") + e.what());
  }
}

}  // namespace dw::store
