// model/syscall_groups.h: syscalls grouped by the capability they use, the
// granularity at which a workload's syscall baseline generalizes.
//
// Why groups: a program uses the syscalls of its code paths, and training
// exercises only some paths. A server that wrote with write() in training and
// now uses writev(), or that created files and now removes a directory, has
// not gained a capability: it uses one it has, through another entry point.
// Seccomp practice works at this granularity for the same reason (systemd's
// SystemCallFilter= sets such as @file-system, @network-io, @signal); the
// groups below follow that idea, written for drift detection: each holds
// syscalls that give the same power over the same kind of object, so knowing
// one means the workload already holds that power.
//
// What stays item by item: every syscall in no group (an unknown or rarely
// used one is news), and the groups of privilege and kernel control
// (setuid/capabilities, mount, modules, ptrace, bpf, keyrings, ...): the
// evasive and tampering lists below are never absolved by a group, whatever
// the workload learned.
#ifndef DRIFTWATCH_MODEL_SYSCALL_GROUPS_H_
#define DRIFTWATCH_MODEL_SYSCALL_GROUPS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/fingerprint.h"

namespace dw::model {

// The group of the syscall named `name` ("writev" -> "basic-io"), or "" for a
// syscall in no group. Names as libseccomp spells them (collector/syscall_names.h).
std::string_view SyscallGroup(std::string_view name);

// Whether `group` gives no power over anything outside the process: waiting
// (io-event), sleeping and timers (timer), syncing what it already wrote
// (sync). A program reaches these on paths training may never run (nginx's
// master sleeps while its workers drain at a graceful stop); that it waited
// is not drift a person can act on, so the scorer is silent about them
// outside a new program's tree, and an allow-list holds them all.
bool IsHarmlessSyscallGroup(std::string_view group);

// Syscalls an attacker needs to escape a container, hide or persist (mount,
// unshare, setns, keyctl, memfd_create, ...).
bool IsEvasiveSyscall(std::string_view name);
// Syscalls that read or change other processes or the kernel itself (ptrace,
// process_vm_*, bpf, module loading, kexec, ...).
bool IsTamperingSyscall(std::string_view name);

// The first learned syscall (by name order) in the group of `name`, or ""
// when `name` is in no group or none of its group was learned.
std::string_view LearnedGroupMember(const std::map<std::string, ItemStats>& learned, std::string_view name);

// What the scorer is silent about outside a new program's tree: the learned
// syscalls, every member of their groups and of the harmless groups, sorted.
// The set an allow-list (a seccomp profile) must hold to agree with
// detection: a profile of the learned names alone would kill the process
// that detection lets pass (writev after write, a sleep at shutdown).
std::vector<std::string> WithLearnedGroups(const std::map<std::string, ItemStats>& learned);

}  // namespace dw::model

#endif  // DRIFTWATCH_MODEL_SYSCALL_GROUPS_H_
