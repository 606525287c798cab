// tools/cli/report.cc: the HTML report. Built as one string; every value from the
// database goes through HtmlEscape (Esc) on its way in.
#include "tools/cli/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <utility>

namespace dw::tools {
namespace {

std::string Esc(std::string_view s) { return HtmlEscape(s); }

std::string Num(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// "2026-11-23 12:00:00" (UTC).
std::string When(int64_t ns) {
  if (ns == 0) return "-";
  std::string t = store::Rfc3339(ns);
  return t.substr(0, 10) + " " + t.substr(11, 8);
}

std::string Access(uint8_t a) {
  std::string s;
  if (a & kAccessRead) s += "r";
  if (a & kAccessWrite) s += "w";
  if (a & kAccessCreate) s += "c";
  return s.empty() ? "-" : s;
}

const char* SeverityClass(model::Severity s) {
  switch (s) {
    case model::Severity::kCritical:
      return "sev-critical";
    case model::Severity::kHigh:
      return "sev-high";
    case model::Severity::kMedium:
      return "sev-medium";
    default:
      return "sev-low";
  }
}

const char* SeverityColour(model::Severity s) {
  switch (s) {
    case model::Severity::kCritical:
      return "#b30021";
    case model::Severity::kHigh:
      return "#e5542c";
    case model::Severity::kMedium:
      return "#e9a800";
    default:
      return "#4b8bbe";
  }
}

constexpr char kStyle[] = R"css(
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f4f6f9;color:#1d2330}
header{background:#17324d;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;color:#c9d6e3}
main{padding:18px 28px}
section.workload{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;margin:0 0 22px;padding:16px 20px}
h2{margin:0 0 6px;font-size:19px} h3{font-size:15px;margin:16px 0 6px;color:#17324d}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;color:#fff;background:#5a6b7d}
.badge.stable{background:#2e8b57} .badge.learning{background:#c77c00} .badge.locked,.badge.monitoring{background:#3065a8}
.meter{display:inline-block;width:160px;height:10px;background:#e3e8ef;border-radius:5px;vertical-align:middle}
.meter span{display:block;height:10px;border-radius:5px;background:#2e8b57}
table{border-collapse:collapse;width:100%;margin:4px 0 8px;font-size:13px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e6eaf0;vertical-align:top}
th{background:#eef2f7;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12.5px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.evidence{color:#5a6b7d;font-size:12px}
.empty{color:#8795a6;font-style:italic}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:22px;position:relative}
ul.tree{padding-left:4px}
ul.tree li{position:relative;padding:3px 0 3px 14px}
ul.tree li::before{content:"";position:absolute;left:0;top:0;bottom:0;border-left:2px solid #c3ccd8}
ul.tree li:last-child::before{bottom:auto;height:14px}
ul.tree li::after{content:"";position:absolute;left:0;top:14px;width:12px;border-top:2px solid #c3ccd8}
.proc{display:inline-block;background:#eef2f7;border:1px solid #c3ccd8;border-radius:5px;padding:1px 8px}
.item{display:inline-block;margin:2px 4px 2px 0;border-radius:5px;padding:1px 8px;color:#fff;font-size:12.5px}
.sev-critical{background:#b30021} .sev-high{background:#e5542c} .sev-medium{background:#e9a800;color:#222} .sev-low{background:#4b8bbe}
.incident{border-left:4px solid #17324d;padding:2px 0 6px 12px;margin:10px 0}
.note{color:#5a6b7d;font-size:12px} .where{color:#33475b;font-size:12.5px;margin:2px 0 4px}
svg text{font:11px system-ui,sans-serif;fill:#333}
)css";

template <typename Map, typename KeyFn>
void ItemRows(std::ostringstream& out, const Map& items, KeyFn key, bool with_access) {
  if (items.empty()) {
    out << "<p class=\"empty\">none learned</p>";
    return;
  }
  out << "<table><tr><th>item</th>" << (with_access ? "<th>access</th>" : "")
      << "<th>count</th><th>processes</th><th>first seen</th><th>last seen</th></tr>";
  for (const auto& [k, st] : items) {
    out << "<tr><td><code>" << Esc(key(k)) << "</code></td>";
    if (with_access) out << "<td>" << Access(st.access) << "</td>";
    out << "<td class=\"n\">" << st.count << "</td><td class=\"n\">" << st.processes << "</td><td>"
        << When(st.first_seen_ns) << "</td><td>" << When(st.last_seen_ns) << "</td></tr>";
  }
  out << "</table>";
}

template <typename Map, typename KeyFn>
void PatternRows(std::ostringstream& out, const Map& patterns, KeyFn key) {
  if (patterns.empty()) return;
  out << "<table><tr><th>pattern</th><th>why (rule)</th><th>evidence: items it replaced</th><th>count</th></tr>";
  for (const auto& [k, g] : patterns) {
    out << "<tr><td><code>" << Esc(key(k)) << "</code></td><td>" << Esc(g.rule) << "</td><td class=\"evidence\">"
        << g.covered << " items, e.g. ";
    for (size_t i = 0; i < g.examples.size(); ++i) out << (i ? ", " : "") << "<code>" << Esc(g.examples[i]) << "</code>";
    out << "</td><td class=\"n\">" << g.stats.count << "</td></tr>";
  }
  out << "</table>";
}

constexpr const char* kRateNames[model::kRateDims] = {
    "execs", "forks", "opens", "writes", "distinct paths", "connects+accepts", "distinct peers",
    "distinct written paths"};

// Bars of the learned mean and max per rate dimension, and the rate findings
// over time as points (score against time).
void RateChart(std::ostringstream& out, const model::RateBaseline& rates,
               const std::vector<const model::Finding*>& rate_findings) {
  out << "<h3>Rates</h3>";
  if (rates.buckets == 0 || rates.mean.size() < model::kRateDims || rates.max.size() < model::kRateDims) {
    out << "<p class=\"empty\">no rate baseline learned</p>";
  } else {
    double top = 0;
    for (size_t d = 0; d < model::kRateDims; ++d) top = std::max({top, rates.mean[d], rates.max[d]});
    if (top <= 0) top = 1;
    const int w = 560, row = 22, left = 150, bar = 320;
    out << "<svg class=\"rates\" role=\"img\" width=\"" << w << "\" height=\"" << (model::kRateDims * row + 28)
        << "\" viewBox=\"0 0 " << w << " " << (model::kRateDims * row + 28) << "\">";
    for (size_t d = 0; d < model::kRateDims; ++d) {
      int y = static_cast<int>(d) * row + 4;
      double mw = rates.mean[d] / top * bar, xw = rates.max[d] / top * bar;
      out << "<text x=\"0\" y=\"" << y + 13 << "\">" << kRateNames[d] << "</text>"
          << "<rect x=\"" << left << "\" y=\"" << y + 2 << "\" width=\"" << Num(xw, 1)
          << "\" height=\"14\" fill=\"#c9d9ec\"/>"
          << "<rect x=\"" << left << "\" y=\"" << y + 5 << "\" width=\"" << Num(mw, 1)
          << "\" height=\"8\" fill=\"#17324d\"/>"
          << "<text x=\"" << left + static_cast<int>(xw) + 6 << "\" y=\"" << y + 13 << "\">" << Num(rates.mean[d], 2)
          << " / " << Num(rates.max[d], 2) << "</text>";
    }
    out << "<text x=\"" << left << "\" y=\"" << model::kRateDims * row + 22
        << "\">dark: mean, light: max per " << rates.bucket_ns / 1000000000 << " s bucket (log-scaled), over "
        << rates.buckets << " buckets</text></svg>";
  }
  if (!rate_findings.empty()) {
    int64_t t0 = rate_findings.front()->time_ns, t1 = t0;
    for (const auto* f : rate_findings) {
      t0 = std::min(t0, f->time_ns);
      t1 = std::max(t1, f->time_ns);
    }
    const int w = 560, h = 140, left = 34, plot_w = 500, plot_h = 100;
    out << "<svg class=\"rate-findings\" role=\"img\" width=\"" << w << "\" height=\"" << h << "\" viewBox=\"0 0 "
        << w << " " << h << "\"><rect x=\"" << left << "\" y=\"10\" width=\"" << plot_w << "\" height=\"" << plot_h
        << "\" fill=\"#f7f9fc\" stroke=\"#c3ccd8\"/>";
    std::string path;
    for (const auto* f : rate_findings) {
      double x = left + (t1 > t0 ? static_cast<double>(f->time_ns - t0) / static_cast<double>(t1 - t0) : 0.5) * plot_w;
      double y = 10 + (1.0 - std::clamp(f->score, 0.0, 1.0)) * plot_h;
      path += (path.empty() ? "M" : " L") + Num(x, 1) + " " + Num(y, 1);
      out << "<circle cx=\"" << Num(x, 1) << "\" cy=\"" << Num(y, 1) << "\" r=\"4\" fill=\""
          << SeverityColour(f->severity) << "\"><title>" << Esc(When(f->time_ns)) << " " << Esc(f->subject)
          << "</title></circle>";
    }
    out << "<path d=\"" << path << "\" fill=\"none\" stroke=\"#17324d\" stroke-width=\"1\" opacity=\"0.5\"/>"
        << "<text x=\"0\" y=\"16\">1.0</text><text x=\"0\" y=\"110\">0.0</text>"
        << "<text x=\"" << left << "\" y=\"128\">" << Esc(When(t0)) << "</text><text x=\"" << left + plot_w - 110
        << "\" y=\"128\">" << Esc(When(t1)) << "</text></svg>";
  }
  out << "<p class=\"note\">The database keeps each rate baseline's summary, not its per-bucket history: "
         "the bars are the learned summary, the points are the rate findings (score over time).</p>";
}

// One node of an incident's process tree.
struct TreeNode {
  std::string exe;
  uint32_t pid = 0;  // 0 when only the exe is known (an ancestor)
  std::vector<const model::Finding*> items;
  std::vector<TreeNode> children;  // in first-seen order

  // The child running `exe`: an ancestor known only by its exe (pid 0) is the
  // same node as that exe with a pid, so chains of different depth meet.
  TreeNode* Child(const std::string& exe, uint32_t pid) {
    for (TreeNode& c : children) {
      if (c.exe == exe && (c.pid == pid || c.pid == 0 || pid == 0)) {
        if (c.pid == 0) c.pid = pid;
        return &c;
      }
    }
    children.push_back(TreeNode{exe, pid, {}, {}});
    return &children.back();
  }
};

void RenderTree(std::ostringstream& out, const TreeNode& n) {
  out << "<li><span class=\"proc\" data-pid=\"" << n.pid << "\"><code>" << Esc(n.exe.empty() ? "?" : n.exe)
      << "</code>" << (n.pid ? " <small>pid " + std::to_string(n.pid) + "</small>" : "") << "</span>";
  for (const auto* f : n.items) {
    out << " <span class=\"item " << SeverityClass(f->severity) << "\" title=\"" << Esc(f->reason) << "\">"
        << Esc(model::FindingKindName(f->kind)) << " <code>" << Esc(f->subject) << "</code></span>";
  }
  if (!n.children.empty()) {
    out << "<ul>";
    for (const TreeNode& c : n.children) RenderTree(out, c);
    out << "</ul>";
  }
  out << "</li>";
}

// Where a finding's process ran: "node n1 · podman container web (image) · pod ns/name".
std::string Where(const RuntimeContext& c) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " &middot; ") + part; };
  if (!c.node.empty()) add("node " + Esc(c.node));
  if (!c.container_id.empty()) {
    add((c.runtime.empty() ? "" : Esc(c.runtime) + " ") + "container <b>" +
        Esc(c.container_name.empty() ? c.container_id.substr(0, 12) : c.container_name) + "</b>" +
        (c.image.empty() ? "" : " image <code>" + Esc(c.image) + "</code>"));
  }
  if (!c.pod_name.empty()) {
    std::string labels;
    for (const auto& [k, v] : c.pod_labels) labels += " " + Esc(k) + "=" + Esc(v);
    add("pod <b>" + Esc(c.pod_namespace) + "/" + Esc(c.pod_name) + "</b>" + labels);
  }
  return out;
}

void Incidents(std::ostringstream& out, const std::vector<const model::Finding*>& findings) {
  std::map<int64_t, std::vector<const model::Finding*>> by_incident;
  std::vector<const model::Finding*> loose;
  for (const auto* f : findings) {
    if (f->incident != 0) {
      by_incident[f->incident].push_back(f);
    } else {
      loose.push_back(f);
    }
  }
  out << "<h3>Incidents</h3>";
  if (by_incident.empty()) out << "<p class=\"empty\">no incidents</p>";
  for (const auto& [id, fs] : by_incident) {
    model::Severity worst = model::Severity::kLow;
    for (const auto* f : fs) worst = std::max(worst, f->severity);
    out << "<div class=\"incident\" id=\"incident-" << id << "\"><b>incident " << id << "</b> <span class=\"item "
        << SeverityClass(worst) << "\">" << model::SeverityName(worst) << "</span> " << fs.size()
        << " findings from " << Esc(When(fs.front()->time_ns));
    if (std::string where = Where(*fs.front()->process.runtime); !where.empty()) {
      out << "<div class=\"where\">" << where << "</div>";
    }
    out << "<ul class=\"tree\">";
    // The tree follows each finding's ancestry (root first) down to its process.
    TreeNode root;
    for (const auto* f : fs) {
      TreeNode* at = &root;
      const auto& anc = f->process.ancestry;
      for (size_t i = anc.size(); i-- > 0;) {
        uint32_t pid = i == 0 ? f->process.ppid : 0;
        at = at->Child(anc[i], pid);
      }
      if (anc.empty() && !f->process.parent_exe.empty()) {
        at = at->Child(f->process.parent_exe, f->process.ppid);
      }
      at = at->Child(f->process.exe, f->process.pid);
      at->items.push_back(f);
    }
    for (const TreeNode& c : root.children) RenderTree(out, c);
    out << "</ul></div>";
  }
  if (loose.empty()) return;
  out << "<h3>Findings outside any incident</h3><table><tr><th>first seen</th><th>severity</th><th>kind</th>"
         "<th>subject</th><th>process</th><th>count</th><th>where</th></tr>";
  for (const auto* f : loose) {
    out << "<tr><td>" << When(f->time_ns) << "</td><td><span class=\"item " << SeverityClass(f->severity) << "\">"
        << model::SeverityName(f->severity) << "</span></td><td>" << model::FindingKindName(f->kind)
        << "</td><td><code>" << Esc(f->subject) << "</code></td><td><code>" << Esc(f->process.exe) << "</code> "
        << f->process.pid << "</td><td class=\"n\">" << f->count << "</td><td>" << Where(*f->process.runtime)
        << "</td></tr>";
  }
  out << "</table>";
}

void Workload(std::ostringstream& out, const WorkloadView& v, const model::Fingerprint* fp,
              const std::vector<const model::Finding*>& findings) {
  const std::string state = v.State();
  std::string badge = state.substr(0, state.find(','));
  out << "<section class=\"workload\"><h2>" << Esc(v.info.name) << " <span class=\"badge " << Esc(badge) << "\">"
      << Esc(state) << "</span></h2>";
  out << "<p>coverage <span class=\"meter\"><span style=\"width:"
      << Num(std::clamp(v.learning.coverage, 0.0, 1.0) * 100, 1) << "%\"></span></span> "
      << Num(v.learning.coverage * 100, 1) << "% &middot; baseline version " << v.info.version << " &middot; "
      << v.info.events << " training events";
  if (v.info.dropped) out << " (" << v.info.dropped << " dropped: incomplete)";
  out << " &middot; seen " << When(v.info.first_seen_ns) << " to " << When(v.info.last_seen_ns);
  if (fp && !fp->node.empty()) out << " &middot; trained on " << Esc(fp->node);
  out << "</p>";
  if (!v.learning.types.empty()) {
    out << "<table><tr><th>type</th><th>items</th><th>new recently</th><th>last new</th><th>coverage</th></tr>";
    for (const auto& t : v.learning.types) {
      out << "<tr><td>" << Esc(t.type) << "</td><td class=\"n\">" << t.items << "</td><td class=\"n\">"
          << t.new_recent << "</td><td>" << When(t.last_new_ns) << "</td><td class=\"n\">"
          << Num(t.coverage * 100, 1) << "%</td></tr>";
    }
    out << "</table>";
  }
  if (fp == nullptr) {
    out << "<p class=\"empty\">no baseline stored</p>";
  } else {
    auto str = [](const std::string& s) { return s; };
    out << "<div class=\"grid\"><div><h3>Runs</h3>";
    ItemRows(out, fp->executables, str, false);
    if (!fp->lineage.empty()) {
      out << "<h3>Exec lineage</h3>";
      ItemRows(out, fp->lineage, str, false);
    }
    out << "</div><div><h3>Talks to and listens on</h3>";
    std::map<model::NetItem, model::ItemStats> talks, listens;
    for (const auto& [k, st] : fp->network) (k.direction == model::Direction::kListen ? listens : talks)[k] = st;
    auto net = [](const model::NetItem& n) { return n.ToString(); };
    ItemRows(out, talks, net, false);
    if (!listens.empty()) ItemRows(out, listens, net, false);
    PatternRows(out, fp->net_patterns, net);
    if (!fp->dns_names.empty()) {
      out << "<h3>DNS names</h3>";
      ItemRows(out, fp->dns_names, str, false);
    }
    out << "</div></div><h3>Reads and writes</h3>";
    PatternRows(out, fp->file_patterns, str);
    ItemRows(out, fp->files, str, true);
  }
  std::vector<const model::Finding*> rate_findings;
  for (const auto* f : findings) {
    if (f->kind == model::FindingKind::kRate) rate_findings.push_back(f);
  }
  RateChart(out, fp ? fp->rates : model::RateBaseline{}, rate_findings);
  Incidents(out, findings);
  out << "</section>";
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ReportHtml(const ReportData& data) {
  std::map<std::string, std::vector<const model::Finding*>> by_workload;
  for (const auto& f : data.findings) by_workload[f.workload].push_back(&f);
  for (auto& [w, fs] : by_workload) {
    std::stable_sort(fs.begin(), fs.end(), [](const auto* a, const auto* b) { return a->time_ns < b->time_ns; });
  }
  std::ostringstream out;
  out << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
         "<title>driftwatch report</title><style>"
      << kStyle << "</style></head><body><header><h1>driftwatch report</h1><p>" << data.workloads.size()
      << " workloads, " << data.findings.size() << " findings &middot; " << Esc(data.source) << " &middot; generated "
      << When(data.generated_ns) << " UTC</p></header><main>";
  if (data.workloads.empty()) out << "<p class=\"empty\">no workloads</p>";
  static const std::vector<const model::Finding*> kNone;
  for (const auto& v : data.workloads) {
    auto fp = data.fingerprints.find(v.info.name);
    auto fs = by_workload.find(v.info.name);
    Workload(out, v, fp == data.fingerprints.end() ? nullptr : &fp->second,
             fs == by_workload.end() ? kNone : fs->second);
  }
  out << "</main></body></html>\n";
  return out.str();
}

Result<ReportData> LoadReportData(store::Store& db, const std::optional<std::string>& workload,
                                  const model::ConvergenceOptions& convergence) {
  ReportData data;
  ASSIGN_OR_RETURN(auto workloads, db.ListWorkloads());
  ASSIGN_OR_RETURN(data.fingerprints, db.LoadFingerprints());
  bool found = false;
  for (auto& w : workloads) {
    if (workload && w.name != *workload) continue;
    found = true;
    WorkloadView v{std::move(w), {}};
    auto fp = data.fingerprints.find(v.info.name);
    if (fp != data.fingerprints.end()) v.learning = model::Assess(fp->second, convergence);
    data.workloads.push_back(std::move(v));
  }
  if (workload && !found) return Status(ErrorCode::kNotFound, "unknown workload " + *workload);
  ASSIGN_OR_RETURN(data.findings, db.ListFindings(workload));
  return data;
}

}  // namespace dw::tools
