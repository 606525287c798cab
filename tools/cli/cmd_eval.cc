// tools/cli/cmd_eval.cc: driftwatch eval (its usage below).
#include "tools/cli/command.h"

#include <cstdio>

#include "tools/cli/format.h"
#include "tools/eval/eval.h"
#include "tools/eval/techniques.h"

namespace dw::tools {
namespace {

// driftwatch eval --techniques: the technique catalogue (tools/eval/techniques.h)
// played against each case's trained baseline instead.
Status EvalTechniques(const std::vector<EvalCase>& cases, Format format) {
  std::vector<TechniqueResult> results;
  for (const auto& c : cases) {
    ASSIGN_OR_RETURN(TechniqueResult r, RunTechniques(c));
    if (format == Format::kJson) WriteLine(TechniquesJson(r));
    results.push_back(std::move(r));
  }
  if (format == Format::kText) std::fputs(TechniquesText(results).c_str(), stdout);
  return Status::Ok();
}

// driftwatch eval [--data DIR] [--format text|jsonl] [--techniques]: a report, so drift
// missed or false positives are not errors; unreadable data is.
Status CmdEval(const Args& args) {
  ASSIGN_OR_RETURN(Format format, ParseFormat(args, "text"));
  const std::string dir = args.Get("--data").value_or("testdata");
  ASSIGN_OR_RETURN(auto cases, DiscoverCases(dir));
  if (cases.empty()) {
    return Status(ErrorCode::kNotFound, "no eval cases (DIR/<name>/train*.dwt) under " + dir);
  }
  if (args.Has("--techniques")) return EvalTechniques(cases, format);
  std::vector<EvalResult> results;
  for (const auto& c : cases) {
    ASSIGN_OR_RETURN(EvalResult r, RunEval(c));
    if (format == Format::kJson) WriteLine(EvalJson(r));
    results.push_back(std::move(r));
  }
  if (format == Format::kText) std::fputs(EvalText(results).c_str(), stdout);
  return Status::Ok();
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
