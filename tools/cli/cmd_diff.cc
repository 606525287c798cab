// tools/cli/cmd_diff.cc: driftwatch diff (its usage below).
#include "tools/cli/command.h"

#include <cstdio>
#include <utility>

#include "store/moving.h"

namespace dw::tools {
namespace {

Status CheckDiff(const Args& args) {
  RETURN_IF_ERROR(ParseFormat(args, "text").status());
  RETURN_IF_ERROR(VersionFlag(args, "--from").status());
  RETURN_IF_ERROR(VersionFlag(args, "--to").status());
  const bool db_form = args.Has("--db") || args.Has("--workload") || args.Has("--from") || args.Has("--to") ||
                       args.Has("--against");
  if (!args.positional().empty()) {
    if (args.positional().size() != 2 || db_form) {
      return Status(ErrorCode::kInvalidArgument,
                    "give two fingerprint files, or --db DB --workload NAME with --from or --against");
    }
    return Status::Ok();
  }
  RETURN_IF_ERROR(args.Required("--db").status());
  RETURN_IF_ERROR(args.Required("--workload").status());
  if (args.Has("--against") ? args.Has("--to") : !args.Has("--from")) {
    return Status(ErrorCode::kInvalidArgument, "give --from V [--to V], or [--from V] --against FILE");
  }
  return Status::Ok();
}

// The fingerprint `flag` names in the open database (a version number).
Result<std::pair<model::Fingerprint, std::string>> LoadVersion(store::Store& db, const std::string& workload,
                                                               std::optional<int64_t> version) {
  ASSIGN_OR_RETURN(auto fp, db.LoadFingerprint(workload, version));
  if (!fp) {
    if (version)
      return Status(ErrorCode::kNotFound, workload + " has no version " + std::to_string(*version));
    return Status(ErrorCode::kNotFound, "unknown workload " + workload);
  }
  std::string label = version ? "version " + std::to_string(*version) : "latest";
  return std::make_pair(std::move(*fp), label);
}

// driftwatch diff A.json B.json
//   | --db DB --workload NAME (--from V [--to V] | [--from V] --against FILE) [--format text|jsonl]
Status CmdDiff(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  std::pair<model::Fingerprint, std::string> from, to;
  if (args.positional().size() == 2) {
    ASSIGN_OR_RETURN(from.first, store::ReadFingerprintFile(args.positional()[0]));
    ASSIGN_OR_RETURN(to.first, store::ReadFingerprintFile(args.positional()[1]));
    from.second = args.positional()[0];
    to.second = args.positional()[1];
  } else {
    const std::string workload = *args.Get("--workload");
    ASSIGN_OR_RETURN(auto from_version, VersionFlag(args, "--from"));
    ASSIGN_OR_RETURN(auto to_version, VersionFlag(args, "--to"));
    std::optional<model::Fingerprint> file;
    if (auto against = args.Get("--against")) {
      ASSIGN_OR_RETURN(file, store::ReadFingerprintFile(*against));
    }
    ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadOnly));
    ASSIGN_OR_RETURN(from, LoadVersion(*db, workload, from_version));
    if (file) {
      to = {std::move(*file), *args.Get("--against")};
    } else {
      ASSIGN_OR_RETURN(to, LoadVersion(*db, workload, to_version));
    }
  }
  const std::string report = format == Format::kJson
                                 ? store::DiffJsonLines(from.first, from.second, to.first, to.second)
                                 : store::DiffText(from.first, from.second, to.first, to.second);
  std::fputs(report.c_str(), stdout);
  return Status::Ok();
}

}  // namespace

Command DiffCommand() {
  return Command{"diff",
                 "A.json B.json | --db DB --workload NAME (--from V [--to V] | [--from V] --against FILE)\n"
                 "[--format jsonl|text]",
                 CheckDiff,
                 CmdDiff,
                 {{"--db", "--workload", "--from", "--to", "--against", "--format"}, {}},
                 true};
}

}  // namespace dw::tools
