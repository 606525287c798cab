// tools/testing/bpf_gate.h: how a `bpf`-labelled test ends when BPF cannot run here.
#ifndef DRIFTWATCH_TOOLS_TESTING_BPF_GATE_H_
#define DRIFTWATCH_TOOLS_TESTING_BPF_GATE_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

// In a test body or SetUp(): when `why` (what is missing: "not root", a load
// error) is not empty, ends the test. It fails where BPF must run
// (DW_REQUIRE_BPF is set, as in CI) and otherwise skips, saying why and
// `command`, the command that would run it ("sudo ctest --test-dir build -L bpf").
#define DW_SKIP_WITHOUT_BPF(why, command)                                                 \
  do {                                                                                    \
    const std::string dw_why_ = (why);                                                    \
    if (!dw_why_.empty()) {                                                               \
      if (std::getenv("DW_REQUIRE_BPF") != nullptr) {                                     \
        FAIL() << "BPF is required (DW_REQUIRE_BPF is set) but unavailable: " << dw_why_; \
      }                                                                                   \
      GTEST_SKIP() << "BPF unavailable (" << dw_why_ << "); run as root: " << (command);  \
    }                                                                                     \
  } while (0)

#endif  // DRIFTWATCH_TOOLS_TESTING_BPF_GATE_H_
