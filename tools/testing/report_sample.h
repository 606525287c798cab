// tools/testing/report_sample.h: a workload, its baseline and an incident for
// the report tests (tools/cli/report_test.cc, tools/cli/report_browser_test.cc).
#ifndef DRIFTWATCH_TOOLS_TESTING_REPORT_SAMPLE_H_
#define DRIFTWATCH_TOOLS_TESTING_REPORT_SAMPLE_H_

#include <vector>

#include "model/fingerprint.h"

namespace dw::tools::testing {

inline constexpr int64_t kReportT0 = 1795435200000000000;  // 2026-11-23T12:00:00Z
// A file path an attacker chose: must render as text, never as markup.
inline constexpr char kHostilePath[] = "/tmp/<script>document.title='pwned'</script>.sh";

inline model::Fingerprint ReportFingerprint() {
  model::Fingerprint fp;
  fp.workload = "shop/web";
  fp.node = "node-1";
  model::ItemStats st{.count = 40, .first_seen_ns = kReportT0 - 3600'000'000'000, .last_seen_ns = kReportT0,
                      .processes = 4, .access = kAccessRead, .nodes = 1};
  fp.executables["/usr/sbin/nginx"] = st;
  fp.executables["/bin/sh"] = st;
  fp.lineage["/usr/bin/tini -> /usr/sbin/nginx"] = st;
  fp.files["/etc/nginx/nginx.conf"] = st;
  model::ItemStats w = st;
  w.access = kAccessWrite | kAccessCreate;
  fp.files["/var/log/nginx/access.log"] = w;
  fp.file_patterns["/var/cache/nginx/*"] = {"9 distinct children under /var/cache/nginx (threshold 8)",
                                            {"/var/cache/nginx/a1", "/var/cache/nginx/b2"}, 9, st};
  fp.network[{model::Direction::kListen, 6, "0.0.0.0", 8080}] = st;
  fp.network[{model::Direction::kOutbound, 6, "10.0.0.7", 5432}] = st;
  fp.dns_names["db.shop.svc.cluster.local"] = st;
  fp.rates.buckets = 360;
  fp.rates.mean = {0.5, 0.4, 2.1, 1.2, 1.8, 0.9, 0.3, 0.7};
  fp.rates.max = {1.1, 1.0, 3.2, 2.0, 2.6, 1.7, 0.8, 1.3};
  fp.rates.m2.assign(model::kRateDims * model::kRateDims, 0.0);
  fp.training = {.events = 5000, .first_event_ns = kReportT0 - 3600'000'000'000, .last_event_ns = kReportT0,
                 .dropped_events = 0, .sessions = 1};
  return fp;
}

// One incident: nginx -> sh -> {curl (network), hostile script (exec)}, and
// one rate finding outside it.
inline std::vector<model::Finding> ReportFindings() {
  auto make = [](int64_t dt_s, model::FindingKind kind, std::string subject, model::Severity sev,
                 ProcessContext p, int64_t incident) {
    model::Finding f;
    f.time_ns = kReportT0 + dt_s * 1'000'000'000;
    f.workload = "shop/web";
    f.kind = kind;
    f.subject = std::move(subject);
    f.reason = "never seen in training";
    f.severity = sev;
    f.score = sev == model::Severity::kCritical ? 0.97 : 0.7;
    f.process = std::move(p);
    f.incident = incident;
    return f;
  };
  ProcessContext sh{.pid = 301, .exe = "/bin/sh", .argv = {"sh", "-c", "x"}, .ppid = 300,
                    .parent_exe = "/usr/sbin/nginx", .ancestry = {"/usr/sbin/nginx", "/usr/bin/tini"}};
  ProcessContext curl{.pid = 302, .exe = "/usr/bin/curl", .argv = {"curl"}, .ppid = 301, .parent_exe = "/bin/sh",
                      .ancestry = {"/bin/sh", "/usr/sbin/nginx", "/usr/bin/tini"}};
  ProcessContext hostile{.pid = 303, .exe = kHostilePath, .argv = {kHostilePath}, .ppid = 301,
                         .parent_exe = "/bin/sh", .ancestry = {"/bin/sh", "/usr/sbin/nginx", "/usr/bin/tini"}};
  // Where they ran: a pod's container, as the runtime named it.
  RuntimeContextRef pod(RuntimeContext{.node = "node-1", .runtime = "containerd", .container_id = std::string(64, 'e'),
                                       .container_name = "nginx", .image = "docker.io/library/nginx:1.25",
                                       .image_repository = "docker.io/library/nginx", .image_tag = "1.25",
                                       .pod_namespace = "shop", .pod_name = "web-5f6d7c8b9-x2x4k", .pod_uid = "u-1",
                                       .pod_owner = "web", .pod_labels = {{"app", "web"}}});
  for (ProcessContext* p : {&sh, &curl, &hostile}) p->runtime = pod;
  ProcessContext nginx{.pid = 300, .exe = "/usr/sbin/nginx", .argv = {"nginx"}, .ppid = 1,
                       .parent_exe = "/usr/bin/tini", .ancestry = {"/usr/bin/tini"}};
  return {make(10, model::FindingKind::kExec, "/bin/sh", model::Severity::kHigh, sh, 1),
          make(11, model::FindingKind::kNetwork, "203.0.113.9:4444", model::Severity::kCritical, curl, 1),
          make(12, model::FindingKind::kExec, kHostilePath, model::Severity::kHigh, hostile, 1),
          make(13, model::FindingKind::kFile, "/etc/shadow", model::Severity::kMedium, hostile, 1),
          make(40, model::FindingKind::kRate, "writes", model::Severity::kLow, nginx, 0),
          make(90, model::FindingKind::kRate, "execs", model::Severity::kMedium, nginx, 0)};
}

}  // namespace dw::tools::testing

#endif  // DRIFTWATCH_TOOLS_TESTING_REPORT_SAMPLE_H_
