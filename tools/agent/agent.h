// tools/agent/agent.h: `driftwatch agent`, the unattended daemon.
//
// One process on one Boost.Asio io_context (single thread): the ring buffer's
// epoll fd as an async descriptor plus a short drain timer (wake-ups are
// batched in the kernel), timers for checkpoints and stability checks, a
// signal set (SIGTERM/SIGINT: drain, flush findings and fingerprints, exit 0;
// SIGHUP: reload the config, keep the state), the HTTP API and the webhook.
//
// Workload lifecycle, persisted in the store (workloads.state):
//   learning    the profiler extends its fingerprint; becomes `monitoring`
//               when the baseline is stable (model/convergence.h) or after
//               learning.max_duration;
//   monitoring  events are scored; findings are stored and delivered;
//   locked      a baseline from elsewhere: scored, never learns.
// Agent modes: learn (everything learns, nothing alerts), detect (only
// alert: every workload with a baseline is scored, whatever state it was left
// in; a workload without one gets one `unprofiled` finding and then learns or
// is ignored, by config), auto (learn new workloads, monitor stable ones). A restart resumes every workload where it was, partial learning
// included (the last checkpoint).
#ifndef DRIFTWATCH_TOOLS_AGENT_AGENT_H_
#define DRIFTWATCH_TOOLS_AGENT_AGENT_H_

#include <string>

#include "collector/status.h"
#include "tools/agent/config.h"

namespace dw::tools::agent {

// Runs the agent with the config at `config_path` until SIGTERM or SIGINT.
// Returns the error that stopped it from starting or running.
// `verdict_cache` false turns the kernel verdict cache off whatever the
// config says (driftwatch agent --no-verdict-cache).
Status RunAgent(const std::string& config_path, bool verdict_cache = true);

}  // namespace dw::tools::agent

#endif  // DRIFTWATCH_TOOLS_AGENT_AGENT_H_
