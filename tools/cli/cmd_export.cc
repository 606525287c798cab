// tools/cli/cmd_export.cc: driftwatch export (its usage below).
#include "tools/cli/command.h"

#include <cstdio>
#include <spdlog/spdlog.h>

namespace dw::tools {
namespace {

// --peer ADDRESS=WORKLOAD...: the workloads behind peer addresses.
Result<ExportOptions> PeerFlags(const Args& args) {
  ExportOptions options;
  for (const std::string& p : args.All("--peer")) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      return Status(ErrorCode::kInvalidArgument, "--peer must be ADDRESS=WORKLOAD, not '" + p + "'");
    }
    options.peers[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return options;
}

// driftwatch export --db DB --workload NAME --format FORMAT [--out FILE] [--version N] [--force]
Status CmdExport(const Args& args) {
  ASSIGN_OR_RETURN(Exported e, BuildExport(args));
  if (auto out = args.Get("--out")) return WriteFileAtomically(*out, e.document);
  std::fwrite(e.document.data(), 1, e.document.size(), stdout);
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace

Result<Exported> BuildExport(const Args& args) {
  Exported out;
  ASSIGN_OR_RETURN(out.format, ParseExportFormat(args.Get("--format").value_or("")));
  ASSIGN_OR_RETURN(model::ConvergenceOptions convergence, ConvergenceFlags(args));
  ASSIGN_OR_RETURN(std::optional<int64_t> version, VersionFlag(args, "--version"));
  const std::string name = *args.Get("--workload");
  const std::string path = *args.Get("--db");
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
  ASSIGN_OR_RETURN(std::optional<model::Fingerprint> fp, db->LoadFingerprint(name, version));
  ASSIGN_OR_RETURN(std::optional<store::WorkloadInfo> info, db->GetWorkload(name));
  if (!info) {
    return Status(ErrorCode::kNotFound,
                  "unknown workload " + name + " in " + path + " (driftwatch workloads lists them)");
  }
  if (!fp) {
    if (info->version == 0) {
      return Status(ErrorCode::kNotFound,
                    "workload " + name + " has no fingerprint yet; run driftwatch train");
    }
    return Status(ErrorCode::kNotFound, "workload " + name + " has no fingerprint version " +
                                            std::to_string(*version) + " (versions 1 to " +
                                            std::to_string(info->version) + ")");
  }
  out.source.workload = name;
  out.source.version = version.value_or(info->version);
  out.source.db = path;
  ASSIGN_OR_RETURN(auto versions, db->ListVersions(name));
  for (const auto& v : versions) {
    if (v.version == out.source.version) out.source.created_ns = v.created_ns;
  }
  WorkloadView view{*info, model::Assess(*fp, convergence)};
  out.source.state = view.State();

  std::string why;
  if (fp->training.dropped_events > 0) {
    why = "was trained while the kernel dropped " + std::to_string(fp->training.dropped_events) +
          " events (the baseline may miss items)";
  } else if (!view.learning.stable && info->state != store::WorkloadState::kMonitoring && info->state != store::WorkloadState::kLocked) {
    why = "is still learning (" + view.learning.Describe(convergence) + ")";
  }
  if (!why.empty()) {
    const std::string what =
        "workload " + name + " fingerprint v" + std::to_string(out.source.version) + " " + why;
    if (!args.Has("--force")) {
      return Status(ErrorCode::kInvalidArgument,
                    what + "; train longer, or pass --force to export it anyway");
    }
    spdlog::warn("{}; exporting it anyway (--force)", what);
  }
  ASSIGN_OR_RETURN(ExportOptions options, PeerFlags(args));
  std::vector<std::string> notes;
  ASSIGN_OR_RETURN(out.document, Export(out.format, *fp, out.source, &notes, options));
  for (const auto& n : notes) spdlog::info("{} export: not expressed: {}", ExportFormatName(out.format), n);
  return out;
}

// export, check.
Status CheckExport(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(args.Required("--workload").status());
  ASSIGN_OR_RETURN(std::string format, args.Required("--format"));
  RETURN_IF_ERROR(ParseExportFormat(format).status());
  RETURN_IF_ERROR(VersionFlag(args, "--version").status());
  RETURN_IF_ERROR(PeerFlags(args).status());
  return ConvergenceFlags(args).status();
}

Command ExportCommand() {
  return Command{"export",
                 "--db DB --workload NAME --format FORMAT [--out FILE] [--version N] [--force]\n"
                 "[--min-duration SECONDS] [--quiet SECONDS] [--peer ADDRESS=WORKLOAD...]\n"
                 "FORMAT: json, networkpolicy, seccomp, kubearmor or falco. Refused while the\n"
                 "baseline is learning or was trained with dropped events, unless --force.\n"
                 "--peer names the workload at a peer address (ns/owner/container): networkpolicy\n"
                 "selects it by namespace and pod labels instead of its IP.",
                 CheckExport,
                 CmdExport,
                 {{"--db", "--workload", "--format", "--out", "--version", "--min-duration", "--quiet"},
                  {"--force"},
                  {"--peer"}}};
}

}  // namespace dw::tools
