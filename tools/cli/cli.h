// tools/cli/cli.h: command-line parsing for the driftwatch tool.
#ifndef DRIFTWATCH_TOOLS_CLI_CLI_H_
#define DRIFTWATCH_TOOLS_CLI_CLI_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "collector/status.h"

namespace dw::tools {

// The one style for list flags: a flag whose usage reads `--trace TRACE...`
// is in `lists` and takes one or more values, given either after one flag
// (`--trace a b`) or with the flag repeated (`--trace a --trace b`), or mixed.
// Its values run up to the next argument that starts with "--"; so a command
// with list flags takes no positional arguments.
struct FlagSpec {
  std::set<std::string> with_value;  // "--db": one value (given twice, the last wins)
  std::set<std::string> boolean;     // "--live"
  std::set<std::string> lists;       // "--trace", "--cgroup": one or more values
};

class Args {
 public:
  // Parses argv[first..argc). "--flag value" and "--flag=value" both work;
  // values of list flags accumulate (FlagSpec). kInvalidArgument names the option.
  static Result<Args> Parse(int argc, char** argv, int first, const FlagSpec& spec);

  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> Get(const std::string& flag) const;
  std::vector<std::string> All(const std::string& flag) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // A flag that must be present: kInvalidArgument "missing --db" otherwise.
  Result<std::string> Required(const std::string& flag) const;
  // A positive number of seconds; kInvalidArgument names the flag and value.
  Result<std::optional<double>> Seconds(const std::string& flag) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

}  // namespace dw::tools

#endif  // DRIFTWATCH_TOOLS_CLI_CLI_H_
