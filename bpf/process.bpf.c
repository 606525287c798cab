/* bpf/process.bpf.c: process lifecycle (exec, fork, exit) for lineage and
 * executable baselines. Included by driftwatch.bpf.c (one object, shared maps). */

#define DW_OVERLAYFS_SUPER_MAGIC 0x794c7630

/* DW_EXEC_* of the binary `bin`. Fileless: its inode has no links (memfds
 * are created unlinked; so is a file deleted before the exec). Upper layer:
 * an overlayfs inode (exec opens the overlay's own file, whose inode is the
 * overlay's) whose struct ovl_inode has an upper dentry; where the running
 * kernel has no struct ovl_inode (overlay not built in, no BTF) the bit is
 * never set: libbpf resolves the field's existence at load. */
static __always_inline __u32 exec_flags_of(struct file *bin)
{
	struct inode *inode = BPF_CORE_READ(bin, f_inode);
	__u32 flags = 0;

	if (!inode)
		return 0;
	if (BPF_CORE_READ(inode, i_nlink) == 0)
		flags |= DW_EXEC_FILELESS;
	if (bpf_core_type_exists(struct ovl_inode) &&
	    bpf_core_field_exists(struct ovl_inode, __upperdentry) &&
	    BPF_CORE_READ(inode, i_sb, s_magic) == DW_OVERLAYFS_SUPER_MAGIC) {
		struct ovl_inode *oi = container_of(inode, struct ovl_inode, vfs_inode);

		if (BPF_CORE_READ(oi, __upperdentry))
			flags |= DW_EXEC_UPPER_LAYER;
	}
	return flags;
}

/* sched_process_exec fires once the new image is committed (after
 * begin_new_exec), in the exec'ing task's context, so current's mm already
 * holds the new argv. The path is the binary's own (bprm->file, symlinks
 * resolved: what /proc/<pid>/exe shows, so lineage agrees with processes
 * found in /proc), except for #! scripts and binfmt_misc, where bprm->interp
 * differs from bprm->filename: then it is the script as executed. The real
 * parent's executable is read here too, while the parent is certainly
 * known to the kernel: user space would race its exit.
 * tp_btf gives typed arguments without tracefs. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s;
	struct dw_exec_event *e;
	struct mm_struct *mm;
	struct file *parent_exe;
	unsigned long arg_start, arg_end;
	const char *filename, *interp;
	bool truncated = false;
	__u32 off, path_len = 0, cwd_len = 0, parent_len = 0, flags = 0;
	__u64 argv_len;
	long n;

	if (!task_is_watched())
		return 0;
	s = start_record(DW_EVENT_EXEC);
	if (!s)
		return 0;
	e = (struct dw_exec_event *)s->rec;
	off = sizeof(*e);

	filename = BPF_CORE_READ(bprm, filename);
	interp = BPF_CORE_READ(bprm, interp);
	if (interp == filename) {
		struct file *bin = BPF_CORE_READ(bprm, file);

		flags = exec_flags_of(bin);
		path_len = file_path(s, bin, &s->rec[off], &truncated);
	}
	if (path_len == 0) {
		n = bpf_probe_read_kernel_str(&s->rec[off], DW_PATH_MAX, filename);
		path_len = read_str_len(n, &s->rec[off], &truncated);
	}
	if (path_len > DW_PATH_MAX)
		return 0;
	off += path_len;

	/* The working directory, for a relative path and for every other exec
	 * too: an interpreter's script may be relative to it (`python3 app.py`
	 * in a container's WORKDIR). One more walk per exec, not per open. */
	if (!(flags & DW_EXEC_FILELESS)) {
		off = DW_BOUND(off, DW_PATH_MAX * 2);
		if (off > sizeof(*e) + DW_PATH_MAX)
			return 0;
		cwd_len = base_dir(s, DW_AT_FDCWD, &s->rec[off], &truncated);
		off += cwd_len;
	}

	parent_exe = BPF_CORE_READ(p, real_parent, mm, exe_file);
	if (parent_exe) {
		off = DW_BOUND(off, DW_PATH_MAX * 4);
		if (off > sizeof(*e) + 2 * DW_PATH_MAX)
			return 0;
		parent_len = file_path(s, parent_exe, &s->rec[off], &truncated);
		if (parent_len > DW_PATH_MAX)
			return 0;
		off += parent_len;
	}

	mm = BPF_CORE_READ(p, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	argv_len = 0;
	if (arg_end > arg_start) {
		argv_len = arg_end - arg_start;
		if (argv_len > DW_ARGV_MAX) {
			argv_len = DW_ARGV_MAX;
			truncated = true;
		}
		off = DW_BOUND(off, DW_PATH_MAX * 4);
		if (off > sizeof(*e) + 3 * DW_PATH_MAX)
			return 0;
		DW_MASK_INPLACE(argv_len, DW_ARGV_MAX * 2);
		if (argv_len > DW_ARGV_MAX)
			return 0;
		if (bpf_probe_read_user(&s->rec[off], argv_len, (void *)arg_start))
			argv_len = 0;
		off += argv_len;
	}
	e->path_len = path_len;
	e->cwd_len = cwd_len;
	e->argv_len = argv_len;
	e->parent_len = parent_len;
	e->exec_flags = flags;
	e->_pad0 = 0;
	if (truncated)
		e->h.flags |= DW_FLAG_TRUNCATED;
	emit(&e->h, off);
	return 0;
}

/* sched_process_fork runs in the parent's context for every clone; only new
 * thread groups (child->pid == child->tgid) matter for lineage. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_sched_fork, struct task_struct *parent, struct task_struct *child)
{
	struct scratch *s;
	struct dw_fork_event *e;

	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	if (!task_is_watched())
		return 0;
	s = start_record(DW_EVENT_FORK);
	if (!s)
		return 0;
	e = (struct dw_fork_event *)s->rec;
	e->child_pid = BPF_CORE_READ(child, tgid);
	e->_pad0 = 0;
	emit(&e->h, sizeof(*e));
	return 0;
}

/* sched_process_exit runs in the exiting task's context for every thread;
 * the thread-group leader's exit ends the process for lineage purposes. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_sched_exit, struct task_struct *p)
{
	struct scratch *s;
	struct dw_exit_event *e;
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if ((__u32)pid_tgid != (__u32)(pid_tgid >> 32))
		return 0;
	if (!task_is_watched())
		return 0;
	s = start_record(DW_EVENT_EXIT);
	if (!s)
		return 0;
	e = (struct dw_exit_event *)s->rec;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->_pad0 = 0;
	emit(&e->h, sizeof(*e));
	return 0;
}
