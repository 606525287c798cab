/* bpf/driftwatch.bpf.c: the one BPF object driftwatch loads.
 *
 * The area files are included here rather than linked, so every program
 * shares one set of maps and one skeleton without relying on extern maps in
 * the static linker. Hooks are tracepoints only: tp_btf/ where typed
 * arguments help, tp/syscalls/ for the syscalls that have no other
 * tracepoint (needs tracefs; the loader mounts it when missing).
 */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#include "process.bpf.c"
#include "file.bpf.c"
#include "net.bpf.c"
#include "syscall.bpf.c"
