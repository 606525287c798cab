/* bpf/common.bpf.h: maps, tunables and helpers shared by driftwatch's BPF programs.
 *
 * Kernel side stays thin: filter by watched cgroup, capture, emit. Records are
 * assembled in a per-CPU scratch buffer and copied to the ring buffer with
 * their exact length; wake-ups are batched (see emit()).
 */
#ifndef DRIFTWATCH_BPF_COMMON_BPF_H_
#define DRIFTWATCH_BPF_COMMON_BPF_H_

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

#define DW_AT_FDCWD -100
#define DW_MAX_CGROUP_DEPTH 16 /* ancestors checked against watched_cgroups */
#define DW_PATH_DEPTH 48       /* dentry components walked for one path */
#define DW_NAME_MASK 255       /* NAME_MAX: bounds one component */
#define DW_AF_UNIX 1
#define DW_AF_INET 2
#define DW_AF_INET6 10
#define DW_IPPROTO_TCP 6
#define DW_IPPROTO_UDP 17
#define DW_TCP_SYN_SENT 2
#define DW_TCP_LISTEN 10

/* Tunables, set by user space between open and load. */
const volatile bool filter_cgroups = false; /* only watched cgroup subtrees */
const volatile __u32 self_tgid = 0;          /* driftwatch itself, never reported */
const volatile __u64 wakeup_bytes = 256 * 1024; /* wake the reader past this backlog */
const volatile bool verdict_cache = false;   /* look events up in `verdicts` */
const volatile bool rdonly_cast = false;     /* the kernel has bpf_rdonly_cast (Linux 6.2) */

/* Ring buffer to user space; size set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

/* Records lost because the ring buffer was full, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ringbuf_drops SEC(".maps");

/* Watched cgroup ids; a task is watched when it or an ancestor is listed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} watched_cgroups SEC(".maps");

/* Per-cgroup counters (struct dw_cgroup_counters), per CPU. LRU: a host
 * with more cgroups than entries forgets the least recently active. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct dw_cgroup_counters);
} cgroup_counters SEC(".maps");

/* Keys user space scored as known. One LRU hash for every cgroup (the
 * cgroup id and epoch are in the key): a busy cgroup can push out another's
 * entries, which costs a re-score, never a missed finding. Size set by user
 * space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct dw_verdict_key);
	__type(value, __u8);
} verdicts SEC(".maps");

/* Per-CPU scratch: the record being built, and room to build a path backwards. */
struct scratch {
	char rec[DW_MAX_RECORD];
	char path[DW_PATH_MAX * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* Cgroup id -> what the programs know of it (struct dw_cgroup_state):
 * whether it is watched, the answer of the ancestor walk below, kept so that
 * the walk runs once per cgroup, not once per hooked call (every open of
 * every task on the host asks); and its verdict-cache epoch, so that the
 * cache costs no lookup of its own. `watched` is exact, not a guess: a
 * cgroup's ancestors never change, and user space fills watched_cgroups
 * before it attaches any program. The programs only ever insert an entry
 * with epoch 0 and never over an existing one (BPF_NOEXIST), so an epoch
 * comes from user space alone: it writes {watched, epoch} when it inserts
 * keys for the cgroup and deletes the entry to take the epoch away. LRU: a
 * cgroup pushed out is walked again and has no epoch until user space next
 * inserts for it (a re-score, never a hidden event). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct dw_cgroup_state);
} cgroup_watched SEC(".maps");

/* Whether the cgroup `cgid` of the current task is watched: it or an
 * ancestor is in watched_cgroups (everything is when no filter is set).
 * Sets *epoch to the cgroup's verdict-cache epoch (0 when its events are
 * not looked up: the cache off, learning, nothing inserted). */
static __always_inline bool cgroup_state(__u64 cgid, __u32 *epoch)
{
	struct dw_cgroup_state *known, fresh = {};

	*epoch = 0;
	if (!filter_cgroups && !verdict_cache)
		return true;
	known = bpf_map_lookup_elem(&cgroup_watched, &cgid);
	if (known) {
		if (verdict_cache)
			*epoch = known->epoch;
		return !filter_cgroups || known->watched;
	}
	if (!filter_cgroups)
		return true;
	for (int level = 0; level < DW_MAX_CGROUP_DEPTH; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);

		if (id == 0)
			break;
		if (bpf_map_lookup_elem(&watched_cgroups, &id)) {
			fresh.watched = 1;
			break;
		}
	}
	bpf_map_update_elem(&cgroup_watched, &cgid, &fresh, BPF_NOEXIST);
	return fresh.watched;
}

static __always_inline bool cgroup_is_watched(__u64 cgid)
{
	__u32 epoch;

	return cgroup_state(cgid, &epoch);
}

/* What a program learns of the current task before it does any work. */
struct task_watch {
	__u64 cgroup_id; /* bpf_get_current_cgroup_id() */
	__u32 epoch;     /* the cgroup's verdict-cache epoch, or 0 */
};

/* Whether the current task's calls are reported: a watched cgroup, and not
 * driftwatch itself. Fills *w (its cgroup and epoch) for the caller's
 * verdict-cache lookup. */
static __always_inline bool task_watched(struct task_watch *w)
{
	w->cgroup_id = 0;
	w->epoch = 0;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return false;
	w->cgroup_id = bpf_get_current_cgroup_id();
	return cgroup_state(w->cgroup_id, &w->epoch);
}

static __always_inline bool task_is_watched(void)
{
	struct task_watch w;

	return task_watched(&w);
}

static __always_inline void fill_header(struct dw_header *h, __u16 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->ts_boot_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->kind = kind;
	h->size = 0;
	h->flags = 0;
	h->_pad0 = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* The per-CPU scratch record with its header filled for `kind` (every event
 * struct starts with its struct dw_header); NULL when the scratch lookup
 * fails, which the verifier makes every caller check. */
static __always_inline struct scratch *start_record(__u16 kind)
{
	struct scratch *s = get_scratch();

	if (s)
		fill_header((struct dw_header *)s->rec, kind);
	return s;
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&ringbuf_drops, &zero);

	if (n)
		*n += 1;
}

/* This CPU's counters of `cgroup_id`, created on first use; NULL only if
 * the map refuses the insert. */
static __always_inline struct dw_cgroup_counters *cgroup_counters_of(__u64 cgroup_id)
{
	struct dw_cgroup_counters *c = bpf_map_lookup_elem(&cgroup_counters, &cgroup_id);

	if (c)
		return c;
	{
		struct dw_cgroup_counters zero = {};

		bpf_map_update_elem(&cgroup_counters, &cgroup_id, &zero, BPF_NOEXIST);
	}
	return bpf_map_lookup_elem(&cgroup_counters, &cgroup_id);
}

/* Copies `size` bytes of `rec` to the ring buffer. The reader is woken only
 * once the backlog passes wakeup_bytes; it also polls on a short timeout, so
 * a quiet host still sees its events promptly (a wake-up per event costs a
 * busy server a large share of its throughput). Counts the call in the
 * cgroup's counters, and whether its record went up or was dropped. */
static __always_inline void emit(struct dw_header *rec, __u32 size)
{
	struct dw_cgroup_counters *c;
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (size < sizeof(*rec) || size > DW_MAX_RECORD)
		return;
	rec->size = size;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	c = cgroup_counters_of(rec->cgroup_id);
	if (c && rec->kind < DW_COUNTED_KINDS)
		c->calls[rec->kind & (DW_COUNTED_KINDS - 1)] += 1;
	if (bpf_ringbuf_output(&events, rec, size, flags)) {
		count_drop();
		if (c)
			c->dropped += 1;
	} else if (c) {
		c->emitted += 1;
	}
}

/* Whether `key` (epoch set) is in the cache. A hit is a hooked call whose
 * record is not needed: counted in the cgroup's calls[] and filtered[]. */
static __always_inline bool verdict_hit(const struct dw_verdict_key *key)
{
	struct dw_cgroup_counters *c;

	if (!bpf_map_lookup_elem(&verdicts, key))
		return false;
	c = cgroup_counters_of(key->cgroup_id);
	if (c && key->kind < DW_COUNTED_KINDS) {
		c->calls[key->kind & (DW_COUNTED_KINDS - 1)] += 1;
		c->filtered[key->kind & (DW_COUNTED_KINDS - 1)] += 1;
	}
	return true;
}

/* Bounds a length the verifier must see as <= max (max a power of two). */
#define DW_BOUND(len, max) ((len) & ((max) - 1))
/* The same, masking `var` in place so that clang cannot hand the verifier an
 * unmasked copy of it. */
#define DW_MASK_INPLACE(var, max) asm volatile("%0 &= %1" : "+r"(var) : "i"((max) - 1))

/* The length that a bpf_probe_read_*_str() result `n` gives the string it
 * read into `dst`: an empty string when the read failed; *truncated set when
 * it filled DW_PATH_MAX. Bounded for the verifier (at most 2 x DW_PATH_MAX). */
static __always_inline __u32 read_str_len(long n, char *dst, bool *truncated)
{
	if (n <= 0) {
		dst[0] = 0;
		n = 1;
	}
	if (n == DW_PATH_MAX)
		*truncated = true;
	return DW_BOUND(n, DW_PATH_MAX * 2);
}

/* State of one walk_path(), handed to each walk_step() by bpf_loop(). */
struct walk_state {
	struct dentry *root_dentry; /* the task's root: the walk stops there */
	struct vfsmount *root_mnt;
	struct dentry *dentry;      /* the component to prepend next */
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	__u32 off;                  /* first byte written in scratch.path */
	bool truncated;
	bool done;
};

/* One component of walk_path(). Returns 1 to stop the loop. */
static long walk_step(__u64 index, void *data)
{
	struct walk_state *w = data;
	struct scratch *s = get_scratch();
	/* Locals: a CO-RE read through w-> would relocate walk_state too. */
	struct dentry *dentry = w->dentry, *parent, *mnt_root;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	struct qstr name;
	__u32 len, off;

	if (!s)
		return 1;
	if (dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->done = true;
		return 1;
	}
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (mnt == mnt_parent) {
			w->done = true; /* the root of the mount tree */
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->vfsmnt = &mnt_parent->mnt;
		return 0;
	}
	name = BPF_CORE_READ(dentry, d_name);
	len = DW_BOUND(name.len, DW_NAME_MASK + 1);
	off = DW_BOUND(w->off, DW_PATH_MAX);
	if (len + 1 > off) {
		w->truncated = true;
		w->done = true;
		return 1;
	}
	off -= len + 1;
	off = DW_BOUND(off, DW_PATH_MAX);
	bpf_probe_read_kernel(&s->path[off + 1], len, name.name);
	s->path[off] = '/';
	w->off = off;
	w->dentry = parent;
	return 0;
}

/* Writes the absolute path of `path` (as the current task sees it: stops at its
 * root) into s->path, ending at s->path[DW_PATH_MAX - 1]. Returns the offset of
 * the first byte; the path runs to and includes that NUL. Sets *truncated when
 * the path was deeper or longer than the bounds. The loop runs in bpf_loop(),
 * so the verifier checks one step once however many paths a program walks. */
static __always_inline __u32 walk_path(struct scratch *s, const struct path *path, bool *truncated)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct walk_state w = {};
	__u32 off;

	w.root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	w.root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	w.dentry = BPF_CORE_READ(path, dentry);
	w.vfsmnt = BPF_CORE_READ(path, mnt);
	w.mnt = container_of(w.vfsmnt, struct mount, mnt);
	w.off = DW_PATH_MAX - 1;
	s->path[DW_PATH_MAX - 1] = 0;
	bpf_loop(DW_PATH_DEPTH, walk_step, &w, 0);
	if (w.truncated || !w.done)
		*truncated = true;
	off = DW_BOUND(w.off, DW_PATH_MAX);
	if (off == DW_PATH_MAX - 1) {
		off = DW_PATH_MAX - 2;
		s->path[off] = '/';
	}
	return DW_BOUND(off, DW_PATH_MAX);
}

/* Copies the path walked into s->path (from `off`) to `dst`; returns its
 * length with the NUL. */
static __always_inline __u32 copy_walked(struct scratch *s, __u32 off, char *dst)
{
	__u32 len = DW_PATH_MAX - DW_BOUND(off, DW_PATH_MAX);

	len = DW_BOUND(len, DW_PATH_MAX * 2);
	if (len > DW_PATH_MAX)
		return 0;
	bpf_probe_read_kernel(dst, len, &s->path[DW_BOUND(off, DW_PATH_MAX)]);
	return len;
}

/* Writes the path of the open file `f` to `dst` (room for DW_PATH_MAX
 * bytes); returns its length with the NUL, or 0 when there is no file. The
 * one path reader of every program: the absolute path as the current task
 * sees it (walk_path), except for a file on an internal mount with no
 * place in any tree (a memfd, anonymous files), whose dentry is its own
 * parent: then its own name ("memfd:x"), which does not start with '/'. */
static __always_inline __u32 file_path(struct scratch *s, struct file *f, char *dst,
				       bool *truncated)
{
	struct dentry *dentry;
	struct path p;
	__u32 off;

	if (!f)
		return 0;
	p = BPF_CORE_READ(f, f_path);
	dentry = p.dentry;
	if (dentry && dentry == BPF_CORE_READ(dentry, d_parent) &&
	    dentry != BPF_CORE_READ(p.mnt, mnt_root)) {
		struct qstr name = BPF_CORE_READ(dentry, d_name);
		__u32 len = DW_BOUND(name.len, DW_NAME_MASK + 1);

		if (len == 0)
			return 0;
		bpf_probe_read_kernel(dst, len, name.name);
		dst[len] = 0;
		return len + 1;
	}
	off = walk_path(s, &p, truncated);
	return copy_walked(s, off, dst);
}

/* Casts a kernel pointer read as a value to a typed, read-only one (Linux
 * 6.2): its fields are then plain loads the kernel guards (a fault reads
 * zero) instead of a helper call each. Weak: on an older kernel libbpf
 * leaves the call unresolved, and the verifier removes it as dead code
 * because `rdonly_cast` (set by user space from the kernel's BTF) is false. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* The struct file behind descriptor `fd` of the current task, or NULL.
 * The task is a BTF pointer (bpf_get_current_task_btf, Linux 5.11), so the
 * walk to the descriptor table is plain loads the verifier guards, not a
 * helper call each. The slot itself is a pointer to a pointer, which BTF
 * does not type: with bpf_rdonly_cast it is read as the first word of a
 * struct rb_node (an unsigned long at offset 0 in every kernel), a guarded
 * load; else a probe read. Every open pays this, cached or not. */
static __always_inline struct file *fd_to_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || !files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (rdonly_cast) {
		struct rb_node *slot = bpf_rdonly_cast(&fds[fd], bpf_core_type_id_kernel(struct rb_node));

		return (struct file *)slot->__rb_parent_color;
	}
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Writes the current task's working directory (or the directory of `dfd`
 * when it is not AT_FDCWD) to `dst`; returns its length with the NUL, or 0. */
static __always_inline __u32 base_dir(struct scratch *s, int dfd, char *dst, bool *truncated)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct path p;
	__u32 off;

	if (dfd == DW_AT_FDCWD) {
		p = BPF_CORE_READ(task, fs, pwd);
	} else {
		struct file *f = fd_to_file(dfd);

		if (!f)
			return 0;
		p = BPF_CORE_READ(f, f_path);
	}
	off = walk_path(s, &p, truncated);
	return copy_walked(s, off, dst);
}

#endif /* DRIFTWATCH_BPF_COMMON_BPF_H_ */
