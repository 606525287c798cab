// tools/cli/cmd_eval.cc: driftwatch eval (its usage below).
#include "tools/cli/command.h"

#include <cstdio>
#include <string>
#include <vector>

#include "tools/cli/format.h"
#include "tools/eval/eval.h"
#include "tools/eval/techniques.h"

namespace dw::tools {
namespace {

// Runs `run` on each case in order: with jsonl, each result's `json` line as
// soon as it is known (long runs show progress); with text, `text` of them all.
template <typename R>
Status Report(const std::vector<EvalCase>& cases, Format format, Result<R> (*run)(const EvalCase&),
              std::string (*json)(const R&), std::string (*text)(const std::vector<R>&)) {
  std::vector<R> results;
  for (const auto& c : cases) {
    ASSIGN_OR_RETURN(R r, run(c));
    if (format == Format::kJson) WriteLine(json(r));
    results.push_back(std::move(r));
  }
  if (format == Format::kText) std::fputs(text(results).c_str(), stdout);
  return Status::Ok();
}

// driftwatch eval [--data DIR] [--format text|jsonl] [--techniques]: a report, so drift
// missed or false positives are not errors; unreadable data is. --techniques plays the
// technique catalogue (tools/eval/techniques.h) against each case's trained baseline instead.
Status CmdEval(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  const std::string dir = args.Get("--data").value_or("testdata");
  ASSIGN_OR_RETURN(auto cases, DiscoverCases(dir));
  if (cases.empty()) {
    return Status(ErrorCode::kNotFound, "no eval cases (DIR/<name>/train*.dwt) under " + dir);
  }
  if (args.Has("--techniques")) return Report(cases, format, RunTechniques, TechniquesJson, TechniquesText);
  return Report(cases, format, RunEval, EvalJson, EvalText);
}

}  // namespace

Command EvalCommand() {
  return Command{"eval",
                 "[--data DIR] [--format jsonl|text] [--techniques]   (DIR/<name>/{train,normal,drift,heldout}*.dwt)\n"
                 "          --techniques: intruders' techniques played against each trained baseline instead",
                 [](const Args& a) { return ParseFormat(a, "text").status(); },
                 CmdEval,
                 {{"--data", "--format"}, {"--techniques"}}};
}

}  // namespace dw::tools
