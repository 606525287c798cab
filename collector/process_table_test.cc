// collector/process_table_test.cc: lineage through fork and exec, ancestry,
// exits and pid reuse, the size bound, and /proc scans (fake and real).
#include "collector/process_table.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "collector/cgroup.h"
#include "collector/programs.h"
#include "collector/testing/temp_dir.h"

namespace dw::collector {
namespace {

namespace fs = std::filesystem;

const std::string kInit = "/usr/lib/systemd/systemd";
const std::string kBash = "/usr/bin/bash";
const std::string kPython = "/usr/bin/python3.11";
const std::string kCurl = "/usr/bin/curl";

Event Exec(uint32_t pid, uint32_t ppid, const std::string& path, std::vector<std::string> argv) {
  Event e;
  e.kind = EventKind::kExec;
  e.pid = e.tid = pid;
  e.ppid = ppid;
  e.path = path;
  e.argv = std::move(argv);
  return e;
}

Event Fork(uint32_t pid, uint32_t ppid, uint32_t child) {
  Event e;
  e.kind = EventKind::kFork;
  e.pid = e.tid = pid;
  e.ppid = ppid;
  e.child_pid = child;
  return e;
}

Event Exit(uint32_t pid, uint32_t ppid) {
  Event e;
  e.kind = EventKind::kExit;
  e.pid = e.tid = pid;
  e.ppid = ppid;
  return e;
}

Event Open(uint32_t pid, uint32_t ppid, const std::string& path) {
  Event e;
  e.kind = EventKind::kOpen;
  e.pid = e.tid = pid;
  e.ppid = ppid;
  e.path = path;
  return e;
}

ProcessContext Ctx(uint32_t pid, std::string exe, std::vector<std::string> argv, uint32_t ppid,
                   std::string parent_exe, std::vector<std::string> ancestry) {
  return ProcessContext{pid, std::move(exe), std::move(argv), ppid, std::move(parent_exe), std::move(ancestry)};
}

// Applies `e` and returns the context it was given.
ProcessContext ApplyCtx(ProcessTable* t, Event e) {
  t->Apply(&e);
  return e.process;
}

// An event that still holds the previous event's context (a reused Event)
// gets the same context as a fresh one: deeper, shallower and unknown ones.
TEST(ProcessTableTest, ContextOfAReusedEventIsTheSame) {
  const std::vector<Event> events = {
      Exec(1, 0, kInit, {"init"}),  Fork(1, 0, 10), Exec(10, 1, kBash, {"bash", "-c", "x"}),
      Fork(10, 1, 11),              Exec(11, 10, kPython, {"python3", "app.py"}),
      Fork(11, 10, 12),             Exec(12, 11, kCurl, {"curl", "http://example.com/"}),
      Open(12, 11, "/etc/hosts"),   Open(10, 1, "/etc/profile"), Open(77, 76, "/x"),
      Open(12, 11, "/etc/hosts"),   Exit(12, 11),                Open(1, 0, "/etc/fstab")};
  ProcessTable fresh, reused;
  Event held;
  held.process = Ctx(5, "/stale", {"stale", "argv"}, 4, "/stale/parent", {"/a", "/b", "/c", "/d", "/e"});
  held.process.runtime = RuntimeContextRef(RuntimeContext{.node = "stale"});
  for (const Event& e : events) {
    ProcessContext want = ApplyCtx(&fresh, e);
    ProcessContext keep = std::move(held.process);
    held = e;
    held.process = std::move(keep);
    reused.Apply(&held);
    EXPECT_EQ(held.process, want) << e.pid << " " << e.path;
  }
}

TEST(ProcessTableTest, LineageThroughForkAndExec) {
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {"/sbin/init"}});
  t.Seed({100, 1, 0, kBash, {"-bash"}});

  // bash forks: the event is the parent's; the child is a copy of bash.
  EXPECT_EQ(ApplyCtx(&t, Fork(100, 1, 200)), Ctx(100, kBash, {"-bash"}, 1, kInit, {kInit}));
  EXPECT_EQ(ApplyCtx(&t, Open(200, 100, "/etc/passwd")),
            Ctx(200, kBash, {"-bash"}, 100, kBash, {kBash, kInit}));

  // The child execs python, which forks and execs curl.
  EXPECT_EQ(ApplyCtx(&t, Exec(200, 100, kPython, {"python3", "job.py"})),
            Ctx(200, kPython, {"python3", "job.py"}, 100, kBash, {kBash, kInit}));
  EXPECT_EQ(ApplyCtx(&t, Fork(200, 100, 300)),
            Ctx(200, kPython, {"python3", "job.py"}, 100, kBash, {kBash, kInit}));
  EXPECT_EQ(ApplyCtx(&t, Exec(300, 200, kCurl, {"curl", "-s", "http://x"})),
            Ctx(300, kCurl, {"curl", "-s", "http://x"}, 200, kPython, {kPython, kBash, kInit}));
  EXPECT_EQ(ApplyCtx(&t, Open(300, 200, "/etc/hosts")),
            Ctx(300, kCurl, {"curl", "-s", "http://x"}, 200, kPython, {kPython, kBash, kInit}));
  EXPECT_EQ(t.size(), 4u);

  // parent_exe is the parent's exe at the time: after bash execs vim, new
  // events of python see vim, the exec event above kept bash.
  ApplyCtx(&t, Exec(100, 1, "/usr/bin/vim", {"vim"}));
  EXPECT_EQ(ApplyCtx(&t, Open(200, 100, "/tmp/x")),
            Ctx(200, kPython, {"python3", "job.py"}, 100, "/usr/bin/vim", {"/usr/bin/vim", kInit}));
}

// The kernel's word on the parent's exe (Event::parent_exe): it names a
// parent gone before the table heard of it, and corrects a stale entry.
TEST(ProcessTableTest, KernelParentExeNamesAGoneParentAndWins) {
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {"/sbin/init"}});
  Event e = Exec(60, 50, kCurl, {"curl"});
  e.parent_exe = kBash;
  EXPECT_EQ(ApplyCtx(&t, e), Ctx(60, kCurl, {"curl"}, 50, kBash, {kBash}));
  // Later events of the child keep the parent.
  EXPECT_EQ(ApplyCtx(&t, Open(60, 50, "/etc/hosts")),
            Ctx(60, kCurl, {"curl"}, 50, kBash, {kBash}));

  // A parent the table knows as python (its exec of bash was missed): the
  // kernel's exe wins, the rest of the lineage stays.
  ApplyCtx(&t, Exec(70, 1, kPython, {"python3"}));
  Event f = Exec(71, 70, kCurl, {"curl"});
  f.parent_exe = kBash;
  EXPECT_EQ(ApplyCtx(&t, f), Ctx(71, kCurl, {"curl"}, 70, kBash, {kBash, kInit}));

  // Without the kernel's value (a wire-version-1 trace) nothing changes.
  EXPECT_EQ(ApplyCtx(&t, Exec(80, 55, kCurl, {"curl"})), Ctx(80, kCurl, {"curl"}, 55, "", {}));
}

TEST(ProcessTableTest, ExecWithoutAForkAndUnknownPids) {
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {"/sbin/init"}});
  // Unknown pid, unknown parent: only the event's ids.
  EXPECT_EQ(ApplyCtx(&t, Open(999, 998, "/x")), Ctx(999, "", {}, 998, "", {}));
  // Unknown pid whose parent is known.
  EXPECT_EQ(ApplyCtx(&t, Open(999, 1, "/x")), Ctx(999, "", {}, 1, kInit, {kInit}));
  EXPECT_EQ(t.size(), 1u);
  // An exec is enough to know a process.
  EXPECT_EQ(ApplyCtx(&t, Exec(500, 1, "/usr/sbin/sshd", {"sshd", "-D"})),
            Ctx(500, "/usr/sbin/sshd", {"sshd", "-D"}, 1, kInit, {kInit}));
  // A fork from an unknown parent gives a child with unknown exe, whose
  // ancestry stops at that parent.
  ApplyCtx(&t, Fork(700, 1, 701));
  EXPECT_EQ(ApplyCtx(&t, Open(701, 700, "/x")), Ctx(701, "", {}, 700, "", {}));
  EXPECT_EQ(ApplyCtx(&t, Exec(701, 700, kCurl, {"curl"})), Ctx(701, kCurl, {"curl"}, 700, "", {}));
}

TEST(ProcessTableTest, AncestryIsBoundedAndStopsAtInitZeroAndLoops) {
  ProcessTable t(65536, 3);
  t.Seed({1, 0, 0, kInit, {}});
  // 10 <- 11 <- ... <- 15, 10's parent is init.
  t.Seed({10, 1, 0, "/bin/p10", {}});
  for (uint32_t pid = 11; pid <= 15; ++pid) t.Seed({pid, pid - 1, 0, "/bin/p" + std::to_string(pid), {}});
  EXPECT_EQ(ApplyCtx(&t, Open(15, 14, "/x")),
            Ctx(15, "/bin/p15", {}, 14, "/bin/p14", {"/bin/p14", "/bin/p13", "/bin/p12"}));
  EXPECT_EQ(ApplyCtx(&t, Open(11, 10, "/x")), Ctx(11, "/bin/p11", {}, 10, "/bin/p10", {"/bin/p10", kInit}));

  // pid 1 ends the chain even if it claims a parent; so does ppid 0.
  t.Seed({1, 7, 0, kInit, {}});
  t.Seed({7, 0, 0, "/bin/p7", {}});
  EXPECT_EQ(ApplyCtx(&t, Open(11, 10, "/x")), Ctx(11, "/bin/p11", {}, 10, "/bin/p10", {"/bin/p10", kInit}));
  t.Seed({2, 0, 0, "kthreadd", {}});
  t.Seed({20, 2, 0, "/bin/p20", {}});
  EXPECT_EQ(ApplyCtx(&t, Open(20, 2, "/x")), Ctx(20, "/bin/p20", {}, 2, "kthreadd", {"kthreadd"}));

  // A loop of parents (a damaged snapshot) ends when a pid repeats.
  ProcessTable wide(65536, 8);
  wide.Seed({30, 31, 0, "/bin/p30", {}});
  wide.Seed({31, 32, 0, "/bin/p31", {}});
  wide.Seed({32, 30, 0, "/bin/p32", {}});
  EXPECT_EQ(ApplyCtx(&wide, Open(30, 31, "/x")), Ctx(30, "/bin/p30", {}, 31, "/bin/p31", {"/bin/p31", "/bin/p32"}));
  wide.Seed({40, 40, 0, "/bin/p40", {}});
  EXPECT_EQ(ApplyCtx(&wide, Open(40, 40, "/x")), Ctx(40, "/bin/p40", {}, 40, "/bin/p40", {}));

  ProcessTable none(65536, 0);
  none.Seed({1, 0, 0, kInit, {}});
  EXPECT_EQ(ApplyCtx(&none, Exec(5, 1, kCurl, {})), Ctx(5, kCurl, {}, 1, kInit, {}));
}

// A process the host's service manager forked into the cgroup (a unit's
// ExecReload or ExecStop command) is marked at its exec; an orphan the
// workload forked, reparented to pid 1, is not, nor is a child of another pid 1.
TEST(ProcessTableTest, TheServiceManagersCommandsAreMarkedAtTheirExec) {
  const std::string systemd = "/usr/lib/systemd/systemd";
  ProcessTable t;
  t.Seed({1, 0, 0, systemd, {}});
  auto flags = [&t](Event e) {
    t.Apply(&e);
    return e.exec_flags & kExecByServiceManager;
  };
  Event reload = Exec(300, 1, "/usr/bin/kill", {"/bin/kill", "-HUP", "42"});
  reload.parent_exe = systemd;
  EXPECT_NE(flags(reload), 0);
  // Seen first as systemd (its setup before the exec, or in /proc at start).
  t.Seed({301, 1, 0, "/lib/systemd/systemd", {}});
  Event stop = Exec(301, 1, "/usr/sbin/nginx", {"nginx", "-s", "quit"});
  stop.parent_exe = "/lib/systemd/systemd";
  EXPECT_NE(flags(stop), 0);
  // The workload's own shell, forked in the cgroup and orphaned: its image is its own.
  t.Seed({400, 42, 0, kBash, {}});
  ApplyCtx(&t, Fork(400, 42, 401));
  Event orphan = Exec(401, 1, kCurl, {"curl"});
  orphan.parent_exe = systemd;
  EXPECT_EQ(flags(orphan), 0);
  // Another parent than pid 1, another init, or no kernel parent exe.
  Event child = Exec(500, 300, kCurl, {"curl"});
  child.parent_exe = systemd;
  EXPECT_EQ(flags(child), 0);
  Event init = Exec(501, 1, kCurl, {"curl"});
  init.parent_exe = "/sbin/init";
  EXPECT_EQ(flags(init), 0);
  EXPECT_EQ(flags(Exec(502, 1, kCurl, {"curl"})), 0);
}

// A unit's shell command line execs its last command in place (dash runs
// `sh -c 'kill -HUP 42'`'s kill so): that command is the unit's too. A
// unit's program that replaces its own image (an exploit's execve in the
// service's main process) is not; nor is a shell without a command line.
TEST(ProcessTableTest, AUnitsShellCommandLinesLastCommandIsTheUnitsToo) {
  const std::string systemd = "/usr/lib/systemd/systemd";
  ProcessTable t;
  t.Seed({1, 0, 0, systemd, {}});
  auto flags = [&](uint32_t pid, const std::string& exe, std::vector<std::string> argv) {
    Event e = Exec(pid, 1, exe, std::move(argv));
    e.parent_exe = systemd;
    t.Apply(&e);
    return e.exec_flags & kExecByServiceManager;
  };
  EXPECT_NE(flags(300, "/usr/bin/dash", {"/bin/sh", "-c", "/bin/kill -HUP 42"}), 0);
  EXPECT_NE(flags(300, "/usr/bin/kill", {"/bin/kill", "-HUP", "42"}), 0);
  EXPECT_NE(flags(301, "/usr/bin/bash", {"/bin/bash", "-ec", "exec /usr/sbin/app"}), 0);
  EXPECT_NE(flags(301, "/usr/sbin/app", {"/usr/sbin/app"}), 0);
  EXPECT_EQ(flags(301, "/usr/bin/dash", {"sh", "-i"}), 0) << "the unit's program replaced its image";
  EXPECT_NE(flags(302, "/usr/sbin/app", {"/usr/sbin/app", "-c", "conf"}), 0);
  EXPECT_EQ(flags(302, "/usr/bin/dash", {"sh"}), 0) << "not a shell command line before";
  EXPECT_NE(flags(303, "/usr/bin/dash", {"sh", "/etc/app/reload.sh"}), 0);
  EXPECT_EQ(flags(303, "/usr/bin/kill", {"kill", "-HUP", "42"}), 0) << "a script's exec is the script's";
}

// An interpreter's first operand, an absolute path, is its script; flags
// that take a value, a module or inline code name none; shells have none.
TEST(ScriptOfTest, AnInterpretersFirstOperandIsItsScript) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ScriptOf("/usr/bin/lua5.4", V{"lua5.4", "/usr/bin/prosody", "-F"}), "/usr/bin/prosody");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"/usr/bin/python3", "-u", "/usr/bin/gunicorn", "app:a"}),
            "/usr/bin/gunicorn");
  EXPECT_EQ(ScriptOf("/usr/bin/node", V{"node", "--max-old-space-size=256", "/srv/app/server.js"}),
            "/srv/app/server.js");
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"/usr/bin/perl", "-T -w", "/usr/sbin/spamd", "-d"}), "/usr/sbin/spamd")
      << "a #! line's options are one word";
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-wT", "/usr/bin/x"}), "/usr/bin/x");
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-w -I/usr/lib", "/usr/bin/x"}), "");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-W", "ignore", "/usr/bin/x"}), "/usr/bin/x");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-m", "http.server"}), "");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-c", "import os"}), "");
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-I", "/usr/share/perl5", "/srv/x.pl"}), "/srv/x.pl")
      << "-I takes a value";
  EXPECT_EQ(ScriptOf("/usr/bin/php8.2", V{"php", "-c", "/etc/php.ini", "/srv/x.php"}), "/srv/x.php");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "app.py"}), "") << "relative, and no working directory";
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3"}), "");
  EXPECT_EQ(ScriptOf("/usr/bin/dash", V{"/bin/sh", "/etc/cron.daily/job"}), "") << "a shell's script is the shell's";
  EXPECT_EQ(ScriptOf("/usr/sbin/nginx", V{"nginx", "/etc/nginx/x"}), "") << "no interpreter";
  EXPECT_TRUE(IsProgramName("python3.11", kInterpreterNames));
}

// A relative first operand is a script in the working directory of the
// exec (a container's WORKDIR): `python3 app.py`, `node ./srv/../server.js`.
// Not standard input, not after a flag that takes a value, not after `-S`
// (perl and ruby search the PATH for it), not without a working directory.
TEST(ScriptOfTest, ARelativeScriptIsInTheWorkingDirectory) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "app.py"}, "/app"), "/app/app.py");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-u", "manage.py", "runserver"}, "/srv/site"),
            "/srv/site/manage.py");
  EXPECT_EQ(ScriptOf("/usr/bin/node", V{"node", "./srv/../server.js"}, "/home/app"), "/home/app/server.js");
  EXPECT_EQ(ScriptOf("/usr/bin/php8.2", V{"php", "artisan", "queue:work"}, "/var/www"), "/var/www/artisan");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-S", "app.py"}, "/app"), "")
      << "-S: a PATH search for perl and ruby; not guessed for any";
  EXPECT_EQ(ScriptOf("/usr/bin/ruby3.1", V{"ruby", "-S", "puma"}, "/app"), "");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-"}, "/app"), "") << "standard input";
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-m", "app"}, "/app"), "");
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-e", "print 1"}, "/app"), "");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "app.py"}, "relative/cwd"), "");
  EXPECT_EQ(ScriptOf("/usr/bin/dash", V{"sh", "job.sh"}, "/app"), "") << "a shell's script is the shell's";
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "/srv/a.py"}, "/app"), "/srv/a.py");
}

// Each interpreter's flags that take a value, separate or attached, are
// passed over; a flag after which no script runs ends the search; php's -f
// names the script; an unknown flag, or one of an interpreter without a
// table, names none.
TEST(ScriptOfTest, AnInterpretersOwnFlagsAndTheirValuesArePassedOver) {
  using V = std::vector<std::string>;
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-Ilib", "-MDBI", "bin/app.pl"}, "/srv"), "/srv/bin/app.pl");
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-d:NYTProf", "/srv/x.pl"}), "/srv/x.pl");
  EXPECT_EQ(ScriptOf("/usr/bin/perl", V{"perl", "-wle", "print 1"}, "/srv"), "") << "code";
  EXPECT_EQ(ScriptOf("/usr/bin/node", V{"node", "-r", "dotenv/config", "server.js"}, "/app"), "/app/server.js");
  EXPECT_EQ(ScriptOf("/usr/bin/node", V{"node", "--require=dotenv/config", "dist/main.js"}, "/app"),
            "/app/dist/main.js");
  EXPECT_EQ(ScriptOf("/usr/bin/node", V{"node", "-e", "require('x')"}, "/app"), "");
  EXPECT_EQ(ScriptOf("/usr/bin/php8.2", V{"php", "-d", "memory_limit=-1", "artisan", "queue:work"}, "/var/www"),
            "/var/www/artisan");
  EXPECT_EQ(ScriptOf("/usr/bin/php8.2", V{"php", "-dmemory_limit=1G", "-f", "cron.php"}, "/var/www"),
            "/var/www/cron.php");
  EXPECT_EQ(ScriptOf("/usr/bin/php8.2", V{"php", "-r", "echo 1;"}, "/var/www"), "");
  EXPECT_EQ(ScriptOf("/usr/bin/ruby3.1", V{"ruby", "-Ilib", "-r", "bundler/setup", "bin/worker"}, "/app"),
            "/app/bin/worker");
  EXPECT_EQ(ScriptOf("/usr/bin/ruby3.1", V{"ruby", "-C", "/srv/app", "bin/worker"}, "/app"), "")
      << "-C moves the directory the script is in";
  EXPECT_EQ(ScriptOf("/usr/bin/ruby3.1", V{"ruby", "-C", "/srv/app", "/srv/app/bin/worker"}, "/app"),
            "/srv/app/bin/worker");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "-Wignore", "-X", "dev", "app.py"}, "/app"), "/app/app.py");
  EXPECT_EQ(ScriptOf("/usr/bin/lua5.4", V{"lua5.4", "-l", "socket", "main.lua"}, "/srv"), "/srv/main.lua");
  EXPECT_EQ(ScriptOf("/usr/bin/python3.11", V{"python3", "--frobnicate", "app.py"}, "/app"), "") << "unknown";
  EXPECT_EQ(ScriptOf("/usr/bin/tclsh8.6", V{"tclsh", "-encoding", "utf-8", "x.tcl"}, "/srv"), "");
  EXPECT_FALSE(IsProgramName("pythonista", kInterpreterNames));
  EXPECT_TRUE(IsProgramName("dash", kShellNames));
}

// A server and its admin tool run by one interpreter are two programs: the
// children of each see their parent as its script, through `#!/usr/bin/env`
// (the script's exec, then the interpreter's in place), a #! line naming the
// interpreter (the table learns the interpreter from the kernel at the first
// child's exec), and a process found at start-up. A shell script's children
// still see the shell.
TEST(ProcessTableTest, AnInterpretersProgramIsItsScript) {
  const std::string lua = "/usr/bin/lua5.4", prosody = "/usr/bin/prosody", ctl = "/usr/bin/prosodyctl";
  const std::string dash = "/usr/bin/dash";
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({10, 1, 0, kBash, {}});
  auto exec = [&](uint32_t pid, uint32_t ppid, const std::string& path, std::vector<std::string> argv,
                  const std::string& kernel_parent_exe) {
    Event e = Exec(pid, ppid, path, std::move(argv));
    e.parent_exe = kernel_parent_exe;
    t.Apply(&e);
    return e.process;
  };
  // #!/usr/bin/env lua5.4
  ApplyCtx(&t, Fork(10, 1, 11));
  ProcessContext c = exec(11, 10, prosody, {"/usr/bin/env", "lua5.4", prosody, "-F"}, kBash);
  EXPECT_EQ(c.exe, prosody);
  EXPECT_EQ(c.script, "");
  c = exec(11, 10, lua, {"lua5.4", prosody, "-F"}, kBash);
  EXPECT_EQ(c.exe, lua);
  EXPECT_EQ(c.script, prosody);
  EXPECT_EQ(c.parent_exe, kBash);
  ApplyCtx(&t, Fork(11, 10, 12));
  EXPECT_EQ(ApplyCtx(&t, Open(12, 11, "/x")).script, prosody) << "a fork runs the same script";
  c = exec(12, 11, dash, {"sh", "-c", "id"}, lua);
  EXPECT_EQ(c.parent_exe, prosody);
  EXPECT_EQ(c.ancestry, (std::vector<std::string>{prosody, kBash, kInit}));
  EXPECT_EQ(c.script, "");
  // The admin tool, by the same interpreter.
  ApplyCtx(&t, Fork(10, 1, 20));
  exec(20, 10, lua, {"lua5.4", ctl, "status"}, kBash);
  ApplyCtx(&t, Fork(20, 10, 21));
  EXPECT_EQ(exec(21, 20, dash, {"sh", "-c", "stty -echo"}, lua).parent_exe, ctl);

  // #!/usr/bin/python3 -u: the exec record names the script; the kernel names
  // the interpreter at its child's exec.
  const std::string gunicorn = "/usr/bin/gunicorn";
  ApplyCtx(&t, Fork(10, 1, 30));
  c = exec(30, 10, gunicorn, {"/usr/bin/python3", "-u", gunicorn, "app:app"}, kBash);
  EXPECT_EQ(c.exe, gunicorn);
  ApplyCtx(&t, Fork(30, 10, 31));
  EXPECT_EQ(exec(31, 30, dash, {"sh", "-c", "x"}, kPython).parent_exe, gunicorn);
  c = ApplyCtx(&t, Open(30, 10, "/x"));
  EXPECT_EQ(c.exe, kPython);
  EXPECT_EQ(c.script, gunicorn);
  EXPECT_EQ(c.argv, (std::vector<std::string>{"/usr/bin/python3", "-u", gunicorn, "app:app"}));

  // #!/bin/sh: the shell's children see the shell, as before.
  const std::string job = "/usr/local/bin/job.sh";
  ApplyCtx(&t, Fork(10, 1, 40));
  exec(40, 10, job, {"/bin/sh", job}, kBash);
  ApplyCtx(&t, Fork(40, 10, 41));
  EXPECT_EQ(exec(41, 40, kCurl, {"curl", "x"}, dash).parent_exe, dash);
  c = ApplyCtx(&t, Open(40, 10, "/x"));
  EXPECT_EQ(c.exe, dash);
  EXPECT_EQ(c.script, "");
  EXPECT_TRUE(c.argv.empty()) << "the #! line's argv was the script's, not the shell's";

  // Found at start-up.
  t.Seed({50, 1, 0, kPython, {"python3", "/srv/app/app.py"}});
  t.Seed({60, 1, 0, kPython, {"python3", "-m", "worker"}});
  ApplyCtx(&t, Fork(50, 1, 51));
  EXPECT_EQ(exec(51, 50, dash, {"sh"}, kPython).parent_exe, "/srv/app/app.py");
  ApplyCtx(&t, Fork(60, 1, 61));
  EXPECT_EQ(exec(61, 60, dash, {"sh"}, kPython).parent_exe, kPython);
}

// `python3 app.py` in /app (a container's WORKDIR): the working directory the
// kernel read at the exec names the script, which its forks keep; so does a
// process found at start-up, by its /proc cwd; and a #! script run by a
// relative path, once the kernel names its interpreter.
TEST(ProcessTableTest, ARelativeScriptIsNamedFromTheExecsWorkingDirectory) {
  const std::string dash = "/usr/bin/dash";
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({10, 1, 0, kBash, {}});
  auto exec = [&](uint32_t pid, uint32_t ppid, const std::string& path, std::vector<std::string> argv,
                  const std::string& cwd, const std::string& kernel_parent_exe) {
    Event e = Exec(pid, ppid, path, std::move(argv));
    e.cwd = cwd;
    e.parent_exe = kernel_parent_exe;
    t.Apply(&e);
    return e.process;
  };
  ApplyCtx(&t, Fork(10, 1, 11));
  EXPECT_EQ(exec(11, 10, kPython, {"python3", "app.py"}, "/app", kBash).script, "/app/app.py");
  ApplyCtx(&t, Fork(11, 10, 12));
  EXPECT_EQ(ApplyCtx(&t, Open(12, 11, "/x")).script, "/app/app.py") << "a fork runs the same script";
  EXPECT_EQ(exec(12, 11, dash, {"sh", "-c", "id"}, "/tmp", kPython).parent_exe, "/app/app.py");

  ApplyCtx(&t, Fork(10, 1, 20));
  EXPECT_EQ(exec(20, 10, kPython, {"python3", "app.py"}, "", kBash).script, "")
      << "a recording without the working directory keeps the interpreter";

  ProcessSnapshot found{30, 1, 0, kPython, {"python3", "worker.py"}};
  found.cwd = "/app";
  t.Seed(found);
  ApplyCtx(&t, Fork(30, 1, 31));
  EXPECT_EQ(exec(31, 30, dash, {"sh"}, "/app", kPython).parent_exe, "/app/worker.py");

  // ./bin/job.pl with `#!/usr/bin/perl -w`: the record's path is resolved by
  // the decoder; the argv keeps the relative name the script was run by.
  ApplyCtx(&t, Fork(10, 1, 40));
  exec(40, 10, "/app/bin/job.pl", {"/usr/bin/perl", "-w", "./bin/job.pl"}, "/app", kBash);
  ApplyCtx(&t, Fork(40, 10, 41));
  EXPECT_EQ(exec(41, 40, dash, {"sh"}, "/app", "/usr/bin/perl").parent_exe, "/app/bin/job.pl");
  EXPECT_EQ(ApplyCtx(&t, Open(40, 10, "/x")).script, "/app/bin/job.pl");
}

TEST(ProcessTableTest, ReparentedOrphanFollowsTheEventsPpid) {
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({100, 1, 0, kBash, {}});
  t.Seed({200, 100, 0, kPython, {}});
  ApplyCtx(&t, Exit(100, 1));
  // Still the exited parent until the kernel says otherwise.
  EXPECT_EQ(ApplyCtx(&t, Open(200, 0, "/x")), Ctx(200, kPython, {}, 100, kBash, {kBash, kInit}));
  EXPECT_EQ(ApplyCtx(&t, Open(200, 1, "/x")), Ctx(200, kPython, {}, 1, kInit, {kInit}));
}

// The lookup of unknown ancestors runs again for the same pid only when the
// table changed: a reparenting to an unknown pid, a new process, an exit.
TEST(ProcessTableTest, UnknownAncestorsAreLookedUpAgainOnlyAfterAChange) {
  ProcessTable t;
  std::vector<uint32_t> asked;
  t.SetLookup([&](uint32_t pid) -> std::optional<ProcessSnapshot> {
    asked.push_back(pid);
    if (pid == 300) return ProcessSnapshot{300, 1, 0, kBash, {}};
    return std::nullopt;
  });
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({200, 150, 0, kPython, {}});  // its parent 150 is unknown and gone
  ApplyCtx(&t, Open(200, 150, "/x"));
  EXPECT_EQ(asked, std::vector<uint32_t>({150}));
  ApplyCtx(&t, Open(200, 150, "/y"));  // nothing changed: not asked again
  EXPECT_EQ(asked, std::vector<uint32_t>({150}));
  // Reparented to 300, which /proc still has: asked, and it is the parent.
  EXPECT_EQ(ApplyCtx(&t, Open(200, 300, "/z")), Ctx(200, kPython, {}, 300, kBash, {kBash, kInit}));
  EXPECT_EQ(asked, std::vector<uint32_t>({150, 300}));
  ApplyCtx(&t, Open(200, 300, "/z"));
  EXPECT_EQ(asked, std::vector<uint32_t>({150, 300}));
  // Another pid with an unknown parent is asked about at once.
  ApplyCtx(&t, Open(400, 350, "/w"));
  EXPECT_EQ(asked, std::vector<uint32_t>({150, 300, 400}));
}

TEST(ProcessTableTest, ExitedProcessesStayForAGracePeriod) {
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({200, 1, 0, kCurl, {"curl"}});
  EXPECT_EQ(ApplyCtx(&t, Exit(200, 1)), Ctx(200, kCurl, {"curl"}, 1, kInit, {kInit}));
  // Exits of unknown pids schedule nothing.
  for (uint32_t i = 0; i < 5000; ++i) ApplyCtx(&t, Exit(100000 + i, 1));
  EXPECT_EQ(t.size(), 2u);

  for (uint32_t i = 0; i + 1 < ProcessTable::kExitedKept; ++i) {
    t.Seed({1000 + i, 1, 0, "/bin/short", {}});
    ApplyCtx(&t, Exit(1000 + i, 1));
  }
  EXPECT_EQ(t.size(), 1u + ProcessTable::kExitedKept);
  EXPECT_EQ(ApplyCtx(&t, Open(200, 1, "/late")), Ctx(200, kCurl, {"curl"}, 1, kInit, {kInit}));

  // One more exit pushes the oldest (200) out.
  t.Seed({5000, 1, 0, "/bin/short", {}});
  ApplyCtx(&t, Exit(5000, 1));
  EXPECT_EQ(t.size(), 1u + ProcessTable::kExitedKept);
  EXPECT_EQ(ApplyCtx(&t, Open(200, 1, "/late")), Ctx(200, "", {}, 1, kInit, {kInit}));
}

TEST(ProcessTableTest, PidReuseIsNeverErasedByTheOldExit) {
  ProcessTable t;
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({100, 1, 0, kBash, {"bash"}});
  t.Seed({300, 100, 0, "/bin/old", {"old"}});
  ApplyCtx(&t, Exit(300, 100));
  // pid 300 comes back: a fork of bash, then an exec.
  EXPECT_EQ(ApplyCtx(&t, Fork(100, 1, 300)), Ctx(100, kBash, {"bash"}, 1, kInit, {kInit}));
  EXPECT_EQ(ApplyCtx(&t, Open(300, 100, "/x")), Ctx(300, kBash, {"bash"}, 100, kBash, {kBash, kInit}));
  ApplyCtx(&t, Exec(300, 100, "/bin/new", {"new"}));

  // The old exit's turn comes and goes; the new process stays.
  for (uint32_t i = 0; i < 2 * ProcessTable::kExitedKept; ++i) {
    t.Seed({1000 + i, 1, 0, "/bin/short", {}});
    ApplyCtx(&t, Exit(1000 + i, 1));
  }
  EXPECT_EQ(ApplyCtx(&t, Open(300, 100, "/x")), Ctx(300, "/bin/new", {"new"}, 100, kBash, {kBash, kInit}));

  // Reuse by an exec alone (the fork was lost), then a second exit of the new
  // process: only that exit's own turn removes it.
  t.Seed({400, 1, 0, "/bin/a", {}});
  ApplyCtx(&t, Exit(400, 1));
  ApplyCtx(&t, Exec(400, 1, "/bin/b", {"b"}));
  for (uint32_t i = 0; i < ProcessTable::kExitedKept / 2; ++i) {
    t.Seed({5000 + i, 1, 0, "/bin/short", {}});
    ApplyCtx(&t, Exit(5000 + i, 1));
  }
  ApplyCtx(&t, Exit(400, 1));
  for (uint32_t i = 0; i + 1 < ProcessTable::kExitedKept; ++i) {
    t.Seed({9000 + i, 1, 0, "/bin/short", {}});
    ApplyCtx(&t, Exit(9000 + i, 1));
  }
  EXPECT_EQ(ApplyCtx(&t, Open(400, 1, "/x")), Ctx(400, "/bin/b", {"b"}, 1, kInit, {kInit}));
  t.Seed({20000, 1, 0, "/bin/short", {}});
  ApplyCtx(&t, Exit(20000, 1));
  EXPECT_EQ(ApplyCtx(&t, Open(400, 1, "/x")), Ctx(400, "", {}, 1, kInit, {kInit}));
}

TEST(ProcessTableTest, SizeBoundEvictsExitedFirst) {
  ProcessTable t(4);
  t.Seed({1, 0, 0, kInit, {}});
  t.Seed({2, 1, 0, "/bin/two", {}});
  t.Seed({3, 1, 0, "/bin/three", {}});
  t.Seed({4, 1, 0, "/bin/four", {}});
  ApplyCtx(&t, Exit(3, 1));
  ApplyCtx(&t, Fork(2, 1, 10));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(ApplyCtx(&t, Open(3, 1, "/x")).exe, "");
  EXPECT_EQ(ApplyCtx(&t, Open(10, 2, "/x")), Ctx(10, "/bin/two", {}, 2, "/bin/two", {"/bin/two", kInit}));
  EXPECT_EQ(ApplyCtx(&t, Open(4, 1, "/x")).exe, "/bin/four");

  // None exited: some process goes, the new one is there, the bound holds.
  ApplyCtx(&t, Exec(11, 1, kCurl, {"curl"}));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(ApplyCtx(&t, Open(11, 1, "/x")).exe, kCurl);
  for (uint32_t pid = 100; pid < 200; ++pid) ApplyCtx(&t, Exec(pid, 1, kCurl, {}));
  EXPECT_EQ(t.size(), 4u);
  // Re-seeding a known pid replaces it without evicting anything.
  ApplyCtx(&t, Exec(199, 1, kBash, {}));
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(ApplyCtx(&t, Open(199, 1, "/x")).exe, kBash);
}

using testing::TempDir;
using testing::WriteFile;

std::string Status(const std::string& name, uint32_t ppid) {
  return "Name:\t" + name + "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t" +
         std::to_string(ppid) + "\nTracerPid:\t0\n";
}

TEST(ScanProcTest, FakeProcTree) {
  TempDir tmp;
  const std::string proc = tmp.path() + "/proc", cg = tmp.path() + "/cgroup";
  fs::create_directories(cg + "/init.scope");
  fs::create_directories(cg + "/shop/app");

  // init, in init.scope.
  WriteFile(proc + "/1/cmdline", std::string("/sbin/init\0splash\0", 18));
  WriteFile(proc + "/1/status", Status("systemd", 0));
  WriteFile(proc + "/1/cgroup", "0::/init.scope\n");
  fs::create_symlink(kInit, proc + "/1/exe");
  // A kernel thread: no exe link target (readlink fails).
  WriteFile(proc + "/2/cmdline", "");
  WriteFile(proc + "/2/status", Status("kthreadd", 0));
  WriteFile(proc + "/2/cgroup", "0::/\n");
  // An app whose binary was replaced, whose argv was rewritten with spaces.
  WriteFile(proc + "/4242/cmdline", std::string("app: worker\0--port\0" "8080\0", 24));
  WriteFile(proc + "/4242/status", Status("app", 1));
  WriteFile(proc + "/4242/cgroup", "0::/shop/app\n");
  fs::create_symlink("/opt/app/bin/app (deleted)", proc + "/4242/exe");
  // A process whose cgroup is not under the mount, and one with no cgroup file.
  WriteFile(proc + "/31/cmdline", std::string("sleep\0" "5\0", 8));
  WriteFile(proc + "/31/status", Status("sleep", 4242));
  WriteFile(proc + "/31/cgroup", "0::/gone\n");
  fs::create_symlink("/usr/bin/sleep", proc + "/31/exe");
  WriteFile(proc + "/32/status", Status("zombie", 1));
  fs::create_symlink("/usr/bin/true", proc + "/32/exe");
  // Gone between readdir and reading: no status.
  fs::create_directories(proc + "/33");
  fs::create_symlink("/usr/bin/true", proc + "/33/exe");
  // Not processes.
  fs::create_directory_symlink(proc + "/4242", proc + "/self");
  WriteFile(proc + "/meminfo", "MemTotal: 1 kB\n");
  WriteFile(proc + "/12ab/status", Status("x", 1));

  struct stat init_scope, app;
  ASSERT_EQ(stat((cg + "/init.scope").c_str(), &init_scope), 0);
  ASSERT_EQ(stat((cg + "/shop/app").c_str(), &app), 0);
  const std::vector<ProcessSnapshot> want = {
      {1, 0, init_scope.st_ino, kInit, {"/sbin/init", "splash"}},
      {31, 4242, 0, "/usr/bin/sleep", {"sleep", "5"}},
      {32, 1, 0, "/usr/bin/true", {}},
      {4242, 1, app.st_ino, "/opt/app/bin/app", {"app: worker", "--port", "8080"}},
  };
  EXPECT_EQ(ProcessTable::ScanProc(proc, cg), want);

  // Without a cgroup2 mount every cgroup id is 0.
  std::vector<ProcessSnapshot> no_cg = ProcessTable::ScanProc(proc, "");
  ASSERT_EQ(no_cg.size(), 4u);
  for (const ProcessSnapshot& p : no_cg) EXPECT_EQ(p.cgroup_id, 0u) << p.pid;

  EXPECT_TRUE(ProcessTable::ScanProc(tmp.path() + "/missing", cg).empty());
}

TEST(ScanProcTest, RealProcFindsThisProcessAndAChild) {
  Result<std::string> mount = FindCgroup2Mount();
  std::string cg = mount ? *mount : "";

  // A child that execs sleep; the close-on-exec pipe reports the exec.
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  char c;
  ssize_t n;
  while ((n = read(fds[0], &c, 1)) < 0 && errno == EINTR) {
  }
  close(fds[0]);
  ASSERT_EQ(n, 0);
  // The kernel closes close-on-exec files before the new program's argument
  // pages exist, so for a moment /proc/PID/cmdline is empty; wait for it.
  const std::string cmdline_path = "/proc/" + std::to_string(child) + "/cmdline";
  for (int i = 0; i < 2000; ++i) {
    std::ifstream in(cmdline_path);
    if (in.get() != std::char_traits<char>::eof()) break;
    usleep(1000);
  }

  std::vector<ProcessSnapshot> procs = ProcessTable::ScanProc("/proc", cg);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  const ProcessSnapshot* self = nullptr;
  const ProcessSnapshot* kid = nullptr;
  for (const ProcessSnapshot& p : procs) {
    if (p.pid == static_cast<uint32_t>(getpid())) self = &p;
    if (p.pid == static_cast<uint32_t>(child)) kid = &p;
  }
  ASSERT_NE(self, nullptr);
  ASSERT_NE(kid, nullptr);

  EXPECT_EQ(self->exe, fs::canonical(program_invocation_name).string());
  ASSERT_FALSE(self->argv.empty());
  EXPECT_EQ(self->argv[0], program_invocation_name);
  EXPECT_EQ(self->ppid, static_cast<uint32_t>(getppid()));

  uint64_t cgroup_id = 0;
  if (mount) {
    Result<std::string> path = CgroupPathOfPid(getpid());
    ASSERT_TRUE(path) << path.error().message();
    Result<CgroupId> id = CgroupIdOfPath(cg, *path);
    ASSERT_TRUE(id) << id.error().message();
    cgroup_id = id->value;
    EXPECT_NE(cgroup_id, 0u);
  }
  const ProcessSnapshot want_kid = {static_cast<uint32_t>(child), static_cast<uint32_t>(getpid()), cgroup_id,
                                    fs::canonical("/bin/sleep").string(), {"sleep", "30"},
                                    fs::current_path().string()};
  EXPECT_EQ(*kid, want_kid);
  EXPECT_EQ(self->cgroup_id, cgroup_id);
}

// Two real `perl job.pl` processes found in /proc: one still in the script's
// directory keeps that working directory (its script is found there); one
// that changed to "/" since (as a daemon does) names a script that is not
// there, so its working directory is left unknown rather than guessed.
TEST(ScanProcTest, AWorkingDirectoryIsKeptWhereTheRelativeScriptIs) {
  TempDir tmp;
  const std::string dir = fs::canonical(tmp.path()).string();
  std::ofstream(dir + "/stay.pl") << "sleep 30;\n";
  std::ofstream(dir + "/daemon.pl") << "chdir '/' or die; sleep 30;\n";
  auto start = [&](const char* script) {
    pid_t pid = fork();
    if (pid == 0) {
      if (chdir(dir.c_str()) == 0) execl("/usr/bin/perl", "perl", script, static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  };
  const pid_t stay = start("stay.pl"), daemon = start("daemon.pl");
  ASSERT_GT(stay, 0);
  ASSERT_GT(daemon, 0);
  auto settled = [&](pid_t pid, const std::string& want_cwd) {
    const std::string base = "/proc/" + std::to_string(pid);
    for (int i = 0; i < 3000; ++i) {
      std::error_code ec;
      std::ifstream in(base + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.starts_with(std::string("perl\0", 5)) && fs::read_symlink(base + "/cwd", ec) == want_cwd) return true;
      usleep(1000);
    }
    return false;
  };
  const bool ready = settled(stay, dir) && settled(daemon, "/");
  std::optional<ProcessSnapshot> s = ProcessTable::ReadProc("/proc", stay, "");
  std::optional<ProcessSnapshot> d = ProcessTable::ReadProc("/proc", daemon, "");
  for (pid_t pid : {stay, daemon}) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  ASSERT_TRUE(ready) << "the perl processes did not start";
  ASSERT_TRUE(s.has_value());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(s->argv, (std::vector<std::string>{"perl", "stay.pl"}));
  EXPECT_EQ(s->cwd, dir);
  EXPECT_EQ(d->cwd, "") << "its script is not in /";

  ProcessTable t;
  t.Seed(*s);
  Event e = Exec(900, static_cast<uint32_t>(stay), "/usr/bin/dash", {"sh"});
  t.Apply(&e);
  EXPECT_EQ(e.process.parent_exe, dir + "/stay.pl");
}

}  // namespace
}  // namespace dw::collector

namespace dw::collector {
namespace {

// A container's processes: the chain stops at the entrypoint, whose parent
// (the runtime's shim) lives in another cgroup.
TEST(ProcessTableAncestryTest, StopsAtTheWorkloadsRoot) {
  ProcessTable t;
  t.Seed({1, 0, 1, "/sbin/init", {"/sbin/init"}});
  t.Seed({10, 1, 1, "/usr/bin/containerd-shim-runc-v2", {"shim"}});
  t.Seed({20, 10, 5, "/usr/sbin/nginx", {"nginx"}});  // entrypoint, container cgroup 5
  t.Seed({21, 20, 5, "/usr/sbin/nginx", {"nginx: worker"}});
  Event e;
  e.kind = EventKind::kExec;
  e.pid = e.tid = 30;
  e.ppid = 21;
  e.cgroup = CgroupId{5};
  e.path = "/bin/sh";
  e.argv = {"sh"};
  t.Apply(&e);
  EXPECT_EQ(e.process.ancestry, (std::vector<std::string>{"/usr/sbin/nginx", "/usr/sbin/nginx"}));
  EXPECT_EQ(e.process.parent_exe, "/usr/sbin/nginx");
}

// A recording scoped to a cgroup keeps, of the start-up snapshot, that
// cgroup's processes and their ancestors (lineage), and nothing else of the
// host: another cgroup's processes and their command lines stay out.
TEST(ScopeSnapshotTest, KeepsTheScopesProcessesAndTheirAncestorsOnly) {
  const std::vector<ProcessSnapshot> all = {
      {1, 0, 1, "/sbin/init", {"/sbin/init"}},
      {50, 1, 1, "/usr/bin/containerd-shim", {"shim"}},
      {60, 50, 7, "/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}},
      {61, 60, 7, "/usr/sbin/nginx", {"nginx: worker"}},
      {70, 1, 9, "/usr/bin/make", {"make", "SECRET=hunter2"}},
      {71, 70, 9, "/usr/bin/c++", {"c++", "-c", "x.cc"}},
      {80, 999, 7, "/usr/bin/orphan", {"orphan"}},  // its parent is not in the snapshot
  };
  auto pids = [](const std::vector<ProcessSnapshot>& v) {
    std::vector<uint32_t> out;
    for (const ProcessSnapshot& p : v) out.push_back(p.pid);
    return out;
  };
  EXPECT_EQ(pids(ScopeSnapshot(all, [](const ProcessSnapshot& p) { return p.cgroup_id == 7; })),
            (std::vector<uint32_t>{1, 50, 60, 61, 80}));
  EXPECT_EQ(pids(ScopeSnapshot(all, [](const ProcessSnapshot&) { return false; })), std::vector<uint32_t>{});
  EXPECT_EQ(ScopeSnapshot(all, [](const ProcessSnapshot&) { return true; }), all);
}

}  // namespace
}  // namespace dw::collector
