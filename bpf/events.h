/* bpf/events.h: the wire format between driftwatch's BPF programs and user space.
 *
 * Every ring-buffer record starts with struct dw_header. Records are variable
 * length: a fixed part (one of the structs below) followed by trailing bytes
 * whose lengths the fixed part gives. dw_header.size is the length of the whole
 * record. Event kinds are numbered explicitly and append-only; a change to any
 * layout bumps DW_WIRE_VERSION (trace files store raw records, so readers check
 * it). The C++ side pins every size and offset in collector/decode.cc.
 */
#ifndef DRIFTWATCH_BPF_EVENTS_H_
#define DRIFTWATCH_BPF_EVENTS_H_

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* 1: the first layout. 2: dw_exec_event grew parent_len and exec_flags (its
 * fixed part is 72 bytes; a version-1 exec record is the first 64 bytes of
 * it, parent_len and exec_flags 0, DW_EXEC_EVENT_V1_SIZE). 3: dw_open_event
 * grew the opened file's identity (struct dw_file_id; its fixed part is 112
 * bytes; a version-1 or -2 open record is the first 80 bytes of it, the
 * identity 0, DW_OPEN_EVENT_V2_SIZE). */
#define DW_WIRE_VERSION 3
#define DW_WIRE_VERSION_MIN 1 /* the oldest version readers still decode */

#define DW_COMM_LEN 16
#define DW_PATH_MAX 1024  /* bytes of a path, NUL included; longer paths are cut */
#define DW_ARGV_MAX 512   /* bytes of argv, NUL-separated; longer argv is cut */
#define DW_DNS_MAX 256    /* bytes of a DNS query message captured */
#define DW_MAX_RECORD 4096 /* no record is larger than this */
#define DW_SYSCALL_MAX 512 /* syscall numbers >= this are not tracked */

/* Event kinds. Append-only: never renumber. */
enum dw_event_kind {
	DW_EVENT_EXEC = 1,    /* struct dw_exec_event */
	DW_EVENT_FORK = 2,    /* struct dw_fork_event: a new process (not a thread) */
	DW_EVENT_EXIT = 3,    /* struct dw_exit_event: a process (thread group) ended */
	DW_EVENT_OPEN = 4,    /* struct dw_open_event: open, openat, openat2, creat */
	DW_EVENT_CONNECT = 5, /* struct dw_sock_event: outbound TCP connect, or UDP flow */
	DW_EVENT_ACCEPT = 6,  /* struct dw_sock_event: inbound TCP accept, or UDP flow */
	DW_EVENT_LISTEN = 7,  /* struct dw_sock_event: a TCP socket starts listening */
	DW_EVENT_DNS = 8,     /* struct dw_dns_event: a UDP datagram to port 53 */
	DW_EVENT_SYSCALL = 9, /* struct dw_syscall_event: a cgroup's first use of a syscall */
};

/* Flags of dw_header.flags. */
#define DW_FLAG_TRUNCATED 0x1 /* a path, argv or payload was cut to its bound */

/* First in every record. 56 bytes. */
struct dw_header {
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns(): ns since boot, suspend included */
	__u64 cgroup_id;  /* bpf_get_current_cgroup_id(): cgroup v2 id (inode number) */
	__u32 pid;        /* thread group id of the current task (user-space pid) */
	__u32 tid;        /* thread id of the current task */
	__u32 ppid;       /* thread group id of the real parent */
	__u32 uid;        /* real uid, init user namespace */
	__u16 kind;       /* enum dw_event_kind */
	__u16 size;       /* bytes of the whole record, header and trailing data included */
	__u16 flags;      /* DW_FLAG_* */
	__u16 _pad0;
	char comm[DW_COMM_LEN]; /* task comm, NUL-padded */
};

/* Flags of dw_exec_event.exec_flags: what the kernel knew of the executed
 * file (the binary itself; 0 for #! scripts and binfmt_misc, where the file
 * in hand at the tracepoint is the interpreter). */
#define DW_EXEC_FILELESS 0x1 /* no name on any file system: the inode has no
			      * links (a memfd, or a file unlinked before the
			      * exec); path is the memfd's name ("memfd:x",
			      * not starting with '/') or the unlinked path */
#define DW_EXEC_UPPER_LAYER 0x2 /* on overlayfs, and the file exists on the
				 * upper (writable) layer: created or
				 * copied up after the mount, not from an
				 * image's lower layers */

/* DW_EVENT_EXEC, from sched_process_exec, after the new image is in place.
 * Trailing: the executable's path (path_len bytes, NUL included): the
 * binary's absolute path with symlinks resolved, or for a script the path
 * given to execve, or for a fileless binary see DW_EXEC_FILELESS; then,
 * unless fileless, the working directory (cwd_len bytes, NUL included; 0 when
 * unknown): the base of a relative path, and of an interpreter's relative
 * script (older recordings carry it only for relative paths; the layout
 * is the same); then the real parent's executable
 * (parent_len bytes, NUL included, path as above; 0 when it has none, e.g. a
 * kernel thread); then argv (argv_len bytes, each argument NUL-terminated). */
struct dw_exec_event {
	struct dw_header h;
	__u16 path_len;   /* bytes of the executable's path, NUL included */
	__u16 cwd_len;    /* bytes of the working directory, NUL included, or 0 */
	__u16 argv_len;   /* bytes of argv that follow */
	__u16 parent_len; /* v2: bytes of the parent's executable path, or 0 */
	__u32 exec_flags; /* v2: DW_EXEC_* */
	__u32 _pad0;
};

#define DW_EXEC_EVENT_V1_SIZE 64 /* the fixed part of a version-1 exec record */

/* DW_EVENT_FORK, from sched_process_fork; h describes the parent. */
struct dw_fork_event {
	struct dw_header h;
	__u32 child_pid; /* thread group id of the new process */
	__u32 _pad0;
};

/* DW_EVENT_EXIT, from sched_process_exit of a thread-group leader. */
struct dw_exit_event {
	struct dw_header h;
	__s32 exit_code; /* task->exit_code: (status << 8) | signal */
	__u32 _pad0;
};

/* Access bits of dw_open_event.access, reduced from the open flags. */
#define DW_ACCESS_READ 0x1
#define DW_ACCESS_WRITE 0x2
#define DW_ACCESS_CREATE 0x4
#define DW_ACCESS_CONNECT 0x8 /* a connect(2) to a unix socket at this path (no open) */

/* What identifies an opened file without its path: the key of the verdict
 * cache (struct dw_verdict_key). All 0 when the open failed. */
struct dw_file_id {
	__u64 ino;        /* inode->i_ino */
	__u64 parent_ino; /* i_ino of the directory the file was opened in (d_parent) */
	__u32 dev;        /* inode->i_sb->s_dev (kernel dev_t encoding) */
	__u32 generation; /* inode->i_generation: tells a reused inode number apart */
	__u32 mnt_id;     /* the mount it was opened through (struct mount.mnt_id) */
	__u32 name_hash;  /* dentry->d_name.hash: the name it was opened by */
};

/* DW_EVENT_OPEN, from sys_exit of open, openat, openat2 and creat; and
 * from sys_exit of connect to a unix socket (access DW_ACCESS_CONNECT, flags
 * 0, dfd AT_FDCWD, file all 0): the socket's path as the caller gave it, or
 * "@name" for an abstract socket. Once per (process, path) while the kernel
 * remembers the pair (bpf/file.bpf.c).
 * Trailing: the path (path_len bytes, NUL included), then, when that path is
 * relative, the directory it is relative to (cwd_len bytes, NUL included;
 * 0 otherwise): the working directory, or the directory of dfd. When the
 * open succeeded the path is the opened file's absolute path as the process
 * sees it (symlinks resolved, from the file's dentry chain); when it failed it
 * is the path as the caller gave it. */
struct dw_open_event {
	struct dw_header h;
	__s32 result;    /* the syscall's return: an fd, or -errno */
	__u32 flags;     /* the raw open flags (O_*) */
	__u16 access;    /* DW_ACCESS_* */
	__u16 path_len;  /* bytes of the path, NUL included */
	__u16 cwd_len;   /* bytes of the base directory, NUL included, or 0 */
	__u16 _pad0;
	__s32 dfd;       /* the directory fd argument (AT_FDCWD = -100) */
	__u32 _pad1;
	struct dw_file_id file; /* v3: the opened file (0 when result < 0) */
};

#define DW_OPEN_EVENT_V2_SIZE 80 /* the fixed part of a version-1/2 open record */

/* DW_EVENT_CONNECT, _ACCEPT, _LISTEN (and the first part of _DNS).
 * Addresses are in network byte order; IPv4 uses the first 4 bytes. */
struct dw_sock_event {
	struct dw_header h;
	__u16 family;     /* AF_INET (2) or AF_INET6 (10) */
	__u16 protocol;   /* IPPROTO_TCP (6) or IPPROTO_UDP (17) */
	__u16 local_port; /* host byte order */
	__u16 peer_port;  /* host byte order; 0 for LISTEN */
	__u8 local_addr[16];
	__u8 peer_addr[16];
	__s32 result;     /* syscall return where known (accept: the fd), else 0 */
	__u32 _pad0;
};

/* UDP other than DNS (bpf/net.bpf.c udp_flow) comes as DW_EVENT_CONNECT or
 * DW_EVENT_ACCEPT with protocol IPPROTO_UDP, once per flow and process: a
 * datagram sent (sendto, sendmsg, sendmmsg's first message) or a connect(2)
 * of a UDP socket. From a port its program bound (bind(2) with a port:
 * the kernel's SOCK_BINDPORT_LOCK) to a higher port, a server answering a
 * client of that port: an ACCEPT with local_port that port and the client
 * as peer. Any other datagram goes out: a CONNECT to the peer. Datagrams
 * written with write(2) on a connected socket are not hooked: the connect
 * names their peer. */

/* Key of the udp_flows map (bpf/net.bpf.c): the UDP flows already reported.
 * Unused fields are 0 (a key is its bytes). User space deletes a cgroup's
 * keys when its workload learns again, so that each flow is reported
 * again. */
struct dw_udp_flow_key {
	__u64 cgroup_id; /* dw_header.cgroup_id */
	__u32 pid;       /* dw_header.pid: each process reports its own flows */
	__u16 kind;      /* DW_EVENT_CONNECT or DW_EVENT_ACCEPT */
	__u16 port;      /* CONNECT: the peer's port; ACCEPT: the local port */
	__u16 family;    /* AF_INET or AF_INET6 */
	__u16 _pad0;
	__u32 _pad1;
	__u8 addr[16];   /* the peer's address (network order) */
};

/* DW_EVENT_DNS, from sys_enter of sendto, sendmsg, sendmmsg and connect on a
 * UDP socket whose peer port is 53. Trailing: the first payload_len bytes of
 * the DNS message (header and question); 0 for connect. */
struct dw_dns_event {
	struct dw_sock_event s;
	__u16 payload_len; /* bytes of DNS message that follow */
	__u16 _pad0;
	__u32 _pad1;
};

/* DW_EVENT_SYSCALL, from raw sys_enter, once per (cgroup, syscall number):
 * the first time a task of h.cgroup_id enters syscall `nr` (while the kernel
 * still holds that cgroup's set; see bpf/syscall.bpf.c), when syscall
 * learning is on; otherwise the same for the sentinel syscalls only, from
 * their own tracepoints (collector::SentinelSyscalls()). */
struct dw_syscall_event {
	struct dw_header h;
	__u32 nr;    /* syscall number, native ABI of the kernel (x86_64: __NR_*), < DW_SYSCALL_MAX */
	__u32 _pad0;
};

/* Value of the cgroup_counters map (per CPU, keyed by the cgroup id of the
 * task, as dw_header.cgroup_id): what the programs saw of each watched
 * cgroup since they were loaded. Not a ring-buffer record; user space sums
 * the CPUs' copies. Every hooked call of a watched task counts in calls[]
 * by its event kind, whether its record reached user space or not, so
 * rates hold even where a record is not sent. */
#define DW_COUNTED_KINDS 16 /* calls[] slots: enum dw_event_kind values below this */
struct dw_cgroup_counters {
	__u64 calls[DW_COUNTED_KINDS]; /* hooked calls by dw_event_kind (0 unused) */
	__u64 writes;  /* DW_EVENT_OPEN calls with DW_ACCESS_WRITE */
	__u64 emitted; /* records written to the ring buffer */
	__u64 dropped; /* records lost: the ring buffer was full */
	__u64 filtered[DW_COUNTED_KINDS]; /* calls the verdict cache answered, by
					   * dw_event_kind: counted in calls[],
					   * no record sent */
};

/* Value of the cgroup_watched map (bpf/common.bpf.h), keyed by cgroup id:
 * what the programs know of one cgroup, found with the one lookup every
 * hooked call makes. The programs fill `watched` the first time a cgroup
 * calls (from watched_cgroups and its ancestors); user space sets `epoch`
 * for the verdict cache (below) and takes it away by deleting the entry. */
struct dw_cgroup_state {
	__u32 epoch;   /* the cgroup's verdict-cache epoch; 0: not looked up */
	__u8 watched;  /* 1: the cgroup or an ancestor is in watched_cgroups */
	__u8 _pad0[3];
};

/* What identifies a socket's peer in the verdict cache: the same size as
 * struct dw_file_id, so that a key is 48 bytes whichever it holds. */
struct dw_sock_id {
	__u16 family;  /* AF_INET or AF_INET6 */
	__u16 port;    /* CONNECT: the peer's port; ACCEPT: the local port */
	__u32 _pad0;
	__u8 addr[16]; /* the peer's address (network order) */
	__u64 _pad1;
};

/* The kernel verdict cache (bpf/common.bpf.h, maps cgroup_watched and
 * verdicts). User space inserts the key of an event it scored as known
 * (nothing new, no finding) for a workload in monitor state; the programs
 * look the key up before walking a path or reserving ring-buffer space, and
 * a hit sends nothing (counted in dw_cgroup_counters.filtered). Keys carry
 * the cgroup's epoch (dw_cgroup_state.epoch): a cgroup without an epoch is
 * never looked up (learning, or the cache off), and a new epoch makes every
 * older key of the cgroup unreachable (they age out of the LRU).
 * Which events are cached is decided by user space
 * (collector/verdict_cache.h); the kernel looks up only these kinds.
 * Unused fields are 0, so a key is its bytes (48: the hash covers them all
 * on every lookup). */
struct dw_verdict_key {
	__u64 cgroup_id;  /* dw_header.cgroup_id */
	__u32 epoch;      /* the cgroup's epoch at insertion */
	__u16 kind;       /* DW_EVENT_OPEN, DW_EVENT_CONNECT or DW_EVENT_ACCEPT */
	__u16 access;     /* OPEN: DW_ACCESS_*; sockets: the protocol */
	union {
		struct dw_file_id file; /* OPEN */
		struct dw_sock_id sock; /* CONNECT, ACCEPT */
	} id;
};

/* A sentinel syscall's first use by a cgroup (bpf/syscall.bpf.c, map
 * sentinel_seen): the pairs already reported. User space deletes a cgroup's
 * pairs when its workload learns again, so the next use is reported again. */
struct dw_sentinel_key {
	__u64 cgroup_id; /* dw_header.cgroup_id */
	__u32 nr;        /* the syscall number */
	__u32 _pad0;     /* 0: a key is its bytes */
};

#endif /* DRIFTWATCH_BPF_EVENTS_H_ */
