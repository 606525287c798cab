/* bpf/process.bpf.c: process lifecycle (exec, fork, exit) for lineage and
 * executable baselines. Included by driftwatch.bpf.c (one object, shared maps). */

/* sched_process_exec fires once the new image is committed (after
 * begin_new_exec), in the exec'ing task's context, so current's mm already
 * holds the new argv. The path is the binary's own (bprm->file, symlinks
 * resolved: what /proc/<pid>/exe shows, so lineage agrees with processes
 * found in /proc), except for #! scripts and binfmt_misc, where bprm->interp
 * differs from bprm->filename: then it is the script as executed.
 * tp_btf gives typed arguments without tracefs. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s;
	struct dw_exec_event *e;
	struct mm_struct *mm;
	unsigned long arg_start, arg_end;
	const char *filename, *interp;
	bool truncated = false;
	__u32 off, path_len = 0, cwd_len = 0;
	__u64 argv_len;
	long n;

	if (!task_is_watched())
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	e = (struct dw_exec_event *)s->rec;
	fill_header(&e->h, DW_EVENT_EXEC);
	off = sizeof(*e);

	filename = BPF_CORE_READ(bprm, filename);
	interp = BPF_CORE_READ(bprm, interp);
	if (interp == filename) {
		struct file *bin = BPF_CORE_READ(bprm, file);
		struct path p = BPF_CORE_READ(bin, f_path);
		__u32 woff = walk_path(s, &p, &truncated);

		path_len = copy_walked(s, woff, &s->rec[off]);
	}
	if (path_len == 0) {
		n = bpf_probe_read_kernel_str(&s->rec[off], DW_PATH_MAX, filename);
		if (n <= 0) {
			s->rec[off] = 0;
			n = 1;
		}
		if (n == DW_PATH_MAX)
			truncated = true;
		path_len = DW_BOUND(n, DW_PATH_MAX * 2);
	}
	if (path_len > DW_PATH_MAX)
		return 0;
	off += path_len;

	if (s->rec[sizeof(*e)] != '/') {
		off = DW_BOUND(off, DW_PATH_MAX * 2);
		if (off > sizeof(*e) + DW_PATH_MAX)
			return 0;
		cwd_len = base_dir(s, DW_AT_FDCWD, &s->rec[off], &truncated);
		off += cwd_len;
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
		if (off > sizeof(*e) + 2 * DW_PATH_MAX)
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
	s = get_scratch();
	if (!s)
		return 0;
	e = (struct dw_fork_event *)s->rec;
	fill_header(&e->h, DW_EVENT_FORK);
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
	s = get_scratch();
	if (!s)
		return 0;
	e = (struct dw_exit_event *)s->rec;
	fill_header(&e->h, DW_EVENT_EXIT);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->_pad0 = 0;
	emit(&e->h, sizeof(*e));
	return 0;
}
