/* bpf/net.bpf.c: TCP connect, accept and listen; UDP flows and DNS queries.
 * Included by driftwatch.bpf.c. */

#define DW_DNS_PORT_BE 0x3500 /* htons(53) on little-endian hosts */

static __always_inline __u16 sock_protocol(const struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

/* Fills family, protocol, ports and addresses of `e` from `sk`. Returns false
 * for families other than IPv4 and IPv6. */
static __always_inline bool fill_sock(struct dw_sock_event *e, const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
	__builtin_memset(e->peer_addr, 0, sizeof(e->peer_addr));
	e->family = family;
	e->protocol = sock_protocol(sk);
	e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* Closing a socket gives its bound port back and zeroes skc_num (a
	 * connection reset before accept(2) returned it); the source port the
	 * connection used stays in inet_sport. */
	if (!e->local_port)
		e->local_port = __builtin_bswap16(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	e->peer_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->result = 0;
	e->_pad0 = 0;
	if (family == DW_AF_INET) {
		bpf_core_read(e->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->peer_addr, 4, &sk->__sk_common.skc_daddr);
		return true;
	}
	if (family == DW_AF_INET6) {
		bpf_core_read(e->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->peer_addr, 16, &sk->__sk_common.skc_v6_daddr);
		return true;
	}
	return false;
}

/* Copies the connected peer's address of `sk` (of `family`) to `addr`
 * (16 bytes, network order; IPv4 in the first 4). False for families other
 * than IPv4 and IPv6. */
static __always_inline bool sock_peer_addr(const struct sock *sk, __u16 family, __u8 *addr)
{
	if (family == DW_AF_INET)
		bpf_core_read(addr, 4, &sk->__sk_common.skc_daddr);
	else if (family == DW_AF_INET6)
		bpf_core_read(addr, 16, &sk->__sk_common.skc_v6_daddr);
	else
		return false;
	return true;
}

/* The sock behind socket descriptor `fd`, or NULL. */
static __always_inline struct sock *fd_to_sock(int fd)
{
	struct file *f = fd_to_file(fd);
	struct socket *sock;

	if (!f)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

/* Whether the verdict cache answers this connect or accept: its key is
 * the peer's address, the port that names the service (the peer's for a
 * connect, ours for an accept), the direction (kind) and the protocol. */
static __always_inline bool sock_verdict_hit(const struct sock *sk, __u16 kind,
					     const struct task_watch *w)
{
	struct dw_verdict_key key = {};

	if (!w->epoch)
		return false;
	key.cgroup_id = w->cgroup_id;
	key.epoch = w->epoch;
	key.kind = kind;
	key.access = sock_protocol(sk);
	key.id.sock.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (kind == DW_EVENT_CONNECT)
		key.id.sock.port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	else
		key.id.sock.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!sock_peer_addr(sk, key.id.sock.family, key.id.sock.addr))
		return false;
	return verdict_hit(&key);
}

static __always_inline void emit_sock(const struct sock *sk, __u16 kind, __s32 result,
				      const struct task_watch *w)
{
	struct scratch *s;
	struct dw_sock_event *e;

	if ((kind == DW_EVENT_CONNECT || kind == DW_EVENT_ACCEPT) && sock_verdict_hit(sk, kind, w))
		return;
	s = start_record(kind);
	if (!s)
		return;
	e = (struct dw_sock_event *)s->rec;
	if (!fill_sock(e, sk))
		return;
	e->result = result;
	emit(&e->h, sizeof(*e));
}

/* inet_sock_set_state is the one tracepoint on every TCP state change, IPv4
 * and IPv6. The two transitions used here happen in the calling task's
 * context: SYN_SENT inside connect(2) (tcp_v4/v6_connect) and LISTEN inside
 * listen(2) (inet_csk_listen_start). Softirq transitions are ignored. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	struct task_watch w;
	__u16 kind;

	if (newstate == DW_TCP_SYN_SENT)
		kind = DW_EVENT_CONNECT;
	else if (newstate == DW_TCP_LISTEN)
		kind = DW_EVENT_LISTEN;
	else
		return 0;
	if (sock_protocol(sk) != DW_IPPROTO_TCP)
		return 0;
	if (!task_watched(&w))
		return 0;
	emit_sock(sk, kind, 0, &w);
	return 0;
}

/* The accepted connection's addresses are only known once accept(2) returns
 * the new descriptor; the handshake itself completes in softirq context, with
 * no task to attribute it to. */
static __always_inline int accept_exit(long ret)
{
	struct task_watch w;
	struct sock *sk;

	if (ret < 0 || !task_watched(&w))
		return 0;
	sk = fd_to_sock(ret);
	if (!sk || sock_protocol(sk) != DW_IPPROTO_TCP)
		return 0;
	emit_sock(sk, DW_EVENT_ACCEPT, ret, &w);
	return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int handle_sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

/* The UDP flows already reported (struct dw_udp_flow_key): a datagram's
 * flow goes up once per process, not once per datagram (a resolver or a
 * metrics client sends thousands). LRU: a flow pushed out is reported
 * again, never hidden. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dw_udp_flow_key);
	__type(value, __u8);
} udp_flows SEC(".maps");

#define DW_SOCK_BINDPORT_LOCK 8 /* sk_userlocks: bind(2) gave the port */

/* A UDP datagram (or connect) other than DNS on `sk`, to the peer `family`,
 * `addr`, `port_be`: reported as a CONNECT or an ACCEPT (bpf/events.h) the
 * first time its process sends on the flow. */
static __always_inline int udp_flow(struct sock *sk, __u16 family, const __u8 *addr, __u16 port_be)
{
	struct dw_udp_flow_key key = {};
	struct dw_sock_event *e;
	struct scratch *s;
	__u16 kind, local_port, peer_port = __builtin_bswap16(port_be);
	__u8 one = 1, locks;

	if (!peer_port)
		return 0;
	locks = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks);
	local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* A server's answer: from the port its program bound, to a client's
	 * higher (ephemeral) port. A port bound at random for each query (a
	 * resolver's source-port randomisation) is mostly above the service
	 * port it sends to; a peer on the same port (NTP, WireGuard) is a
	 * peer. */
	kind = (locks & DW_SOCK_BINDPORT_LOCK) && local_port && local_port < peer_port ? DW_EVENT_ACCEPT
											: DW_EVENT_CONNECT;
	key.cgroup_id = bpf_get_current_cgroup_id();
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.kind = kind;
	key.port = kind == DW_EVENT_ACCEPT ? local_port : peer_port;
	key.family = family;
	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	/* A lookup first: an LRU map's insert takes a free node (and may
	 * evict) before it finds the key there, which costs every repeated
	 * datagram; the lookup also marks a busy flow recently used. */
	if (bpf_map_lookup_elem(&udp_flows, &key))
		return 0; /* reported before */
	if (bpf_map_update_elem(&udp_flows, &key, &one, BPF_NOEXIST))
		return 0; /* another CPU reported it just now (or the map refused) */
	s = start_record(kind);
	if (!s)
		return 0;
	e = (struct dw_sock_event *)s->rec;
	if (!fill_sock(e, sk))
		return 0;
	e->family = family;
	e->peer_port = peer_port;
	__builtin_memcpy(e->peer_addr, addr, sizeof(e->peer_addr));
	emit(&e->h, sizeof(*e));
	return 0;
}

/* Reads an AF_INET or AF_INET6 sockaddr at user address `uaddr`: false for
 * any other family. */
static __always_inline bool read_user_sockaddr(const void *uaddr, __u16 *family, __u16 *port_be, __u8 *addr)
{
	bpf_probe_read_user(family, sizeof(*family), uaddr);
	bpf_probe_read_user(port_be, sizeof(*port_be), uaddr + 2);
	if (*family == DW_AF_INET)
		return bpf_probe_read_user(addr, 4, uaddr + 4) == 0;
	if (*family == DW_AF_INET6)
		return bpf_probe_read_user(addr, 16, uaddr + 8) == 0;
	return false;
}

/* A UDP datagram (or connect) on socket `fd`: the destination is `uaddr`
 * when given, else the socket's connected peer. To port 53, a DNS record
 * with the start of the message, so user space can read the query name;
 * to any other port, udp_flow(). */
static __always_inline int udp_send(int fd, const void *uaddr, const void *buf, __u64 len)
{
	struct scratch *s;
	struct dw_dns_event *e;
	struct sock *sk;
	__u16 family = 0, port_be = 0;
	__u8 addr[16] = {};
	__u32 plen;

	if (!task_is_watched())
		return 0;
	sk = fd_to_sock(fd);
	if (!sk || sock_protocol(sk) != DW_IPPROTO_UDP)
		return 0;
	if (uaddr) {
		if (!read_user_sockaddr(uaddr, &family, &port_be, addr))
			return 0;
	} else {
		family = BPF_CORE_READ(sk, __sk_common.skc_family);
		port_be = BPF_CORE_READ(sk, __sk_common.skc_dport);
		if (!sock_peer_addr(sk, family, addr))
			return 0;
	}
	if (port_be != DW_DNS_PORT_BE)
		return udp_flow(sk, family, addr, port_be);
	s = start_record(DW_EVENT_DNS);
	if (!s)
		return 0;
	e = (struct dw_dns_event *)s->rec;
	if (!fill_sock(&e->s, sk))
		return 0;
	if (uaddr) {
		e->s.peer_port = 53;
		__builtin_memcpy(e->s.peer_addr, addr, sizeof(e->s.peer_addr));
		e->s.family = family;
	}
	plen = 0;
	if (buf && len > 0) {
		plen = len > DW_DNS_MAX ? DW_DNS_MAX : len;
		plen = DW_BOUND(plen, DW_DNS_MAX * 2);
		if (plen > DW_DNS_MAX)
			return 0;
		if (bpf_probe_read_user(&s->rec[sizeof(*e)], plen, buf))
			plen = 0;
	}
	e->payload_len = plen;
	e->_pad0 = 0;
	e->_pad1 = 0;
	emit(&e->s.h, sizeof(*e) + plen);
	return 0;
}

/* Syscall tracepoints: the destination of a UDP datagram is not in any
 * networking tracepoint that runs in the sender's context. */
SEC("tp/syscalls/sys_enter_sendto")
int handle_sys_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return udp_send((int)ctx->args[0], (const void *)ctx->args[4],
			(const void *)ctx->args[1], ctx->args[2]);
}

static __always_inline int udp_sendmsg(int fd, const struct user_msghdr *umsg)
{
	struct user_msghdr msg = {};
	struct iovec iov = {};

	if (bpf_probe_read_user(&msg, sizeof(msg), umsg))
		return 0;
	if (msg.msg_iov && msg.msg_iovlen > 0)
		bpf_probe_read_user(&iov, sizeof(iov), msg.msg_iov);
	return udp_send(fd, msg.msg_name, iov.iov_base, iov.iov_len);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int handle_sys_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return udp_sendmsg((int)ctx->args[0], (const struct user_msghdr *)ctx->args[1]);
}

/* glibc's resolver sends the A and AAAA queries with one sendmmsg; the first
 * message names the query. */
SEC("tp/syscalls/sys_enter_sendmmsg")
int handle_sys_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return udp_sendmsg((int)ctx->args[0], (const struct user_msghdr *)ctx->args[1]);
}

/* A connected UDP socket may then use write(2), which is not hooked; the
 * connect names its peer (the resolver, or the flow). */
SEC("tp/syscalls/sys_enter_connect")
int handle_sys_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return udp_send((int)ctx->args[0], (const void *)ctx->args[1], NULL, 0);
}

/* A datagram a UDP server received: its sender, written by the kernel into
 * `uaddr` (recvfrom's src_addr, a msghdr's msg_name), is a client of the
 * port the program bound, reported by udp_flow() under the same key as the
 * server's answers, once per process and client. So a server that never
 * answers (a syslog or metrics collector) shows its clients. Only on a
 * socket whose program bound its port: a client's socket reported its flow
 * when it sent. An answer from port 53 is a resolver's, no flow. The hooks
 * check the process is watched first; recvfrom's without an address asked
 * (recv(2), what TCP servers call) leave before any lookup. */
static __always_inline struct sock *udp_server_sock(int fd)
{
	struct sock *sk = fd_to_sock(fd);

	if (!sk || sock_protocol(sk) != DW_IPPROTO_UDP ||
	    !(BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks) & DW_SOCK_BINDPORT_LOCK))
		return NULL;
	return sk;
}

static __always_inline int udp_sender(struct sock *sk, const void *uaddr)
{
	__u16 family = 0, port_be = 0;
	__u8 addr[16] = {};

	if (!uaddr || !read_user_sockaddr(uaddr, &family, &port_be, addr) || port_be == DW_DNS_PORT_BE)
		return 0;
	return udp_flow(sk, family, addr, port_be);
}

static __always_inline int udp_recv_watched(int fd, const void *uaddr)
{
	struct sock *sk;

	if (!uaddr)
		return 0;
	sk = udp_server_sock(fd);
	return sk ? udp_sender(sk, uaddr) : 0;
}

/* The receive syscalls' exits: the sender is known only once the call
 * returns; the arguments are read from the saved registers (syscall_regs). */
SEC("tp/syscalls/sys_exit_recvfrom")
int handle_sys_exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;
	const void *uaddr;

	if (ctx->ret < 0)
		return 0;
	regs = syscall_regs();
	uaddr = (const void *)PT_REGS_PARM5_SYSCALL(regs);
	if (!uaddr || !task_is_watched())
		return 0;
	return udp_recv_watched((int)PT_REGS_PARM1_SYSCALL(regs), uaddr);
}

/* recvmsg's message. */
static __always_inline int udp_recvmsg(long ret)
{
	const struct user_msghdr *umsg;
	struct pt_regs *regs;
	void *name = NULL;

	if (ret < 0 || !task_is_watched())
		return 0;
	regs = syscall_regs();
	umsg = (const struct user_msghdr *)PT_REGS_PARM2_SYSCALL(regs);
	if (!umsg || bpf_probe_read_user(&name, sizeof(name), &umsg->msg_name))
		return 0;
	return udp_recv_watched((int)PT_REGS_PARM1_SYSCALL(regs), name);
}

SEC("tp/syscalls/sys_exit_recvmsg")
int handle_sys_exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	return udp_recvmsg(ctx->ret);
}

/* recvmmsg returns how many messages it filled: the senders of the first
 * DW_RECVMMSG_MAX of them (a syslog collector reads batches; each client is
 * reported once per process anyway, so a batch's later senders are mostly
 * known by then). */
#define DW_RECVMMSG_MAX 8

SEC("tp/syscalls/sys_exit_recvmmsg")
int handle_sys_exit_recvmmsg(struct trace_event_raw_sys_exit *ctx)
{
	const struct mmsghdr *vec;
	struct pt_regs *regs;
	struct sock *sk;
	long n = ctx->ret;
	int i;

	if (n <= 0 || !task_is_watched())
		return 0;
	regs = syscall_regs();
	vec = (const struct mmsghdr *)PT_REGS_PARM2_SYSCALL(regs);
	sk = vec ? udp_server_sock((int)PT_REGS_PARM1_SYSCALL(regs)) : NULL;
	if (!sk)
		return 0;
	for (i = 0; i < DW_RECVMMSG_MAX && i < n; i++) {
		void *name = NULL;

		if (bpf_probe_read_user(&name, sizeof(name), &vec[i].msg_hdr.msg_name))
			break;
		udp_sender(sk, name);
	}
	return 0;
}
