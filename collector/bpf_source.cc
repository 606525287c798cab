// collector/bpf_source.cc: loads driftwatch's BPF programs and polls their ring buffer.
// The skeleton and libbpf stay in this file.
#include "collector/bpf_source.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <mutex>

#include "bpf/events.h"
#include "collector/process_table.h"
#include "driftwatch.skel.h"

namespace dw::collector {
namespace {

std::mutex g_logger_mu;
std::function<void(int, const std::string&)> g_logger;

int LibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  std::lock_guard<std::mutex> lock(g_logger_mu);
  if (!g_logger) return 0;
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof(buf), format, args);
  if (n <= 0) return 0;
  std::string line(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
  while (!line.empty() && line.back() == '\n') line.pop_back();
  g_logger(static_cast<int>(level), line);
  return n;
}

// Syscall tracepoints (tp/) are found through tracefs; hosts that boot
// without it mounted get it mounted at its standard place.
void EnsureTracefs() {
  struct stat st;
  if (stat("/sys/kernel/tracing/events", &st) == 0) return;
  if (stat("/sys/kernel/debug/tracing/events", &st) == 0) return;
  mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr);
}

// Programs without which there is no lineage or executable baseline, and the
// syscall hook, which is loaded only when asked for.
bool IsRequired(const std::string& program) {
  return program == "handle_sched_exec" || program == "handle_sched_fork" ||
         program == "handle_sched_exit" || program == "handle_sys_enter";
}

// Whether the running kernel's BTF describes function `name` (a kfunc the
// programs may call; they skip it when it is absent).
bool KernelHasFunction(const char* name) {
  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), btf__free);
  return vmlinux != nullptr && btf__find_by_name_kind(vmlinux.get(), name, BTF_KIND_FUNC) > 0;
}

int64_t ClockNs(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

void SetLibbpfLogger(std::function<void(int level, const std::string& line)> logger) {
  std::lock_guard<std::mutex> lock(g_logger_mu);
  g_logger = std::move(logger);
  libbpf_set_print(LibbpfPrint);
}

int64_t BootToUnixOffsetNs() {
  // Read the boot clock between two wall-clock reads to halve the skew.
  int64_t a = ClockNs(CLOCK_REALTIME);
  int64_t b = ClockNs(CLOCK_BOOTTIME);
  int64_t c = ClockNs(CLOCK_REALTIME);
  return a + (c - a) / 2 - b;
}

struct BpfEventSource::Impl {
  std::unique_ptr<driftwatch_bpf, decltype(&driftwatch_bpf__destroy)> skel{nullptr,
                                                                           driftwatch_bpf__destroy};
  std::vector<std::unique_ptr<bpf_link, decltype(&bpf_link__destroy)>> links;
  std::unique_ptr<ring_buffer, decltype(&ring_buffer__free)> rb{nullptr, ring_buffer__free};
  const RecordHandler* handler = nullptr;  // valid during Run()/Consume()

  static int OnSample(void* ctx, void* data, size_t size) {
    auto* self = static_cast<Impl*>(ctx);
    if (self->handler != nullptr) {
      (*self->handler)(std::span<const uint8_t>(static_cast<const uint8_t*>(data), size));
    }
    return 0;
  }
};

BpfEventSource::BpfEventSource(std::unique_ptr<Impl> impl, std::string mount)
    : impl_(std::move(impl)), mount_(mount), resolver_(std::move(mount)) {}

BpfEventSource::~BpfEventSource() = default;

Result<std::unique_ptr<BpfEventSource>> BpfEventSource::Open(const BpfOptions& options) {
  ASSIGN_OR_RETURN(std::string mount, FindCgroup2Mount());
  std::vector<uint64_t> watched;
  for (const std::string& path : options.cgroups) {
    auto id = CgroupIdOfPath(mount, path);
    if (!id) return Status(ErrorCode::kNotFound, "unknown cgroup " + path + " (not under " + mount + ")");
    watched.push_back(id->value);
  }

  auto impl = std::make_unique<Impl>();
  impl->skel.reset(driftwatch_bpf__open());
  if (!impl->skel) return Status::Errno("open BPF object", errno);
  auto* rodata = impl->skel->rodata;
  rodata->filter_cgroups = !watched.empty();
  rodata->self_tgid = static_cast<__u32>(getpid());
  rodata->wakeup_bytes = options.wakeup_bytes;
  rodata->verdict_cache = options.verdict_cache;
  rodata->rdonly_cast = options.direct_loads && KernelHasFunction("bpf_rdonly_cast");
  // Preallocated: one entry when the cache is off.
  bpf_map__set_max_entries(impl->skel->maps.verdicts,
                           options.verdict_cache ? std::max<uint32_t>(options.verdict_entries, 1) : 1);
  if (bpf_map__set_max_entries(impl->skel->maps.events, options.ringbuf_bytes) != 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "set ring buffer size " + std::to_string(options.ringbuf_bytes) +
                      ": must be a power of two and a multiple of the page size");
  }
  // Off by default: a program not loaded costs the host's syscalls nothing.
  // Its map is preallocated (LRU): shrunk to one entry when unused.
  bpf_program__set_autoload(impl->skel->progs.handle_sys_enter, options.syscalls);
  if (!options.syscalls) bpf_map__set_max_entries(impl->skel->maps.cgroup_syscalls, 1);
  // The sentinels' hooks see a subset of what handle_sys_enter sees.
  const bool sentinels = options.sentinels && !options.syscalls;
  bpf_program__set_autoload(impl->skel->progs.handle_sentinel_syscall, sentinels);
  if (!sentinels) bpf_map__set_max_entries(impl->skel->maps.sentinel_seen, 1);
  if (driftwatch_bpf__load(impl->skel.get()) != 0) {
    int err = errno;
    Status s = Status::Errno("load BPF programs", err);
    if (err == EPERM || err == EACCES) {
      return Status(ErrorCode::kPermissionDenied,
                    s.message() + " (driftwatch needs root, or CAP_BPF and CAP_PERFMON)");
    }
    return s;
  }
  for (uint64_t id : watched) {
    uint8_t one = 1;
    if (bpf_map__update_elem(impl->skel->maps.watched_cgroups, &id, sizeof(id), &one, sizeof(one),
                             BPF_ANY) != 0) {
      return Status::Errno("add watched cgroup", errno);
    }
  }

  EnsureTracefs();
  std::vector<HookStatus> hooks;
  bpf_program* prog = nullptr;
  size_t sentinels_attached = 0;
  bpf_object__for_each_program(prog, impl->skel->obj) {
    if (!bpf_program__autoload(prog)) continue;  // switched off (BpfOptions)
    if (prog == impl->skel->progs.handle_sentinel_syscall) {
      // One program, attached to each sentinel syscall's own tracepoint. A
      // kernel without a syscall (no modules, no kexec) has no tracepoint
      // for it, and nothing to watch: such a sentinel is no missing hook,
      // unless none attached at all (no syscall tracepoints).
      std::vector<HookStatus> absent;
      for (const SentinelSyscall& sentinel : SentinelSyscalls()) {
        HookStatus h;
        h.program = bpf_program__name(prog);
        h.hook = "tp/syscalls/" + std::string(sentinel.tracepoint);
        bpf_link* link = bpf_program__attach_tracepoint(prog, "syscalls", std::string(sentinel.tracepoint).c_str());
        if (link == nullptr) {
          const int err = errno;
          h.error = std::strerror(err);
          (err == ENOENT ? absent : hooks).push_back(std::move(h));
          continue;
        }
        h.attached = true;
        ++sentinels_attached;
        impl->links.emplace_back(link, bpf_link__destroy);
        hooks.push_back(std::move(h));
      }
      if (sentinels_attached == 0) hooks.insert(hooks.end(), absent.begin(), absent.end());
      continue;
    }
    HookStatus h;
    h.program = bpf_program__name(prog);
    h.hook = bpf_program__section_name(prog);
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      h.error = std::strerror(errno);
      if (IsRequired(h.program)) {
        return Status(ErrorCode::kUnavailable, "attach " + h.hook + ": " + h.error);
      }
    } else {
      h.attached = true;
      impl->links.emplace_back(link, bpf_link__destroy);
    }
    hooks.push_back(std::move(h));
  }

  impl->rb.reset(ring_buffer__new(bpf_map__fd(impl->skel->maps.events), &Impl::OnSample,
                                  impl.get(), nullptr));
  if (!impl->rb) return Status::Errno("create ring buffer reader", errno);

  std::unique_ptr<BpfEventSource> source(new BpfEventSource(std::move(impl), mount));
  source->hooks_ = std::move(hooks);
  source->poll_interval_ = options.poll_interval;
  source->verdict_cache_ = options.verdict_cache;
  source->syscall_watch_ = options.syscalls        ? SyscallWatch::kAll
                           : sentinels_attached > 0 ? SyscallWatch::kSentinels
                                                    : SyscallWatch::kNone;
  source->boot_to_unix_ns_ = BootToUnixOffsetNs();
  source->resolver_.Rescan();
  if (options.snapshot_processes) {
    source->processes_ = ProcessTable::ScanProc("/proc", source->mount_);
  }
  return source;
}

Status BpfEventSource::Run(const RecordHandler& handler, const std::atomic<bool>& stop) {
  impl_->handler = &handler;
  Status status;
  while (!stop.load(std::memory_order_relaxed)) {
    int n = ring_buffer__poll(impl_->rb.get(), static_cast<int>(poll_interval_.count()));
    if (n == -EINTR) continue;
    if (n < 0) {
      status = Status::Errno("poll ring buffer", -n);
      break;
    }
    // Wake-ups are batched in the kernel: drain what is there even when
    // the poll timed out.
    n = ring_buffer__consume(impl_->rb.get());
    if (n < 0 && n != -EINTR) {
      status = Status::Errno("consume ring buffer", -n);
      break;
    }
  }
  if (status.ok()) ring_buffer__consume(impl_->rb.get());  // drain on stop
  impl_->handler = nullptr;
  return status;
}

int BpfEventSource::ready_fd() const { return ring_buffer__epoll_fd(impl_->rb.get()); }

std::string BpfEventSource::node() const {
  struct utsname u;
  return uname(&u) == 0 ? std::string(u.nodename) : std::string();
}

Result<int> BpfEventSource::Consume(const RecordHandler& handler) {
  impl_->handler = &handler;
  int n = ring_buffer__consume(impl_->rb.get());
  impl_->handler = nullptr;
  if (n < 0) return Status::Errno("consume ring buffer", -n);
  return n;
}

std::optional<ProcessSnapshot> BpfEventSource::LookupProcess(uint32_t pid) {
  return ProcessTable::ReadProc("/proc", pid, mount_);
}

static_assert(sizeof(KernelCounters::calls) == sizeof(dw_cgroup_counters::calls));
static_assert(sizeof(KernelCounters::filtered) == sizeof(dw_cgroup_counters::filtered));

// The epoch lives in the cgroup's cgroup_watched entry (struct
// dw_cgroup_state), which the programs look up on every call anyway. Only
// cgroups whose events reached user space get one, so they are watched.
Status BpfEventSource::SetVerdictEpoch(CgroupId cgroup, uint32_t epoch) {
  if (!verdict_cache_) return Status::Ok();
  uint64_t id = cgroup.value;
  dw_cgroup_state state{};
  state.epoch = epoch;
  state.watched = 1;
  if (bpf_map__update_elem(impl_->skel->maps.cgroup_watched, &id, sizeof(id), &state, sizeof(state),
                           BPF_ANY) != 0) {
    return Status::Errno("set verdict epoch of cgroup " + std::to_string(id), errno);
  }
  return Status::Ok();
}

// Deleting the entry takes the epoch away: the next call of the cgroup walks
// its ancestors again and the programs insert it with epoch 0.
Status BpfEventSource::ClearVerdictEpoch(CgroupId cgroup) {
  if (!verdict_cache_) return Status::Ok();
  uint64_t id = cgroup.value;
  if (bpf_map__delete_elem(impl_->skel->maps.cgroup_watched, &id, sizeof(id), 0) != 0 && errno != ENOENT) {
    return Status::Errno("clear verdict epoch of cgroup " + std::to_string(id), errno);
  }
  return Status::Ok();
}

// Deletes every entry the syscall hooks and the UDP hooks hold for the
// cgroup; a map shrunk to one entry because its hook is off holds none
// (ENOENT). The UDP flows' keys carry a pid: the map is walked (its size
// bounds the walk; a relearn is rare).
Status BpfEventSource::ForgetReported(CgroupId cgroup) {
  auto forget = [](bpf_map* map, const void* key, size_t size) {
    return bpf_map__delete_elem(map, key, size, 0) == 0 || errno == ENOENT;
  };
  uint64_t id = cgroup.value;
  if (!forget(impl_->skel->maps.cgroup_syscalls, &id, sizeof(id))) {
    return Status::Errno("forget the syscalls of cgroup " + std::to_string(id), errno);
  }
  for (uint32_t nr : SentinelSyscallNumbers()) {
    dw_sentinel_key key{};  // zeroed: padding is part of the hashed bytes
    key.cgroup_id = id;
    key.nr = nr;
    if (!forget(impl_->skel->maps.sentinel_seen, &key, sizeof(key))) {
      return Status::Errno("forget the sentinel syscalls of cgroup " + std::to_string(id), errno);
    }
  }
  bpf_map* flows = impl_->skel->maps.udp_flows;
  std::vector<dw_udp_flow_key> mine;
  dw_udp_flow_key key{};
  const void* prev = nullptr;
  while (bpf_map__get_next_key(flows, prev, &key, sizeof(key)) == 0) {
    if (key.cgroup_id == id) mine.push_back(key);
    prev = &key;
  }
  for (const dw_udp_flow_key& k : mine) {
    if (!forget(flows, &k, sizeof(k))) {
      return Status::Errno("forget the UDP flows of cgroup " + std::to_string(id), errno);
    }
  }
  return Status::Ok();
}

static_assert(sizeof(dw_sentinel_key) == 16);
static_assert(sizeof(dw_udp_flow_key) == 40);
static_assert(sizeof(dw_verdict_key) == 48);
static_assert(sizeof(dw_file_id) == sizeof(dw_sock_id));

// The cgroup's entry is an LRU one: a host with more active cgroups than it
// holds can push it out, and with it the epoch. So every insertion writes
// the epoch again (insertions are the rare path: an event that reached user
// space and was known), and the cache comes back at the next one.
Status BpfEventSource::InsertVerdict(const VerdictKey& key) {
  if (!verdict_cache_) return Status::Ok();
  dw_verdict_key k{};  // zeroed: padding is part of the hashed bytes
  k.cgroup_id = key.cgroup;
  k.epoch = key.epoch;
  k.kind = key.kind;
  k.access = key.access;
  if (key.kind == DW_EVENT_OPEN) {
    k.id.file = {key.file.ino, key.file.parent_ino, key.file.dev, key.file.generation, key.file.mnt_id,
                 key.file.name_hash};
  } else {
    k.id.sock.family = key.family;
    k.id.sock.port = key.port;
    std::memcpy(k.id.sock.addr, key.addr.data(), sizeof(k.id.sock.addr));
  }
  uint8_t one = 1;
  if (bpf_map__update_elem(impl_->skel->maps.verdicts, &k, sizeof(k), &one, sizeof(one), BPF_ANY) != 0) {
    return Status::Errno("insert verdict", errno);
  }
  return SetVerdictEpoch(CgroupId{key.cgroup}, key.epoch);
}

Result<std::map<CgroupId, KernelCounters>> BpfEventSource::CgroupCounters() const {
  const int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) return Status::Errno("count possible CPUs", -ncpus);
  bpf_map* map = impl_->skel->maps.cgroup_counters;
  std::vector<dw_cgroup_counters> per_cpu(static_cast<size_t>(ncpus));
  std::map<CgroupId, KernelCounters> out;
  uint64_t key = 0;
  const uint64_t* prev = nullptr;
  // Entries may come and go during the walk (LRU): a key gone between
  // get_next_key and lookup is skipped.
  while (bpf_map__get_next_key(map, prev, &key, sizeof(key)) == 0) {
    prev = &key;
    if (bpf_map__lookup_elem(map, &key, sizeof(key), per_cpu.data(),
                             per_cpu.size() * sizeof(dw_cgroup_counters), 0) != 0) {
      continue;
    }
    KernelCounters& k = out[CgroupId{key}];
    for (const dw_cgroup_counters& c : per_cpu) {
      for (size_t i = 0; i < k.calls.size(); ++i) k.calls[i] += c.calls[i];
      k.writes += c.writes;
      k.emitted += c.emitted;
      k.dropped += c.dropped;
      for (size_t i = 0; i < k.filtered.size(); ++i) k.filtered[i] += c.filtered[i];
    }
  }
  return out;
}

uint32_t BpfEventSource::wire_version() const { return DW_WIRE_VERSION; }

uint64_t BpfEventSource::dropped() const {
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) return 0;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpus));
  uint32_t zero = 0;
  if (bpf_map__lookup_elem(impl_->skel->maps.ringbuf_drops, &zero, sizeof(zero), per_cpu.data(),
                           per_cpu.size() * sizeof(uint64_t), 0) != 0) {
    return 0;
  }
  uint64_t total = 0;
  for (uint64_t n : per_cpu) total += n;
  return total;
}

}  // namespace dw::collector
