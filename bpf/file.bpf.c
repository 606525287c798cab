/* bpf/file.bpf.c: file opens (open, openat, openat2, creat).
 * Included by driftwatch.bpf.c. */

#define DW_O_ACCMODE 03
#define DW_O_WRONLY 01
#define DW_O_RDWR 02
#define DW_O_CREAT 0100
#define DW_O_TRUNC 01000
#define DW_FMODE_READ 0x1
#define DW_FMODE_WRITE 0x2

struct open_args {
	const char *filename; /* user pointer, read at exit when the page is resident */
	__u32 flags;          /* O_* */
	__s32 dfd;            /* directory fd, or AT_FDCWD */
	bool flags_in_user;   /* flags were read from user memory (openat2) */
};

/* The current task's saved user registers. At a syscall's exit they still
 * hold its arguments (the kernel returns through them and changes only the
 * return value's register), so the open hooks read their arguments there:
 * one program per open instead of an enter program that saves them in a map
 * and an exit program that looks them up, which doubled the cost of every
 * open answered by the verdict cache. bpf_task_pt_regs is Linux 5.15;
 * driftwatch needs 5.17 (bpf_loop) anyway. */
static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

static __always_inline __u16 access_of(__u32 flags)
{
	__u16 access = 0;

	switch (flags & DW_O_ACCMODE) {
	case DW_O_WRONLY:
		access = DW_ACCESS_WRITE;
		break;
	case DW_O_RDWR:
		access = DW_ACCESS_READ | DW_ACCESS_WRITE;
		break;
	default:
		access = DW_ACCESS_READ;
	}
	if (flags & DW_O_TRUNC)
		access |= DW_ACCESS_WRITE;
	if (flags & DW_O_CREAT)
		access |= DW_ACCESS_CREATE;
	return access;
}

/* The identity of the open file `f` (struct dw_file_id): a few loads, no
 * walk. Every open pays this, cached or not. */
static __always_inline void file_id_of(struct file *f, struct dw_file_id *fid)
{
	if (rdonly_cast) {
		struct file *tf = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
		struct inode *inode = tf->f_inode;
		struct dentry *dentry = tf->f_path.dentry;
		struct mount *mnt = bpf_rdonly_cast(container_of(tf->f_path.mnt, struct mount, mnt),
						    bpf_core_type_id_kernel(struct mount));

		fid->ino = inode->i_ino;
		fid->parent_ino = dentry->d_parent->d_inode->i_ino;
		fid->dev = inode->i_sb->s_dev;
		fid->generation = inode->i_generation;
		fid->mnt_id = mnt->mnt_id;
		fid->name_hash = dentry->d_name.hash;
	} else {
		struct inode *inode = BPF_CORE_READ(f, f_inode);
		struct dentry *dentry = BPF_CORE_READ(f, f_path.dentry);
		struct vfsmount *vfsmnt = BPF_CORE_READ(f, f_path.mnt);

		fid->ino = BPF_CORE_READ(inode, i_ino);
		fid->parent_ino = BPF_CORE_READ(dentry, d_parent, d_inode, i_ino);
		fid->dev = BPF_CORE_READ(inode, i_sb, s_dev);
		fid->generation = BPF_CORE_READ(inode, i_generation);
		fid->mnt_id = BPF_CORE_READ(container_of(vfsmnt, struct mount, mnt), mnt_id);
		fid->name_hash = BPF_CORE_READ(dentry, d_name.hash);
	}
}

/* Completes an open record whose path (and base directory) follow its
 * fixed part and whose flags, access, dfd and file are set, and sends it. */
static __always_inline void emit_open(struct dw_open_event *e, long ret, __u32 path_len, __u32 cwd_len,
				      bool truncated)
{
	e->result = ret;
	e->path_len = path_len;
	e->cwd_len = cwd_len;
	e->_pad0 = 0;
	e->_pad1 = 0;
	if (truncated)
		e->h.flags |= DW_FLAG_TRUNCATED;
	emit(&e->h, sizeof(*e) + path_len + cwd_len);
}

static __always_inline int open_exit(long ret, struct open_args a, const struct task_watch *w)
{
	struct scratch *s;
	struct dw_open_event *e;
	struct dw_file_id fid = {};
	struct file *f = NULL;
	bool truncated = false;
	__u32 off, path_len = 0, cwd_len = 0;

	if (ret >= 0) {
		f = fd_to_file(ret);
		if (f)
			file_id_of(f, &fid);
	}
	/* Flags read from user memory at exit (openat2's struct open_how) may
	 * have been changed by another thread after the kernel copied them:
	 * the opened file's mode decides read and write, so that a write
	 * cannot pass for a cached read. */
	if (f && a.flags_in_user) {
		__u32 mode = BPF_CORE_READ(f, f_mode);

		a.flags &= ~DW_O_ACCMODE;
		if ((mode & DW_FMODE_READ) && (mode & DW_FMODE_WRITE))
			a.flags |= DW_O_RDWR;
		else if (mode & DW_FMODE_WRITE)
			a.flags |= DW_O_WRONLY;
	}
	/* The verdict cache, before any path walk or record: only plain reads
	 * of an opened file (collector/verdict_cache.h says why). */
	if (f && w->epoch && access_of(a.flags) == DW_ACCESS_READ) {
		struct dw_verdict_key key = {};

		key.cgroup_id = w->cgroup_id;
		key.epoch = w->epoch;
		key.kind = DW_EVENT_OPEN;
		key.access = DW_ACCESS_READ;
		key.id.file = fid;
		if (verdict_hit(&key))
			return 0;
	}
	s = start_record(DW_EVENT_OPEN);
	if (!s)
		return 0;
	e = (struct dw_open_event *)s->rec;
	off = sizeof(*e);

	if (f)
		path_len = file_path(s, f, &s->rec[off], &truncated);
	if (path_len == 0) {
		long n = bpf_probe_read_user_str(&s->rec[off], DW_PATH_MAX, a.filename);

		path_len = read_str_len(n, &s->rec[off], &truncated);
		if (path_len > DW_PATH_MAX)
			return 0;
		if (s->rec[sizeof(*e)] != '/') {
			__u32 coff = DW_BOUND(off + path_len, DW_PATH_MAX * 2);

			if (coff > sizeof(*e) + DW_PATH_MAX)
				return 0;
			cwd_len = base_dir(s, a.dfd, &s->rec[coff], &truncated);
		}
	}
	e->flags = a.flags;
	e->access = access_of(a.flags);
	e->dfd = a.dfd;
	e->file = fid;
	if (e->access & DW_ACCESS_WRITE) {
		struct dw_cgroup_counters *c = cgroup_counters_of(e->h.cgroup_id);

		if (c)
			c->writes += 1;
	}
	emit_open(e, ret, path_len, cwd_len, truncated);
	return 0;
}

/* Syscall tracepoints: there is no tracepoint inside the VFS open path, and
 * kprobes/fentry/LSM may be unavailable (they are on some hosts). The exit
 * knows the result and, on success, the opened file; the arguments come from
 * the saved registers (syscall_regs). */
SEC("tp/syscalls/sys_exit_openat")
int handle_sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct open_args a = {};
	struct task_watch w;
	struct pt_regs *regs;

	if (!task_watched(&w))
		return 0;
	regs = syscall_regs();
	a.dfd = (int)PT_REGS_PARM1_SYSCALL(regs);
	a.filename = (const char *)PT_REGS_PARM2_SYSCALL(regs);
	a.flags = (__u32)PT_REGS_PARM3_SYSCALL(regs);
	return open_exit(ctx->ret, a, &w);
}

/* openat2 carries its flags in a user struct open_how. */
SEC("tp/syscalls/sys_exit_openat2")
int handle_sys_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct open_args a = {};
	struct pt_regs *regs;
	__u64 flags = 0;
	struct task_watch w;

	if (!task_watched(&w))
		return 0;
	regs = syscall_regs();
	a.dfd = (int)PT_REGS_PARM1_SYSCALL(regs);
	a.filename = (const char *)PT_REGS_PARM2_SYSCALL(regs);
	bpf_probe_read_user(&flags, sizeof(flags), (void *)PT_REGS_PARM3_SYSCALL(regs));
	a.flags = (__u32)flags;
	a.flags_in_user = true;
	return open_exit(ctx->ret, a, &w);
}

/* The legacy open(2) and creat(2) still exist on x86-64 and static binaries use them. */
SEC("tp/syscalls/sys_exit_open")
int handle_sys_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	struct open_args a = {};
	struct task_watch w;
	struct pt_regs *regs;

	if (!task_watched(&w))
		return 0;
	regs = syscall_regs();
	a.dfd = DW_AT_FDCWD;
	a.filename = (const char *)PT_REGS_PARM1_SYSCALL(regs);
	a.flags = (__u32)PT_REGS_PARM2_SYSCALL(regs);
	return open_exit(ctx->ret, a, &w);
}

SEC("tp/syscalls/sys_exit_creat")
int handle_sys_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	struct open_args a = {};
	struct task_watch w;

	if (!task_watched(&w))
		return 0;
	a.dfd = DW_AT_FDCWD;
	a.filename = (const char *)PT_REGS_PARM1_SYSCALL(syscall_regs());
	a.flags = DW_O_CREAT | DW_O_WRONLY | DW_O_TRUNC;
	return open_exit(ctx->ret, a, &w);
}

/* Unix-socket connects: a container runtime's API (docker.sock,
 * containerd.sock), the service manager's private socket, a database's
 * local socket. Recorded as an open record of the socket's path with
 * DW_ACCESS_CONNECT (bpf/events.h), so paths, their shapes and their
 * sensitivity are judged as files are. Connects to inet sockets are seen by
 * inet_sock_set_state (net.bpf.c). */

#define DW_UNIX_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */

/* (process, path) pairs already reported: a worker that connects to its
 * upstream's socket per request sends one record, not one per request.
 * LRU: a pair forgotten and used again is reported again. The key holds the
 * whole path ("@name" for an abstract socket), zero-padded. */
struct unix_seen_key {
	__u32 tgid;
	char path[DW_UNIX_PATH_MAX + 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct unix_seen_key);
	__type(value, __u8);
} unix_connect_seen SEC(".maps");

SEC("tp/syscalls/sys_exit_connect")
int handle_sys_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct unix_seen_key seen = {};
	struct dw_open_event *e;
	struct task_watch w;
	struct scratch *s;
	const char *uaddr;
	bool truncated = false;
	__u32 off, path_len, cwd_len = 0;
	__u16 family = 0;
	char first = 0;
	__u8 one = 1;
	long n;

	if (!task_watched(&w))
		return 0;
	uaddr = (const char *)PT_REGS_PARM2_SYSCALL(syscall_regs());
	if (!uaddr || bpf_probe_read_user(&family, sizeof(family), uaddr) || family != DW_AF_UNIX)
		return 0;
	if (bpf_probe_read_user(&first, 1, uaddr + 2))
		return 0;
	/* The path into the key first: a pair seen before costs no record. */
	if (first == 0) {
		/* Abstract: a NUL, then the name (up to its first NUL). */
		seen.path[0] = '@';
		n = bpf_probe_read_user_str(&seen.path[1], DW_UNIX_PATH_MAX - 1, uaddr + 3);
		if (n <= 1)
			return 0;
		n += 1;
	} else {
		n = bpf_probe_read_user_str(seen.path, DW_UNIX_PATH_MAX, uaddr + 2);
		if (n <= 1)
			return 0;
	}
	seen.tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	if (bpf_map_update_elem(&unix_connect_seen, &seen, &one, BPF_NOEXIST) != 0)
		return 0;
	s = start_record(DW_EVENT_OPEN);
	if (!s)
		return 0;
	e = (struct dw_open_event *)s->rec;
	off = sizeof(*e);
	path_len = DW_BOUND(n, 256); /* n <= DW_UNIX_PATH_MAX */
	if (path_len > DW_UNIX_PATH_MAX)
		return 0;
	__builtin_memcpy(&s->rec[off], seen.path, DW_UNIX_PATH_MAX);
	if (first != 0 && s->rec[off] != '/') {
		__u32 coff = DW_BOUND(off + path_len, DW_PATH_MAX * 2);

		if (coff > sizeof(*e) + DW_PATH_MAX)
			return 0;
		cwd_len = base_dir(s, DW_AT_FDCWD, &s->rec[coff], &truncated);
	}
	e->flags = 0;
	e->access = DW_ACCESS_CONNECT;
	e->dfd = DW_AT_FDCWD;
	__builtin_memset(&e->file, 0, sizeof(e->file));
	emit_open(e, ctx->ret, path_len, cwd_len, truncated);
	return 0;
}
