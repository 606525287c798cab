#!/usr/bin/env bash
# tools/scripts/install-deps.sh: installs every Debian 12 package driftwatch needs to
# build, test and run its demo. Idempotent; needs root (apt-get).
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ make cmake pkg-config git ca-certificates
  # eBPF: clang compiles bpf/*.bpf.c, bpftool makes vmlinux.h and the skeleton
  clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
  # traces: whole-buffer inflate and crc32 for replay (README: Dependencies)
  libdeflate-dev
  # libraries
  libsqlite3-dev libcereal-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libeigen3-dev libboost-dev libyaml-cpp-dev
  # libseccomp: syscall names for syscall learning; dw-seccomp-run loads exported profiles
  libseccomp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing (tools/scripts/fuzz.sh): clang-14 with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # demo and tests: cgroups, processes, loopback traffic
  iproute2 procps util-linux coreutils
  # tools/cli/container_bpf_test.cc: a real container (runc: crun refuses hybrid cgroup hosts)
  podman runc
  # tools/cli/report_browser_test.cc: the HTML report in headless Chromium
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
