// tools/cli/explain.h: what a baseline generalized and from which evidence
// (`driftwatch explain`), for a person reviewing it and for programs.
#ifndef DRIFTWATCH_TOOLS_CLI_EXPLAIN_H_
#define DRIFTWATCH_TOOLS_CLI_EXPLAIN_H_

#include <string>

#include "model/fingerprint.h"

namespace dw::tools {

// Every generalization of `fp` (file patterns, then network ranges), each with
// the rule that made it (model/generalize.h), the access it allows, how many
// learned items it replaced and examples of them; then what the scorer
// generalizes from the baseline's shape (model/scorer.h): a script runner's
// shells and utilities, and the names and ports of peers known by name; the
// counts of exact items are the rest of the baseline. Text for people.
std::string ExplainText(const model::Fingerprint& fp);
// The same as JSON lines: one object per generalization
// {"type":"file"|"network","pattern":...,"rule":...,"access":[...],"covered":N,
//  "count":N,"examples":[...]}, then {"type":"script_runner","shells":[...],
// "utilities":N,"threshold":N,"examples":[...]} and {"type":"peers_by_name",
// "names":[...],"ports":["tcp 5432",...]} when they apply, then one summary
// object {"type":"summary",...}.
std::string ExplainJsonLines(const model::Fingerprint& fp);

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_CLI_EXPLAIN_H_
