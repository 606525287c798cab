// tools/cli/cmd_agent.cc: driftwatch agent (its usage below).
#include "tools/cli/command.h"

#include "tools/agent/agent.h"
#include "tools/agent/config.h"

namespace dw::tools {
namespace {

// The config is checked before anything starts: a bad key is a usage error.
Status CheckAgent(const Args& args) {
  ASSIGN_OR_RETURN(std::string path, args.Required("--config"));
  return tools::agent::LoadConfig(path).status();
}

// driftwatch agent --config FILE [--no-verdict-cache]
Status CmdAgent(const Args& args) {
  return tools::agent::RunAgent(*args.Get("--config"), !args.Has("--no-verdict-cache"));
}

}  // namespace

Command AgentCommand() {
  return Command{"agent",
                 "--config FILE [--no-verdict-cache]   (the daemon: tools/agent/config.h documents the file)\n"
                 "--no-verdict-cache: every event reaches user space, whatever the file's verdict_cache says",
                 CheckAgent,
                 CmdAgent,
                 {{"--config"}, {"--no-verdict-cache"}}};
}

}  // namespace dw::tools
