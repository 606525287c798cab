// tools/agent/config.h: the agent's configuration file (YAML).
//
// Every key, its default and its meaning (the README repeats this table):
//
//   database: /var/lib/driftwatch/driftwatch.db   # SQLite file (created)
//   mode: auto             # learn: learn, never alert (staging)
//                          # detect: only alert (production)
//                          # auto: learn new workloads, monitor stable ones
//   cgroups: []            # watched cgroup v2 subtrees; empty = the whole host
//   hostname: ""           # reported with findings; "" = the machine's
//   syscalls: false        # learn each workload's syscalls (and flag new ones
//                          # against baselines that learned them). A hook on
//                          # every syscall of the host: turn on for training
//                          # (mode learn/auto), off in production (README)
//   verdict_cache: true    # known file reads, connects and accepts of monitored
//                          # workloads are answered in the kernel, not sent up
//                          # (README: Performance); restart to change
//   packages: true         # a new program installed by the package of one the
//                          # workload runs is its suite (low), from the dpkg
//                          # database its container sees (README: Severity)
//   learning:
//     min_duration: 10m    # a baseline is never stable before this
//     quiet_period: 5m     # stable once no new item appeared for this long
//     max_duration: 24h    # monitoring starts after this even if not stable
//     checkpoint: 30s      # save fingerprints this often (one transaction each)
//   detect:
//     unprofiled: learn    # mode detect, workload without a baseline: learn | ignore
//   api:
//     listen: 127.0.0.1:9870  # TCP address of the HTTP API; "" = none
//     unix_socket: ""      # a Unix socket path instead of / besides TCP
//     token_file: ""       # file holding a bearer token required by the API
//     allow_unauthenticated_writes: false  # without a token, TCP clients may
//                          # relearn and accept too (else only the Unix socket)
//   outputs:
//     stdout: false        # findings as JSON lines on stdout
//     jsonl_file: ""       # findings as JSON lines to this file ...
//     jsonl_max_bytes: 100MiB  # ... rotated past this size
//     jsonl_keep: 5        # ... keeping this many rotated files
//     webhook_url: ""      # POST each finding here (http[s]://host[:port]/path);
//                          # https trusts the system's CAs and webhook_ca_file
//     webhook_format: driftwatch  # driftwatch | falco (Falcosidekick's input)
//     webhook_ca_file: ""  # a PEM file of CAs to trust besides the system's
//     webhook_auth_header_file: ""  # a file holding the Authorization header's
//                          # value ("Bearer ..."), read at start
//     webhook_auth_header_env: ""   # or the environment variable holding it
//                          # The 4xx policy (tools/agent/webhook.h): 408, 429,
//                          # 5xx and network errors are retried with back-off;
//                          # any other answer drops the finding after 3 in a
//                          # row (driftwatch_webhook_dropped_total, and a
//                          # warning naming the finding and the status).
//   identity:
//     rules:               # cgroup path patterns to workload names, first match wins
//       - pattern: "batch/*/worker-*"
//         name: "batch/$1"
//   exceptions: []         # expected findings: stored and counted, not delivered.
//                          # A path to an exceptions file (relative to this
//                          # config's directory) or the entries inline; the
//                          # entries' format is in tools/exceptions.h. Reloaded
//                          # on SIGHUP.
//
// Durations: 500ms, 30s, 5m, 2h, 1d (a bare number is seconds). Sizes: bytes,
// or with KiB, MiB, GiB. An unknown key or a bad value is an error that names
// the file, the line and the key.
#ifndef DRIFTWATCH_TOOLS_AGENT_CONFIG_H_
#define DRIFTWATCH_TOOLS_AGENT_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/status.h"
#include "tools/exceptions.h"

namespace dw::tools::agent {

enum class Mode { kLearn, kDetect, kAuto };
const char* ModeName(Mode m);  // "learn", "detect", "auto"

struct IdentityRule {
  std::string pattern;
  std::string name;
  bool operator==(const IdentityRule&) const = default;
};

struct AgentConfig {
  std::string database = "/var/lib/driftwatch/driftwatch.db";
  Mode mode = Mode::kAuto;
  std::vector<std::string> cgroups;
  std::string hostname;
  bool syscalls = false;  // BpfOptions::syscalls
  bool verdict_cache = true;  // BpfOptions::verdict_cache
  bool packages = true;  // tools/packages.h, for the detector
  struct Learning {
    std::chrono::milliseconds min_duration{std::chrono::minutes(10)};
    std::chrono::milliseconds quiet_period{std::chrono::minutes(5)};
    std::chrono::milliseconds max_duration{std::chrono::hours(24)};
    std::chrono::milliseconds checkpoint{std::chrono::seconds(30)};
    bool operator==(const Learning&) const = default;
  } learning;
  bool learn_unprofiled = true;  // detect.unprofiled
  struct Api {
    std::string listen = "127.0.0.1:9870";
    std::string unix_socket;
    std::string token_file;
    bool allow_unauthenticated_writes = false;
    bool operator==(const Api&) const = default;
  } api;
  struct Outputs {
    bool stdout_jsonl = false;
    std::string jsonl_file;
    uint64_t jsonl_max_bytes = 100ull << 20;
    int jsonl_keep = 5;
    std::string webhook_url;
    std::string webhook_format = "driftwatch";
    std::string webhook_ca_file;
    std::string webhook_auth_header_file;
    std::string webhook_auth_header_env;
    bool operator==(const Outputs&) const = default;
  } outputs;
  std::vector<IdentityRule> identity_rules;
  Exceptions exceptions;  // from the file `exceptions:` names, or inline
  bool operator==(const AgentConfig&) const = default;
};

// Parses YAML `text`; `source` names it in errors ("config /etc/dw.yaml line 7:
// unknown key 'learnin'"). An empty document gives the defaults.
Result<AgentConfig> ParseConfig(const std::string& text, const std::string& source);
// Reads and parses a file; kNotFound / kPermissionDenied name it.
Result<AgentConfig> LoadConfig(const std::string& path);

// "30s" -> 30000 ms. kInvalidArgument for anything else.
Result<std::chrono::milliseconds> ParseDuration(const std::string& s);
// "100MiB" -> 104857600.
Result<uint64_t> ParseSize(const std::string& s);

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_CONFIG_H_
