// model/normalize_test.cc: volatile path parts become typed placeholders;
// stable paths and look-alikes stay as they are.
#include "model/normalize.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace dw::model {
namespace {

using Cases = std::vector<std::pair<std::string, std::string>>;

const std::string kLeftOver(300, 'x');

// A path normalised under its directory normalised on its own (what the
// scorer does for a directory's many files) gets the whole walk's answer.
void ExpectSameUnderItsDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return;
  NormalDir dir;
  NormalizeDirInto(std::string_view(path).substr(0, slash), &dir);
  std::string under = "/left/over/" + kLeftOver;
  NormalizeUnderDirInto(path, dir, &under);
  EXPECT_EQ(under, NormalizeFilePath(path)) << path << " (under its directory " << dir.path << ")";
}

void ExpectNormalized(const Cases& cases) {
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(NormalizeFilePath(in), want) << in;
    EXPECT_EQ(NormalizeFilePath(want), want) << "not idempotent: " << want;
    // Into a string that held another (longer) result: replaced whole.
    std::string into = "/left/over/from/the/event/before/" + kLeftOver;
    NormalizeFilePathInto(in, 0, 0, &into);
    EXPECT_EQ(into, want) << in << " (into a used string)";
    ExpectSameUnderItsDirectory(in);
  }
}

const std::string kId64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kUuid = "3f2a9c1e-1234-4abc-8def-0123456789ab";

TEST(NormalizeFilePathTest, ProcessAndDeviceComponents) {
  ExpectNormalized({
      {"/proc/1234/status", "/proc/<pid>/status"},
      {"/proc/1/cmdline", "/proc/<pid>/cmdline"},
      {"/proc/self/maps", "/proc/<pid>/maps"},
      {"/proc/self", "/proc/<pid>"},
      {"/proc/thread-self/attr/current", "/proc/<pid>/task/<tid>/attr/current"},
      {"/proc/77/task/78/stat", "/proc/<pid>/task/<tid>/stat"},
      {"/proc/self/task/9/comm", "/proc/<pid>/task/<tid>/comm"},
      {"/proc/self/fd/3", "/proc/<pid>/fd/<fd>"},
      {"/proc/12/fdinfo/10", "/proc/<pid>/fdinfo/<fd>"},
      {"/proc/12/task/13/fd/4", "/proc/<pid>/task/<tid>/fd/<fd>"},
      {"/dev/pts/7", "/dev/pts/<n>"},
      {"/dev/fd/0", "/dev/fd/<fd>"},
      {"/proc/1234/net/tcp6", "/proc/<pid>/net/tcp6"},
  });
}

TEST(NormalizeFilePathTest, Uuids) {
  ExpectNormalized({
      {"/var/lib/app/sessions/" + kUuid + ".json", "/var/lib/app/sessions/<uuid>.json"},
      {"/run/app/3F2A9C1E-1234-4ABC-8DEF-0123456789AB", "/run/app/<uuid>"},
      // Not a uuid: a group too short, or mixed separators.
      {"/srv/3f2a9c1e-1234-4abc-8def-0123456789a", "/srv/<hex>-1234-4abc-8def-<hex>"},
      {"/srv/3f2a9c1e-1234_4abc-8def-0123456789ab", "/srv/<hex>-1234_4abc-8def-<hex>"},
  });
}

TEST(NormalizeFilePathTest, PodUids) {
  ExpectNormalized({
      {"/var/lib/kubelet/pods/" + kUuid + "/volumes/x",
       "/var/lib/kubelet/pods/<pod-uid>/volumes/x"},
      {"/var/log/pods/default_web_" + kUuid + "/nginx/0.log",
       "/var/log/pods/default_web_<pod-uid>/nginx/0.log"},
      {"/sys/fs/cgroup/kubepods.slice/kubepods-besteffort-pod"
       "3f2a9c1e_1234_4abc_8def_0123456789ab.slice/cpu.max",
       "/sys/fs/cgroup/kubepods.slice/kubepods-besteffort-pod<pod-uid>.slice/cpu.max"},
  });
}

TEST(NormalizeFilePathTest, ContainerIdsAndHashes) {
  ExpectNormalized({
      {"/sys/fs/cgroup/system.slice/docker-" + kId64 + ".scope/memory.max",
       "/sys/fs/cgroup/system.slice/docker-<container-id>.scope/memory.max"},
      {"/var/lib/docker/containers/" + kId64 + "/" + kId64 + "-json.log",
       "/var/lib/docker/containers/<container-id>/<container-id>-json.log"},
      {"/var/log/app/app-3f2a9c1e77.log", "/var/log/app/app-<hex>.log"},
      {"/srv/cache/d41d8cd98f00b204e9800998ecf8427e", "/srv/cache/<hex>"},  // md5
      {"/srv/x/UPPER-ABCDEF12.bin", "/srv/x/UPPER-<hex>.bin"},
      {"/repo/.git/objects/3f/2a9c1e77aa3f2a9c1e77aa3f2a9c1e77aa3f2a",
       "/repo/.git/objects/3f/<hex>"},
      {"/srv/cache/12345678901234567890123456789012", "/srv/cache/<hex>"},  // 32 digits
  });
}

TEST(NormalizeFilePathTest, Timestamps) {
  ExpectNormalized({
      {"/var/log/nginx/access.log-20261123", "/var/log/nginx/access.log-<ts>"},
      {"/var/log/nginx/access.log-20261123.gz", "/var/log/nginx/access.log-<ts>.gz"},
      {"/backups/db-2026-11-23.sql", "/backups/db-<ts>.sql"},
      {"/backups/db_2026_11_23.sql", "/backups/db_<ts>.sql"},
      {"/backups/db_20261123T120000.sql", "/backups/db_<ts>.sql"},
      {"/backups/db_20261123120000.sql", "/backups/db_<ts>.sql"},
      {"/backups/db_2026-11-23_12-00-00.sql", "/backups/db_<ts>.sql"},
      {"/backups/db-2026-11-23T12:00:00Z.sql", "/backups/db-<ts>Z.sql"},
      {"/backups/backup20261123.tar", "/backups/backup<ts>.tar"},
      {"/var/run/app/1700000000.lock", "/var/run/app/<ts>.lock"},
      {"/var/run/app/1700000000123.lock", "/var/run/app/<ts>.lock"},
      // '_' between the parts of the time too, and a fraction of a second.
      {"/backups/db_2026_11_23_12_00_00.sql", "/backups/db_<ts>.sql"},
      {"/srv/app/log/2026-11-23T12:00:00.123456Z.json", "/srv/app/log/<ts>Z.json"},
      // Kubernetes' volume writer: every ConfigMap, Secret and service-account
      // token a pod mounts lives in a "..<time>.<random>" directory, another one
      // in every pod and after every update.
      {"/var/run/secrets/kubernetes.io/serviceaccount/..2026_12_05_21_08_20.1234567890/token",
       "/var/run/secrets/kubernetes.io/serviceaccount/..<ts>/token"},
      {"/etc/nginx/conf.d/..2026_12_05_21_08_20.27182/default.conf", "/etc/nginx/conf.d/..<ts>/default.conf"},
      // Not a time: the hour, minute or second out of range, or separators mixed.
      {"/backups/db_2026_11_23_25_00_00.sql", "/backups/db_<ts>_25_00_00.sql"},
      {"/backups/db_2026_11_23_12-00_00.sql", "/backups/db_<ts>_12-00_00.sql"},
      // A date alone takes no fraction: ".1" after it is the next number.
      {"/backups/db-2026-11-23.1.sql", "/backups/db-<ts>.1.sql"},
  });
}

TEST(NormalizeFilePathTest, RotationNumbersOnLogPaths) {
  ExpectNormalized({
      {"/var/log/syslog.1", "/var/log/syslog.<n>"},
      {"/var/log/syslog.2.gz", "/var/log/syslog.<n>.gz"},
      {"/srv/app/logs/app.log.3", "/srv/app/logs/app.log.<n>"},
      {"/srv/app/app.log.12.zst", "/srv/app/app.log.<n>.zst"},
      {"/var/log/mysql/mysql-bin.000123", "/var/log/mysql/mysql-bin.<n>"},
  });
}

TEST(NormalizeFilePathTest, TemporaryNames) {
  ExpectNormalized({
      {"/tmp/tmp.Ab3xZ9QpLk", "/tmp/tmp.<tmp>"},
      {"/tmp/tmp.abcdefghij", "/tmp/tmp.<tmp>"},  // mktemp's default prefix is enough
      {"/tmp/tmpk3j_9x2a", "/tmp/tmp<tmp>"},
      {"/tmp/tmpk3j_9x2a.json", "/tmp/tmp<tmp>.json"},
      {"/srv/app/run/tmpmrqrtkvu", "/srv/app/run/tmp<tmp>"},  // python, no digit by chance
      {"/tmp/tmp-4242-Ab12cd", "/tmp/tmp-<tmp>"},
      {"/tmp/phpA1b2C3", "/tmp/php<tmp>"},
      {"/tmp/sh-thd.Xy12ab", "/tmp/sh-thd.<tmp>"},
      {"/tmp/sh-thd-1700000000", "/tmp/sh-thd-<tmp>"},
      {"/dev/shm/pymp-k3j9x2a_", "/dev/shm/pymp-<tmp>"},
      {"/var/lib/php/sessions/sess_a1b2c3d4e5f6g7h8i9j0k1l2m3", "/var/lib/php/sessions/sess_<tmp>"},
      {"/tmp/ccAb12Cd.s", "/tmp/cc<tmp>.s"},
      {"/tmp/myapp.Ab3xZ9Qp", "/tmp/myapp.<tmp>"},
      // mkstemp's six characters without a digit (a third of them): both
      // cases, not capitalised (APR writes a pid file through one).
      {"/srv/www/run/apache2.pid.MWYpuy", "/srv/www/run/apache2.pid.<tmp>"},
      {"/srv/www/run/apache2.pid.xKqLzo", "/srv/www/run/apache2.pid.<tmp>"},
      // ... or with digits and letters of one case.
      {"/srv/www/run/apache2.pid.9PWHBK", "/srv/www/run/apache2.pid.<tmp>"},
      {"/srv/www/run/apache2.pid.q7xk2m", "/srv/www/run/apache2.pid.<tmp>"},
      {"/tmp/tmp.Ab3xZ9QpLk/payload.txt", "/tmp/tmp.<tmp>/payload.txt"},
      {"/tmp/systemd-private-0123456789abcdef0123456789abcdef-nginx.service-Ab12Cd/tmp/x",
       "/tmp/systemd-private-<hex>-nginx.service-<tmp>/tmp/x"},
  });
}

TEST(NormalizeFilePathTest, SequenceCountersAndTemporaryCounters) {
  ExpectNormalized({
      {"/srv/pg/pg_wal/000000010000000000000003", "/srv/pg/pg_wal/<n>"},
      {"/srv/pg/pg_wal/00000001000000000000000A", "/srv/pg/pg_wal/<n>"},
      {"/var/lib/mysql/mysql-bin.000123", "/var/lib/mysql/mysql-bin.<n>"},
      {"/var/lib/kafka/t-0/00000000000000012345.log", "/var/lib/kafka/t-0/<n>.log"},
      {"/srv/redis/temp-2357.rdb", "/srv/redis/temp-<tmp>.rdb"},
      {"/srv/pg/base/pgsql_tmp/pgsql_tmp3179.0", "/srv/pg/base/pgsql_tmp/pgsql_tmp<tmp>.0"},
      {"/srv/x/TMP_42", "/srv/x/TMP_<tmp>"},
      {"/srv/redis/temp-rewriteaof-bg-24755.aof", "/srv/redis/temp-rewriteaof-bg-<tmp>.aof"},
      {"/srv/x/attempt5", "/srv/x/attempt5"},
      {"/srv/x/template-42", "/srv/x/template-42"},
      {"/dev/shm/PostgreSQL.4005825920", "/dev/shm/PostgreSQL.<n>"},
      {"/srv/ids/123456789/x", "/srv/ids/<n>/x"},
      {"/srv/ids/id987654321012", "/srv/ids/id<n>"},
  });
}

TEST(NormalizeFilePathTest, TheOpenersPidAndTid) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/srv/pg/global/pg_internal.init.3172", "/srv/pg/global/pg_internal.init.<pid>"},
      {"/run/app/worker-3172.sock", "/run/app/worker-<pid>.sock"},
      {"/run/app/job3172x", "/run/app/job<pid>x"},
      {"/run/app/thread-3173.state", "/run/app/thread-<tid>.state"},
      {"/run/app/31720.sock", "/run/app/31720.sock"},             // a longer number is not the pid
      {"/srv/redis/temp-3172.rdb", "/srv/redis/temp-<tmp>.rdb"},  // the same for any process
      {"/run/app/other-4000.sock", "/run/app/other-4000.sock"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(NormalizeFilePath(in, 3172, 3173), want) << in;
    EXPECT_EQ(NormalizeFilePath(want, 3172, 3173), want) << want;
  }
  // Without the opener, or with a small pid, numbers stay.
  EXPECT_EQ(NormalizeFilePath("/run/app/worker-3172.sock"), "/run/app/worker-3172.sock");
  EXPECT_EQ(NormalizeFilePath("/srv/port-80/x", 80, 80), "/srv/port-80/x");
}

TEST(NormalizeFilePathTest, ContainerRootsStripToTheContainerPath) {
  ExpectNormalized({
      {"/var/lib/docker/overlay2/" + kId64 + "/merged/etc/passwd", "/etc/passwd"},
      {"/data/docker/overlay2/" + kId64 + "-init/merged/app/x", "/app/x"},
      {"/var/lib/containers/storage/overlay/" + kId64 + "/merged/usr/bin/ls", "/usr/bin/ls"},
      {"/var/lib/docker/overlay2/" + kId64 + "/merged", "/"},
      {"/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + kId64 + "/rootfs/proc/9/stat",
       "/proc/<pid>/stat"},
      {"/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs/etc/shadow",
       "/etc/shadow"},
      // A runtime inside a container: both roots go.
      {"/var/lib/docker/overlay2/a/merged/var/lib/docker/overlay2/b/merged/etc/hosts",
       "/etc/hosts"},
  });
}

// The directory's walk stops before the name: rotation digits and "log"
// (anywhere in the path) are judged with the name, a container root's
// component as the name still strips the root, and the root directory's
// files take the whole walk.
TEST(NormalizeFilePathTest, UnderANormalisedDirectoryTheNameIsWalkedAlone) {
  for (const std::string& p :
       {std::string("/var/log/app/app.log.3"), std::string("/srv/x/catalog.3"), std::string("/srv/x/data.3"),
        std::string("/srv/log.2/x.1"), std::string("/var/log/nginx.1/access.log.2"), std::string("/x"),
        std::string("/"), std::string("/proc/4242/task/4243/stat"), std::string("/proc/self/fd/7"),
        std::string("/dev/pts/3"), "/var/lib/docker/overlay2/" + kId64 + "/merged",
        "/var/lib/docker/overlay2/" + kId64 + "/merged/etc/passwd", "/srv/" + kUuid + "/" + kId64 + ".tmp",
        std::string("/tmp/tmp.Xk3v9QaZ1b/a.20240131T101010.log"), std::string("/srv/dir/")}) {
    ExpectSameUnderItsDirectory(p);
  }
  NormalDir dir;
  NormalizeDirInto("/var/lib/docker/overlay2/" + kId64 + "/merged/etc", &dir);
  EXPECT_TRUE(dir.whole_path);
  NormalizeDirInto("/var/log/app", &dir);
  EXPECT_TRUE(dir.log);
  EXPECT_EQ(dir.path, "/var/log/app");
  EXPECT_FALSE(dir.whole_path);
}

TEST(NormalizeFilePathTest, LeavesStablePathsAndLookAlikesAlone) {
  const std::vector<std::string> same = {
      "/",
      "/etc/passwd",
      "/proc/meminfo",  // not per-process
      "/proc/sys/net/core/somaxconn",
      "/proc/12a/status",   // not all digits
      "/var/lib/app/1234",  // plain numbers are not a class
      "/var/lib/postgresql/15/main/base/16384/2619",
      "/dev/pts/ptmx",
      "/dev/pts",
      "/proc/",
      "/tmp/x/",
      "/usr/lib/x86_64-linux-gnu",
      "/usr/lib/x86_64-linux-gnu/libc.so.6",  // library versions are not rotations
      "/usr/lib/x86_64-linux-gnu/libssl.so.3",
      "/var/log/libfoo.so.1",
      "/usr/lib/python3.11/json/__init__.py",
      "/usr/bin/python3.11",
      "/usr/share/man/man1/ls.1.gz",     // a man section, not a log rotation
      "/var/lib/mysql/mysql-bin.12345",  // not a log path, not zero-padded
      "/srv/data/012345",                // one leading zero is not padding
      "/srv/deadbeef/facade",            // hex letters without a digit are words
      "/srv/x/MixedAbCd1234.bin",        // mixed-case hex is not a hash
      "/srv/x/log4j2Config.xml",         // mixed token, but not after a separator
      "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
      "/sys/class/net/eth0.100",
      "/tmp/tmp_cache",  // a word after tmp, not a random run
      "/tmp/tmpfilename",  // 8 letters after tmp, but a word (4 vowels)
      "/tmp/tmpsessions",
      "/tmp/tmp-cache-dir",
      "/tmp/tmp.backup",
      "/tmp/tmpfiles.d",
      "/tmp/phpmyadmin",
      "/srv/docs/guide.Readme",  // six letters, capitalised: a word
      "/srv/docs/guide.README",
      "/srv/docs/guide.readme",
      "/srv/x/app.OpenSSL",      // seven letters: not mkstemp's fill
      "/srv/x/app.Cipher",       // six letters, capitalised
      "/srv/x/app.v12",          // digits and letters, but not six
      "/x/20261399",  // not a date
      "/x/1234567",   // not a Unix time
      "/x/12345678",  // 8 digits: not a date, not yet a long number
      "/x/v1.2.3",
      "/var/lib/docker/overlay2/l/ABCDEF",  // not a merged root
      "/srv/merged/x",
      "relative/1234",  // not absolute: unchanged
      "",
  };
  for (const std::string& p : same) {
    EXPECT_EQ(NormalizeFilePath(p), p) << p;
  }
}

TEST(NormalizeFilePathTest, RulesFollowThePathNotTheLookAlikes) {
  // "task" and "fd" are only special under a process directory.
  EXPECT_EQ(NormalizeFilePath("/srv/task/12"), "/srv/task/12");
  EXPECT_EQ(NormalizeFilePath("/proc/task/12"), "/proc/task/12");
  EXPECT_EQ(NormalizeFilePath("/proc/1/fd"), "/proc/<pid>/fd");
  EXPECT_EQ(NormalizeFilePath("/dev/pts/3/x"), "/dev/pts/<n>/x");
}

}  // namespace
// Without the writer's digits in the path, its ids change nothing: what lets
// a write's normal form be remembered by path (model/items.h).
TEST(PathSpellsIdTest, WithoutTheDigitsTheIdsChangeNothing) {
  EXPECT_TRUE(PathSpellsId("/run/app/4242.pid", 4242, 0));
  EXPECT_TRUE(PathSpellsId("/tmp/x-5151/y", 4242, 5151));
  EXPECT_TRUE(PathSpellsId("/srv/142420.dat", 4242, 0));  // a substring is enough to say "maybe"
  EXPECT_FALSE(PathSpellsId("/run/app/4242.pid", 4343, 4344));
  EXPECT_FALSE(PathSpellsId("/run/app/42.pid", 42, 42));  // below kMinVolatilePid: never a class
  const char* paths[] = {"/run/app/4242.pid", "/var/lib/pgsql/base/16384/2619", "/tmp/temp-4343.rdb",
                         "/srv/data/2026-12-04/4242-5151.log", "/proc/4242/status", "/srv/142420.dat"};
  for (const char* path : paths) {
    for (uint32_t pid : {4242u, 4343u, 16384u, 7u}) {
      for (uint32_t tid : {0u, pid, 5151u}) {
        if (!PathSpellsId(path, pid, tid)) {
          EXPECT_EQ(NormalizeFilePath(path, pid, tid), NormalizeFilePath(path)) << path << " " << pid;
        }
      }
    }
  }
  EXPECT_NE(NormalizeFilePath("/tmp/x-4242.sock", 4242), NormalizeFilePath("/tmp/x-4242.sock"));
}

}  // namespace dw::model
