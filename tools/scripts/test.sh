#!/usr/bin/env bash
# tools/scripts/test.sh: installs what is needed, builds, and runs every test.
# Tests labelled `bpf` load the real programs and need root; without it they
# skip and say why (DW_REQUIRE_BPF=1 turns that into a failure, as in CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
bash tools/scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" --timeout 600
