/* bpf/syscall.bpf.c: the set of syscalls each watched cgroup uses, for syscall
 * baselines. Included by driftwatch.bpf.c. Off unless user space enables it
 * (BpfOptions::syscalls): the program is then neither loaded nor attached.
 *
 * Counted in the kernel: one bitmap per cgroup, and one record the first time
 * a cgroup uses a syscall number, never an event per syscall. */

#define DW_SYSCALL_WORDS (DW_SYSCALL_MAX / 64)

/* What the kernel knows of one cgroup. */
struct syscall_set {
	__u64 used[DW_SYSCALL_WORDS]; /* bit nr: syscall nr was reported for this cgroup */
	__u32 watched;                /* 1: the cgroup is watched; 0: cached "not watched" */
	__u32 _pad0;
};

/* Cgroup id -> its syscall set, for watched and unwatched cgroups alike, so
 * that the watched-cgroup filter runs once per cgroup, not once per
 * syscall. LRU bounds it: a cgroup evicted and seen again has its syscalls
 * reported again (user space folds repeats). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct syscall_set);
} cgroup_syscalls SEC(".maps");

/* The set of the current cgroup, created on its first syscall. */
static __always_inline struct syscall_set *syscall_set_of(__u64 cgid)
{
	struct syscall_set *set = bpf_map_lookup_elem(&cgroup_syscalls, &cgid);
	struct syscall_set fresh = {};

	if (set)
		return set;
	/* The miss path: the cgroup filter, driftwatch's own pid aside (that
	 * is checked per record below: it shares its cgroup with others). */
	fresh.watched = cgroup_is_watched(cgid);
	bpf_map_update_elem(&cgroup_syscalls, &cgid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&cgroup_syscalls, &cgid);
}

/* raw sys_enter fires on every syscall of every task, before the syscall
 * runs, with the syscall number as the native ABI numbers it (compat 32-bit
 * tasks report their own ABI's numbers; see README). tp_btf gives the typed
 * (regs, id) arguments without tracefs and is a raw tracepoint: no argument
 * copying into a trace buffer. The hot path is one cgroup id read, one
 * hash lookup and one bit test; a record only on a cgroup's first use of a
 * number. Bits are set without atomics: two threads of one cgroup racing on
 * their first use of the same syscall can report it twice, which user space
 * folds. */
SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	__u64 cgid = bpf_get_current_cgroup_id();
	struct syscall_set *set;
	struct dw_syscall_event e;
	__u32 nr, word;
	__u64 bit;

	if (id < 0 || id >= DW_SYSCALL_MAX)
		return 0;
	nr = (__u32)id;
	set = syscall_set_of(cgid);
	if (!set || !set->watched)
		return 0;
	word = (nr / 64) & (DW_SYSCALL_WORDS - 1);
	bit = 1ULL << (nr % 64);
	if (set->used[word] & bit)
		return 0;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	set->used[word] |= bit;
	fill_header(&e.h, DW_EVENT_SYSCALL);
	e.nr = nr;
	e._pad0 = 0;
	emit(&e.h, sizeof(e));
	return 0;
}

/* Sentinels: the syscalls that escape a container, hide, persist or tamper
 * with processes and the kernel (ptrace, mount, setns, bpf, ...), watched
 * whether or not syscall learning is on, each through its own
 * tp/syscalls/sys_enter_<name> tracepoint. User space attaches this one
 * program to each of them (collector::SentinelSyscalls()), so it runs only
 * when one of those rare syscalls is entered: no cost to any other syscall.
 * Loaded only when handle_sys_enter is not (that one sees them all). */

/* (cgroup id, syscall number) pairs already reported; LRU bounds it (a pair
 * evicted and used again is reported again; user space folds repeats). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dw_sentinel_key);
	__type(value, __u8);
} sentinel_seen SEC(".maps");

SEC("tp/syscalls/sys_enter_ptrace")
int handle_sentinel_syscall(struct trace_event_raw_sys_enter *ctx)
{
	struct dw_sentinel_key key = {};
	struct dw_syscall_event e;
	struct task_watch w;
	__u8 one = 1;
	long id = ctx->id;

	if (id < 0 || id >= DW_SYSCALL_MAX)
		return 0;
	if (!task_watched(&w))
		return 0;
	key.cgroup_id = w.cgroup_id;
	key.nr = (__u32)id;
	/* Only the first use of each pair makes a record. */
	if (bpf_map_update_elem(&sentinel_seen, &key, &one, BPF_NOEXIST) != 0)
		return 0;
	fill_header(&e.h, DW_EVENT_SYSCALL);
	e.nr = (__u32)id;
	e._pad0 = 0;
	emit(&e.h, sizeof(e));
	return 0;
}
