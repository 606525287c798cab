// tools/cli/cmd_import.cc: driftwatch import (its usage below).
#include "tools/cli/command.h"

#include <spdlog/spdlog.h>

#include "store/moving.h"

namespace dw::tools {
namespace {

Status CheckImport(const Args& args) {
  RETURN_IF_ERROR(args.Required("--db").status());
  if (args.positional().size() != 1) {
    return Status(ErrorCode::kInvalidArgument, "give one fingerprint FILE to import");
  }
  return Status::Ok();
}

// driftwatch import --db DB FILE [--workload NAME]: a fingerprint exported
// elsewhere becomes this database's locked baseline (a new version).
Status CmdImport(const Args& args) {
  // The file first: a bad one must not create or change the database.
  ASSIGN_OR_RETURN(model::Fingerprint fp, store::ReadFingerprintFile(args.positional()[0]));
  if (auto name = args.Get("--workload")) fp.workload = *name;
  if (fp.workload.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "fingerprint " + args.positional()[0] + " names no workload; give --workload NAME");
  }
  ASSIGN_OR_RETURN(auto db, OpenStore(args, store::OpenMode::kReadWrite));
  RETURN_IF_ERROR(db->ImportFingerprint(fp, store::WorkloadState::kLocked, collector::NowNs()));
  ASSIGN_OR_RETURN(auto versions, db->ListVersions(fp.workload));
  spdlog::info("imported {} ({} items, trained on {}) as version {}, locked", fp.workload, fp.ItemCount(),
               fp.node.empty() ? "an unknown node" : fp.node, versions.empty() ? 0 : versions.back().version);
  return Status::Ok();
}

}  // namespace

Command ImportCommand() {
  return Command{"import",
                 "--db DB FILE [--workload NAME]   (FILE: JSON fingerprint; the workload becomes locked)",
                 CheckImport,
                 CmdImport,
                 {{"--db", "--workload"}, {}},
                 true};
}

}  // namespace dw::tools
