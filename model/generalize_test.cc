// model/generalize_test.cc: directory collapse, CIDR widening, protection and
// budget pressure, compared as whole Generalization values.
#include "model/generalize.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "model/items.h"
#include "model/normalize.h"
#include "model/scorer.h"
#include "model/testing/test_events.h"

namespace dw::model {

// Readable failures.
void PrintTo(const Generalization& g, std::ostream* os) {
  *os << "{rule: \"" << g.rule << "\", covered: " << g.covered
      << ", examples: " << g.examples.size() << ", count: " << g.stats.count
      << ", access: " << int{g.stats.access} << "}";
}
void PrintTo(const Fingerprint& fp, std::ostream* os) {
  *os << "{files:";
  for (const auto& [k, st] : fp.files) *os << " " << k << "(" << int{st.access} << ")";
  *os << "; patterns:";
  for (const auto& [k, g] : fp.file_patterns) {
    *os << " " << k << "=";
    PrintTo(g, os);
  }
  *os << "; net patterns: " << fp.net_patterns.size() << "; network: " << fp.network.size() << "}";
}

namespace {

ItemStats Stats(uint64_t count, int64_t first, int64_t last, uint32_t processes,
                uint8_t access = 0) {
  return ItemStats{count, first, last, processes, access};
}

NetItem Out(const std::string& address, uint16_t port) {
  return NetItem{Direction::kOutbound, 6, address, port};
}

// The i-th file name: "f" and two letters ("fak.dat" for 10), sorting like i.
// Letters, not digits: names that differ only in a number are a numbered
// family (NumberedFamilies below), which these directory tests leave aside.
std::string Leaf(int i) {
  return std::string("f") + static_cast<char>('a' + i / 26) + static_cast<char>('a' + i % 26) +
         ".dat";
}

// `n` files "<dir>/Leaf(i)", i = 10..n+9, each read once by one process at
// time 100 + i.
void AddFiles(Fingerprint* fp, const std::string& dir, int n, uint8_t access = kAccessRead) {
  for (int i = 10; i < 10 + n; ++i) {
    fp->files[dir + "/" + Leaf(i)] = Stats(1, 100 + i, 100 + i, 1, access);
  }
}

std::vector<std::string> FileNames(const std::string& dir, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(dir + "/" + Leaf(i));
  return out;
}

TEST(GeneralizeTest, EmptyFingerprintIsUnchanged) {
  Fingerprint fp;
  EXPECT_EQ(Generalize(&fp), GeneralizeResult{});
  EXPECT_EQ(fp, Fingerprint{});
}

TEST(GeneralizeTest, DirectoryAtItsThresholdCollapsesWithItsReason) {
  Fingerprint fp;
  AddFiles(&fp, "/var/cache/app", 17);
  fp.files["/var/cache/app/" + Leaf(12)] = Stats(5, 50, 900, 3, kAccessRead);
  // Written as well: one file's write is no evidence for the directory.
  fp.files["/var/cache/app/" + Leaf(13)] = Stats(2, 60, 60, 1, kAccessRead | kAccessWrite);
  // A closed set one short of the threshold: each name used again and again.
  AddFiles(&fp, "/srv/data", 15);
  for (auto& [path, stats] : fp.files) {
    if (path.starts_with("/srv/data/")) stats.count = 40;
  }
  fp.files["/var/cache/app/sub/deeper.dat"] = Stats(1, 1, 1, 1, kAccessRead);  // not a direct child

  Fingerprint want = fp;
  std::vector<std::string> covered = FileNames("/var/cache/app", 10, 27);
  covered.erase(covered.begin() + 3);  // f13 stays exact
  for (const std::string& f : covered) want.files.erase(f);
  Generalization g;
  g.rule =
      "17 distinct files under /var/cache/app (threshold 16); wildcard for read only: "
      "written by 1";
  g.examples = std::vector<std::string>(covered.begin(), covered.begin() + 8);
  g.covered = 16;
  // Counts add up; times span; processes: the largest; access: with evidence.
  g.stats = Stats(15 + 5, 50, 900, 3, kAccessRead);
  want.file_patterns["/var/cache/app/*"] = g;

  GeneralizeResult r = Generalize(&fp);
  EXPECT_EQ(fp, want);
  GeneralizeResult want_r;
  want_r.file_patterns = 1;
  want_r.absorbed = 16;
  EXPECT_EQ(r, want_r);

  // Again: nothing left to do.
  EXPECT_FALSE(Generalize(&fp).changed());
  EXPECT_EQ(fp, want);
}

TEST(GeneralizeTest, AnOpenSetCollapsesBelowTheThreshold) {
  // Names that keep changing: most seen once.
  Fingerprint fp;
  AddFiles(&fp, "/srv/uploads", 9, kAccessWrite | kAccessCreate);
  fp.files["/srv/uploads/" + Leaf(10)].count = 7;
  fp.files["/srv/uploads/" + Leaf(11)].count = 7;
  // The same number of names, but used over and over: stays literal.
  AddFiles(&fp, "/srv/static", 9);
  for (auto& [path, stats] : fp.files) {
    if (path.starts_with("/srv/static/")) stats.count = 30;
  }
  Generalize(&fp);
  ASSERT_EQ(fp.file_patterns.size(), 1u);
  const Generalization& g = fp.file_patterns.at("/srv/uploads/*");
  EXPECT_EQ(g.rule,
            "9 distinct files under /srv/uploads, 7 of them seen once (open set: threshold 8)");
  EXPECT_EQ(g.stats.access, kAccessWrite | kAccessCreate);
  EXPECT_EQ(fp.files.size(), 9u);
}

TEST(GeneralizeTest, AWildcardNeedsEvidenceForEachAccessBit) {
  // A data directory: many files read, one lock file created and written.
  Fingerprint fp;
  AddFiles(&fp, "/srv/db/data", 20);
  fp.files["/srv/db/data/postmaster.pid"] =
      Stats(3, 1, 1, 1, kAccessRead | kAccessWrite | kAccessCreate);
  Generalize(&fp);
  const Generalization g = fp.file_patterns.at("/srv/db/data/*");
  EXPECT_EQ(g.stats.access, kAccessRead);
  EXPECT_EQ(g.rule,
            "21 distinct files under /srv/db/data (threshold 16); wildcard for read only: "
            "written by 1, created by 1");
  EXPECT_EQ(fp.files.count("/srv/db/data/postmaster.pid"), 1u);

  // Learning: a new file read is absorbed; a new file created stays exact.
  ItemRef read_ref;
  read_ref.table = ItemRef::Table::kFile;
  read_ref.key = "/srv/db/data/new.conf";
  read_ref.access = kAccessRead;
  EXPECT_EQ(&FindOrAddItem(&fp, read_ref), &fp.file_patterns.at("/srv/db/data/*").stats);
  // Sixteen files created later are evidence enough: the pattern gains create.
  for (int i = 0; i < 16; ++i) {
    ItemRef created = read_ref;
    created.key = "/srv/db/data/burst-" + std::to_string(i) + ".enc";
    created.access = kAccessCreate;
    FindOrAddItem(&fp, created).access |= kAccessCreate;
  }
  EXPECT_EQ(fp.files.size(), 17u);
  Generalize(&fp);
  const Generalization& after = fp.file_patterns.at("/srv/db/data/*");
  EXPECT_EQ(after.stats.access, kAccessRead | kAccessCreate);
  EXPECT_EQ(after.rule, g.rule + "; create added: created by 17 (threshold 16)");
  EXPECT_EQ(fp.files.size(), 1u);  // postmaster.pid: written too
}

TEST(GeneralizeTest, ThresholdsArePerPrefix) {
  GeneralizeOptions o;
  o.dir_threshold_by_prefix["/srv/hot"] = 4;
  EXPECT_EQ(o.DirThreshold("/srv/hot"), 4u);
  EXPECT_EQ(o.DirThreshold("/srv/hot/a/b"), 4u);
  EXPECT_EQ(o.DirThreshold("/srv/hotter"), 16u);  // component-wise prefixes
  EXPECT_EQ(o.DirThreshold("/proc/<pid>"), 8u);

  Fingerprint fp;
  AddFiles(&fp, "/srv/hot/a", 4);
  AddFiles(&fp, "/srv/hotter", 4);
  for (const char* leaf : {"status", "stat", "cmdline", "io", "limits", "statm", "comm", "maps"}) {
    fp.files[std::string("/proc/<pid>/") + leaf] = Stats(1, 1, 1, 1, kAccessRead);
  }
  Generalize(&fp, o);
  std::vector<std::string> patterns;
  for (const auto& [key, g] : fp.file_patterns) patterns.push_back(key + " <- " + g.rule);
  EXPECT_EQ(patterns, (std::vector<std::string>{
                          "/proc/<pid>/* <- 8 distinct files under /proc/<pid> (threshold 8)",
                          "/srv/hot/a/* <- 4 distinct files under /srv/hot/a (threshold 4)"}));
  EXPECT_EQ(fp.files.size(), 4u);  // /srv/hotter stays literal
}

TEST(GeneralizeTest, ProtectedAndFixedDirectoriesNeverCollapseEvenUnderPressure) {
  const std::vector<std::string> dirs = {
      "/etc", "/etc/nginx/conf.d", "/etc/ssl/private", "/usr/bin", "/usr/local/sbin", "/root/app",
      "/home/ann/.ssh", "/srv/app/.aws", "/var/run/secrets/kubernetes.io/serviceaccount",
      "/run/secrets", "/var/spool/cron/crontabs", "/dev", "/dev/disk/by-id", "/boot/grub",
      "/proc/<pid>/root/etc",
      // Fixed: a wildcard there would stand for unrelated software.
      "/var/lib", "/var/log", "/usr/share", "/usr/lib", "/usr/lib/x86_64-linux-gnu",
      "/lib/aarch64-linux-gnu", "/home", "/tmp", "/app"};
  Fingerprint fp;
  for (const std::string& d : dirs) AddFiles(&fp, d, 40);
  Fingerprint before = fp;
  GeneralizeOptions o;
  o.item_budget = 10;
  GeneralizeResult r = Generalize(&fp, o);
  EXPECT_EQ(fp, before);
  EXPECT_TRUE(r.pressure);
  EXPECT_TRUE(r.over_budget);
  EXPECT_FALSE(r.changed());
}

TEST(GeneralizeTest, SecretLookingFilesStayLiteralInsideACollapsedDirectory) {
  Fingerprint fp;
  AddFiles(&fp, "/srv/app/certs", 20);
  fp.files["/srv/app/certs/server.key"] = Stats(1, 1, 1, 1, kAccessRead);
  fp.files["/srv/app/certs/id_ed25519"] = Stats(1, 1, 1, 1, kAccessRead);
  Generalize(&fp);
  ASSERT_EQ(fp.file_patterns.count("/srv/app/certs/*"), 1u);
  EXPECT_EQ(fp.file_patterns.at("/srv/app/certs/*").covered, 20u);
  EXPECT_EQ(fp.files.size(), 2u);
  EXPECT_NE(MatchFile(fp, "/srv/app/certs/new.pem"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/app/certs/other.key"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/app/certs/id_rsa"), nullptr);
}

TEST(MatchFileTest, OneLevelAndRecursivePatterns) {
  Fingerprint fp;
  fp.file_patterns["/var/cache/app/*"].rule = "one";
  fp.file_patterns["/srv/www/**"].rule = "deep";
  fp.file_patterns["/home/ann/**"].rule = "home";
  const std::string* key = nullptr;
  ASSERT_NE(MatchFile(fp, "/var/cache/app/x", &key), nullptr);
  EXPECT_EQ(*key, "/var/cache/app/*");
  EXPECT_EQ(MatchFile(fp, "/var/cache/app/x/y"), nullptr);  // one component only
  EXPECT_EQ(MatchFile(fp, "/var/cache/apple/x"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/var/cache/app"), nullptr);
  ASSERT_NE(MatchFile(fp, "/srv/www/a/b/c.html", &key), nullptr);
  EXPECT_EQ(*key, "/srv/www/**");
  EXPECT_NE(MatchFile(fp, "/srv/www/index.html"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/www"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/other/x"), nullptr);
  // Credentials are never covered, whatever the pattern.
  EXPECT_NE(MatchFile(fp, "/home/ann/.bashrc"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/home/ann/.ssh/authorized_keys"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/home/ann/.aws/credentials"), nullptr);
  EXPECT_EQ(MatchFile(Fingerprint{}, "/srv/www/a"), nullptr);
}

TEST(GeneralizeTest, NumberedFamilies) {
  Fingerprint fp;
  // Ten images of one form: a counter, whatever the directory's size.
  for (int i = 1; i <= 10; ++i) {
    fp.files["/srv/www/img/" + std::to_string(i) + ".png"] = Stats(20, 100 + i, 900, 2, kAccessRead);
  }
  fp.files["/srv/www/img/logo.png"] = Stats(20, 100, 900, 2, kAccessRead);
  // Numbers already turned into placeholders are members too.
  fp.files["/dev/shm/PostgreSQL.<n>"] = Stats(50, 10, 90, 40, kAccessRead | kAccessWrite);
  fp.files["/dev/shm/PostgreSQL.<ts>"] = Stats(5, 10, 90, 4, kAccessRead | kAccessWrite);
  fp.files["/dev/shm/PostgreSQL.6612754"] = Stats(2, 10, 90, 2, kAccessRead | kAccessWrite);
  fp.files["/dev/shm/PostgreSQL.94264602"] = Stats(2, 10, 90, 2, kAccessRead | kAccessWrite);
  // Three are a short list, not a sequence.
  for (int i = 1; i <= 3; ++i) fp.files["/srv/app/a" + std::to_string(i) + ".conf"] = Stats(9, 1, 2, 1, kAccessRead);
  // Protected trees never generalize.
  for (int i = 1; i <= 6; ++i) fp.files["/etc/app/key" + std::to_string(i)] = Stats(9, 1, 2, 1, kAccessRead);

  Fingerprint want = fp;
  for (int i = 1; i <= 10; ++i) want.files.erase("/srv/www/img/" + std::to_string(i) + ".png");
  Generalization img;
  img.rule = "10 names of the form <#>.png under /srv/www/img (numbered family, threshold 4)";
  img.examples = {"/srv/www/img/1.png", "/srv/www/img/10.png", "/srv/www/img/2.png",
                  "/srv/www/img/3.png", "/srv/www/img/4.png",  "/srv/www/img/5.png",
                  "/srv/www/img/6.png", "/srv/www/img/7.png"};
  img.covered = 10;
  img.stats = Stats(200, 101, 900, 2, kAccessRead);
  want.file_patterns["/srv/www/img/<#>.png"] = img;
  for (const char* m : {"<n>", "<ts>", "6612754", "94264602"}) want.files.erase(std::string("/dev/shm/PostgreSQL.") + m);
  Generalization shm;
  shm.rule = "4 names of the form PostgreSQL.<#> under /dev/shm (numbered family, threshold 4)";
  shm.examples = {"/dev/shm/PostgreSQL.6612754", "/dev/shm/PostgreSQL.94264602",
                  "/dev/shm/PostgreSQL.<n>", "/dev/shm/PostgreSQL.<ts>"};
  shm.covered = 4;
  shm.stats = Stats(59, 10, 90, 40, kAccessRead | kAccessWrite);
  want.file_patterns["/dev/shm/PostgreSQL.<#>"] = shm;

  GeneralizeResult r = Generalize(&fp);
  EXPECT_EQ(r.file_patterns, 2u);
  EXPECT_EQ(r.absorbed, 14u);
  EXPECT_EQ(fp, want);

  const std::string* key = nullptr;
  ASSERT_NE(MatchFile(fp, "/srv/www/img/15.png", &key), nullptr);
  EXPECT_EQ(*key, "/srv/www/img/<#>.png");
  EXPECT_EQ(MatchFile(fp, "/srv/www/img/15.jpg"), nullptr);   // another form
  EXPECT_EQ(MatchFile(fp, "/srv/www/img/x15.png"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/www/img/shell.png"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/www/img/sub/1.png"), nullptr);  // one level only
  ASSERT_NE(MatchFile(fp, "/dev/shm/PostgreSQL.95733476", &key), nullptr);
  EXPECT_EQ(*key, "/dev/shm/PostgreSQL.<#>");
  EXPECT_NE(MatchFile(fp, "/dev/shm/PostgreSQL.<n>"), nullptr);
}

TEST(GeneralizeTest, FamilyMembersWithABitGrowTheFamilyWithEvidence) {
  Fingerprint fp;
  for (int i = 1; i <= 4; ++i) fp.files["/srv/q/job" + std::to_string(i)] = Stats(1, 1, 1, 1, kAccessRead);
  for (int i = 5; i <= 8; ++i) {
    fp.files["/srv/q/job" + std::to_string(i)] = Stats(1, 1, 1, 1, kAccessRead | kAccessCreate);
  }
  Generalize(&fp);
  ASSERT_EQ(fp.file_patterns.count("/srv/q/job<#>"), 1u);
  // Four created: enough evidence, so the family allows creating too.
  EXPECT_EQ(fp.file_patterns["/srv/q/job<#>"].stats.access, kAccessRead | kAccessCreate);
  EXPECT_TRUE(fp.files.empty());
}

TEST(ProtectionTest, PathsAndDirectories) {
  for (const char* p :
       {"/etc/shadow", "/etc/nginx/nginx.conf", "/root/.bash_history", "/usr/bin/sh",
        "/usr/local/bin/x", "/boot/vmlinuz", "/var/run/secrets/kubernetes.io/serviceaccount/token",
        "/var/lib/kubelet/pods/<pod-uid>/volumes/kubernetes.io~projected/t/token",
        "/var/spool/cron/crontabs/root", "/dev/mem", "/proc/<pid>/environ",
        "/proc/<pid>/task/<tid>/mem", "/proc/<pid>/root/etc/passwd", "/home/ann/.ssh/id_rsa",
        "/srv/tls/server.key", "/srv/x/.git-credentials"}) {
    EXPECT_TRUE(IsProtectedPath(p)) << p;
  }
  for (const char* p : {"/dev/shm/x", "/var/cache/app/x", "/proc/<pid>/status", "/srv/www/a.html",
                        "/etcetera/x", "/home/ann/.sshrc", "/srv/keys.txt"}) {
    EXPECT_FALSE(IsProtectedPath(p)) << p;
  }
  for (const char* d : {"/var/cache/app", "/srv/app", "/proc/<pid>", "/dev/shm", "/home/ann",
                        "/usr/lib/python3.11", "/var/lib/postgresql/15/main"}) {
    EXPECT_TRUE(MayCollapse(d, false)) << d;
  }
  for (const char* d : {"/", "/srv", "/tmp", "/etc/nginx", "/var/lib", "/usr/lib",
                        "/usr/lib/x86_64-linux-gnu", "/home/ann/.ssh", "/dev/input"}) {
    EXPECT_FALSE(MayCollapse(d, false)) << d;
  }
  // Recursive wildcards also need nothing protected or fixed beneath them.
  EXPECT_TRUE(MayCollapse("/var/cache/nginx", true));
  EXPECT_FALSE(MayCollapse("/proc/<pid>", true));       // /proc/<pid>/root
  EXPECT_FALSE(MayCollapse("/var/lib/kubelet", true));  // /var/lib/kubelet/pki
}

TEST(GeneralizeTest, ExistingPatternsAbsorbMatchingItems) {
  Fingerprint fp;
  Generalization g;
  g.rule = "16 distinct files under /srv/up (threshold 16)";
  g.examples = {"/srv/up/a"};
  g.covered = 16;
  g.stats = Stats(16, 10, 20, 2, kAccessWrite);
  fp.file_patterns["/srv/up/*"] = g;
  fp.files["/srv/up/late"] = Stats(2, 5, 30, 1, kAccessWrite);
  fp.files["/srv/up/read"] = Stats(1, 5, 5, 1, kAccessRead);    // a bit the pattern lacks
  fp.files["/srv/up/sub/x"] = Stats(1, 5, 5, 1, kAccessWrite);  // deeper: not covered
  GeneralizeResult r = Generalize(&fp);
  EXPECT_EQ(r.absorbed, 1u);
  g.examples.push_back("/srv/up/late");
  g.covered = 17;
  g.stats = Stats(18, 5, 30, 2, kAccessWrite);
  EXPECT_EQ(fp.file_patterns.at("/srv/up/*"), g);
  EXPECT_EQ(fp.files.size(), 2u);
}

TEST(GeneralizeTest, PeersInOneSubnetWidenToACidr) {
  Fingerprint fp;
  for (int i = 1; i <= 8; ++i) {
    fp.network[Out("10.1.0." + std::to_string(i), 5432)] = Stats(i, 100 + i, 200 + i, 1);
  }
  for (int i = 1; i <= 7; ++i)
    fp.network[Out("10.2.0." + std::to_string(i), 5432)] = Stats(1, 1, 1, 1);
  for (int i = 1; i <= 8; ++i) {  // same subnet, but each on its own port
    fp.network[Out("10.3.0." + std::to_string(i), static_cast<uint16_t>(8000 + i))] =
        Stats(1, 1, 1, 1);
  }
  GeneralizeResult r = Generalize(&fp);
  EXPECT_EQ(r.net_patterns, 1u);

  Generalization g;
  g.rule = "8 distinct outbound tcp peers on port 5432 in 10.1.0.0/24 (threshold 8)";
  g.examples = {"10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4",
                "10.1.0.5", "10.1.0.6", "10.1.0.7", "10.1.0.8"};
  g.covered = 8;
  g.stats = Stats(36, 101, 208, 1);
  std::map<NetItem, Generalization> want = {{Out("10.1.0.0/24", 5432), g}};
  EXPECT_EQ(fp.net_patterns, want);
  EXPECT_EQ(fp.network.size(), 15u);

  const NetItem* key = nullptr;
  ASSERT_NE(MatchNet(fp, Out("10.1.0.200", 5432), &key), nullptr);
  EXPECT_EQ(*key, Out("10.1.0.0/24", 5432));
  EXPECT_EQ(MatchNet(fp, Out("10.1.1.5", 5432)), nullptr);    // another /24
  EXPECT_EQ(MatchNet(fp, Out("10.1.0.200", 5433)), nullptr);  // another port
  EXPECT_EQ(MatchNet(fp, NetItem{Direction::kInbound, 6, "10.1.0.200", 5432}), nullptr);
}

TEST(GeneralizeTest, InboundClientsAndIpv6Widen) {
  Fingerprint fp;
  for (int i = 1; i <= 9; ++i) {
    fp.network[NetItem{Direction::kInbound, 6, "10.2.0." + std::to_string(i * 10), 443}] =
        Stats(1, 1, 1, 1);
    fp.network[Out("2001:db8::" + std::to_string(i), 443)] = Stats(1, 1, 1, 1);
  }
  Generalize(&fp);
  EXPECT_TRUE(fp.network.empty());
  ASSERT_EQ(fp.net_patterns.size(), 2u);
  EXPECT_EQ(fp.net_patterns.at(NetItem{Direction::kInbound, 6, "10.2.0.0/24", 443}).rule,
            "9 distinct inbound tcp clients of port 443 in 10.2.0.0/24 (threshold 8)");
  EXPECT_EQ(fp.net_patterns.at(Out("2001:db8::/64", 443)).covered, 9u);
  EXPECT_NE(MatchNet(fp, Out("2001:db8::abcd", 443)), nullptr);
  EXPECT_EQ(MatchNet(fp, Out("2001:db8:0:1::1", 443)), nullptr);
}

TEST(GeneralizeTest, WideningLimits) {
  Fingerprint fp;
  // Loopback widens only with loopback; ::1, unspecified addresses and listen
  // sockets never widen; 8 resolvers in one /24 do (a resolver's upstreams).
  for (int i = 1; i <= 8; ++i) {
    fp.network[Out("127.0.0." + std::to_string(i), 6379)] = Stats(1, 1, 1, 1);
    fp.network[NetItem{Direction::kListen, 6, "10.0.0." + std::to_string(i), 80}] =
        Stats(1, 1, 1, 1);
    fp.network[NetItem{Direction::kDns, 17, "10.0.1." + std::to_string(i), 53}] = Stats(1, 1, 1, 1);
  }
  fp.network[Out("::1", 6379)] = Stats(1, 1, 1, 1);
  fp.network[Out("128.0.0.1", 6379)] = Stats(1, 1, 1, 1);
  Generalize(&fp);
  std::vector<std::string> patterns;
  for (const auto& [key, g] : fp.net_patterns) patterns.push_back(key.ToString());
  EXPECT_EQ(patterns, (std::vector<std::string>{"outbound tcp 127.0.0.0/24:6379", "dns udp 10.0.1.0/24:53"}));
  EXPECT_EQ(MatchNet(fp, Out("128.0.0.9", 6379)), nullptr);

  // Under pressure: /16 at most, each /16 separately.
  Fingerprint wide;
  for (int i = 0; i < 40; ++i) {
    wide.network[Out("10." + std::to_string(1 + i % 2) + "." + std::to_string(i) + ".1", 443)] =
        Stats(1, 1, 1, 1);
  }
  GeneralizeOptions o;
  o.item_budget = 2;
  GeneralizeResult r = Generalize(&wide, o);
  EXPECT_TRUE(r.pressure);
  EXPECT_FALSE(r.over_budget);
  patterns.clear();
  for (const auto& [key, g] : wide.net_patterns) patterns.push_back(key.address + " <- " + g.rule);
  EXPECT_EQ(patterns,
            (std::vector<std::string>{
                "10.1.0.0/16 <- 20 distinct outbound tcp peers on port 443 in 10.1.0.0/16 "
                "(threshold 2, widened beyond /24: over the item budget of 2)",
                "10.2.0.0/16 <- 20 distinct outbound tcp peers on port 443 in 10.2.0.0/16 "
                "(threshold 2, widened beyond /24: over the item budget of 2)"}));
}

TEST(GeneralizeTest, BudgetPressureLowersThresholdsThenCollapsesSubtrees) {
  Fingerprint fp;
  // A cache of one file per leaf directory, never 2 in one place, named by
  // words (numbered names are shapes: CollapseShapesAtAnyDepth), each its own
  // (the same name in sibling directories is a family: CollapseSiblings).
  auto word = [](int i) { return std::string(1, static_cast<char>('a' + i / 26)) + static_cast<char>('a' + i % 26); };
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 30; ++b) {
      const std::string letter(1, static_cast<char>('a' + a));
      fp.files["/var/cache/nginx/" + letter + "/" + word(b) + "/e" + letter + word(b)] =
          Stats(1, 1, 1, 1, kAccessRead | kAccessWrite);
    }
  }
  AddFiles(&fp, "/srv/app/static", 6);  // below 16, above 16/4
  AddFiles(&fp, "/etc", 5);             // protected: stays
  GeneralizeOptions o;
  o.item_budget = 20;
  o.tree_threshold = 0;  // served trees: ServedTreeGeneralizesReadsAcrossDirectories
  GeneralizeResult r = Generalize(&fp, o);
  EXPECT_TRUE(r.pressure);
  EXPECT_FALSE(r.over_budget);
  EXPECT_LE(fp.ItemCount(), o.item_budget);
  std::vector<std::string> patterns;
  for (const auto& [key, g] : fp.file_patterns) patterns.push_back(key + " <- " + g.rule);
  EXPECT_EQ(patterns,
            (std::vector<std::string>{
                "/srv/app/static/* <- 6 distinct files under /srv/app/static (threshold 4, "
                "lowered from 16: over the item budget of 20)",
                "/var/cache/nginx/a/** <- 30 items in the subtree /var/cache/nginx/a (over the "
                "item budget of 20)",
                "/var/cache/nginx/b/** <- 30 items in the subtree /var/cache/nginx/b (over the "
                "item budget of 20)",
                "/var/cache/nginx/c/** <- 30 items in the subtree /var/cache/nginx/c (over the "
                "item budget of 20)",
                "/var/cache/nginx/d/** <- 30 items in the subtree /var/cache/nginx/d (over the "
                "item budget of 20)"}));
  EXPECT_EQ(fp.files.size(), 5u);  // /etc
  // Learning goes on: new cache files are absorbed, the count stays put.
  size_t items = fp.ItemCount();
  for (int b = 100; b < 200; ++b) {
    ItemRef ref;
    ref.table = ItemRef::Table::kFile;
    ref.kind = FindingKind::kFile;
    ref.key = "/var/cache/nginx/c/" + word(b) + "/ec" + word(b);
    ++FindOrAddItem(&fp, ref).count;
  }
  EXPECT_EQ(fp.ItemCount(), items);
  EXPECT_EQ(fp.file_patterns.at("/var/cache/nginx/c/**").stats.count, 130u);
}

TEST(GeneralizeTest, DeeperPressureFoldsPatternsIntoTheirParentSubtree) {
  Fingerprint fp;
  for (int a = 0; a < 6; ++a) AddFiles(&fp, "/var/cache/app/" + std::to_string(a), 20);
  GeneralizeOptions o;
  o.item_budget = 2;
  o.tree_threshold = 0;
  Generalize(&fp, o);
  ASSERT_EQ(fp.file_patterns.size(), 1u);
  const Generalization& g = fp.file_patterns.at("/var/cache/app/**");
  EXPECT_EQ(g.rule, "6 items in the subtree /var/cache/app (over the item budget of 2)");
  EXPECT_EQ(g.covered, 120u);
  EXPECT_EQ(g.examples.size(), Generalization::kMaxExamples);
  EXPECT_EQ(g.stats.count, 120u);
}

TEST(InKnownSubnetTest, LearnedPeersAndRanges) {
  Fingerprint fp;
  fp.network[Out("10.0.0.7", 5432)] = Stats(1, 1, 1, 1);
  fp.network[Out("2001:db8::5", 443)] = Stats(1, 1, 1, 1);
  fp.net_patterns[Out("172.16.0.0/16", 443)] = Generalization{};
  EXPECT_TRUE(InKnownSubnet(fp, "10.0.0.200"));
  EXPECT_FALSE(InKnownSubnet(fp, "10.0.1.7"));
  EXPECT_FALSE(InKnownSubnet(fp, "110.0.0.7"));
  EXPECT_TRUE(InKnownSubnet(fp, "2001:db8::ffff"));
  EXPECT_FALSE(InKnownSubnet(fp, "2001:db8:1::5"));
  EXPECT_TRUE(InKnownSubnet(fp, "172.16.99.1"));
  EXPECT_FALSE(InKnownSubnet(fp, "203.0.113.5"));
  EXPECT_FALSE(InKnownSubnet(fp, "not an address"));
}

TEST(GeneralizeTest, NormalizedVolatileNamesCountOnceNotPerInstance) {
  // 40 temp files of one kind are one item after normalisation: no wildcard
  // needed, and /tmp (a fixed top-level directory) could not take one.
  Fingerprint fp;
  for (int i = 0; i < 40; ++i) {
    std::string path = NormalizeFilePath("/tmp/tmp.Ab" + std::to_string(100000 + i) + "Q");
    fp.files[path] = Stats(1, 1, 1, 1, kAccessWrite);
  }
  EXPECT_EQ(fp.files.size(), 1u);
  EXPECT_FALSE(Generalize(&fp).changed());
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

std::vector<std::string> PatternKeys(const Fingerprint& fp) {
  std::vector<std::string> keys;
  for (const auto& [key, g] : fp.file_patterns) keys.push_back(key);
  return keys;
}

TEST(GeneralizeShapeTest, SiblingDirectoriesNamedByIdsShareTheirNames) {
  // Four databases of a PostgreSQL-like data directory, each with its fixed
  // files and numbered relation files.
  Fingerprint fp;
  const uint8_t rw = kAccessRead | kAccessWrite;
  for (const char* db : {"1", "4", "5", "16384"}) {
    const std::string dir = std::string("/srv/pg/base/") + db;
    fp.files[dir + "/PG_VERSION"] = ItemStats{3, 1, 2, 1, kAccessRead, 1};
    for (int rel = 1000; rel < 1006; ++rel) fp.files[dir + "/" + std::to_string(rel)] = ItemStats{3, 1, 2, 1, rw, 1};
  }
  Generalize(&fp);
  EXPECT_EQ(PatternKeys(fp), (std::vector<std::string>{"/srv/pg/base/<#>/<#>", "/srv/pg/base/<#>/PG_VERSION"}));
  EXPECT_TRUE(fp.files.empty());
  // A new database's files are known, for the access training showed.
  EXPECT_NE(MatchFile(fp, "/srv/pg/base/24576/2608"), nullptr);
  EXPECT_NE(MatchFile(fp, "/srv/pg/base/24576/PG_VERSION"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/pg/base/24576/PG_VERSION")->stats.access, kAccessRead);
  // Other names are not.
  EXPECT_EQ(MatchFile(fp, "/srv/pg/base/24576/evil.so"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/pg/global/2608"), nullptr);
  const std::string& rule = fp.file_patterns.at("/srv/pg/base/<#>/PG_VERSION").rule;
  EXPECT_NE(rule.find("sibling directories"), std::string::npos) << rule;
}

// A compiler's temporaries in /tmp (mkstemp's "ccXXXXXX.s"): their random part
// sometimes draws letters of one case only, which no name-by-name rule can
// tell from a word. The family the workload created there takes them; other
// prefixes, suffixes, short runs and directories that are not temporary do not.
TEST(GeneralizeShapeTest, ATemplateNameOfOneCaseJoinsItsLearnedTemporaryFamily) {
  Fingerprint fp;
  const uint8_t rwc = kAccessRead | kAccessWrite | kAccessCreate;
  for (const char* name : {"/tmp/ccA1b2C3.s", "/tmp/ccZ9yX8w.s"}) {
    fp.files[NormalizeFilePath(name)] = ItemStats{2, 1, 2, 1, rwc, 1};
  }
  Generalize(&fp);
  ASSERT_TRUE(fp.file_patterns.contains("/tmp/cc<#>.s")) << ::testing::PrintToString(PatternKeys(fp));
  fp.file_patterns["/srv/app/cc<#>.s"] = fp.file_patterns.at("/tmp/cc<#>.s");
  const FilePatternIndex index(fp);
  for (const char* member : {"/tmp/ccIUJXQA.s", "/tmp/ccgguueo.s", "/tmp/cc_abcdefgh.s"}) {
    const Generalization* plain = MatchFile(fp, member);
    ASSERT_NE(plain, nullptr) << member;
    EXPECT_EQ(plain->stats.access, rwc);
    EXPECT_EQ(MatchFile(index, member), plain) << member;
  }
  for (const char* other : {"/tmp/ccabc.s", "/tmp/xxIUJXQA.s", "/tmp/ccIUJXQA.o", "/tmp/ccIUJXQA.s.sh",
                            "/tmp/sub/ccIUJXQA.s", "/tmp/IUJXQAcc.s"}) {
    EXPECT_EQ(MatchFile(fp, other), nullptr) << other;
    EXPECT_EQ(MatchFile(index, other), nullptr) << other;
  }
  // Outside the temporary directories a name is a word until it has a number.
  EXPECT_EQ(MatchFile(fp, "/srv/app/ccIUJXQA.s"), nullptr);
  EXPECT_EQ(MatchFile(index, "/srv/app/ccIUJXQA.s"), nullptr);
  EXPECT_NE(MatchFile(fp, "/srv/app/cc42.s"), nullptr);
}

TEST(GeneralizeShapeTest, SiblingDirectoriesOfAnyNameHoldingTheSamePathsShareThem) {
  // Mailboxes of five users, each with its maildir's numbered temporary
  // files (a shape already) and a fixed file, and a sixth directory of
  // another shape.
  Fingerprint fp;
  const uint8_t cw = kAccessWrite | kAccessCreate;
  for (const char* user : {"alice", "bob", "carol", "dave", "archive"}) {
    const std::string dir = std::string("/srv/mail/box/") + user;
    fp.files[dir + "/tmp/1700000000.P12.vm"] = ItemStats{3, 1, 2, 1, cw, 1};
    fp.files[dir + "/maildirsize"] = ItemStats{3, 1, 2, 1, kAccessRead, 1};
  }
  fp.files["/srv/mail/box/shared/notes.txt"] = ItemStats{1, 1, 1, 1, kAccessRead, 1};
  Generalize(&fp);
  EXPECT_EQ(PatternKeys(fp), (std::vector<std::string>{"/srv/mail/box/<name>/maildirsize",
                                                       "/srv/mail/box/<name>/tmp/<#>.P<#>.vm"}))
      << ::testing::PrintToString(fp);
  EXPECT_EQ(fp.files.size(), 1u);  // notes.txt
  // A new mailbox's same files are known, for the access training showed.
  const Generalization* tmp = MatchFile(fp, "/srv/mail/box/frank/tmp/1700000999.P77.vm");
  ASSERT_NE(tmp, nullptr);
  EXPECT_EQ(tmp->stats.access, cw);
  EXPECT_EQ(MatchFile(fp, "/srv/mail/box/frank/maildirsize")->stats.access, kAccessRead);
  // Another name there, the same name elsewhere or one level deeper: not.
  EXPECT_EQ(MatchFile(fp, "/srv/mail/box/frank/tmp/shell.php"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/mail/other/frank/maildirsize"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/mail/box/frank/x/maildirsize"), nullptr);
  const std::string& rule = fp.file_patterns.at("/srv/mail/box/<name>/maildirsize").rule;
  EXPECT_NE(rule.find("5 sibling directories under /srv/mail/box"), std::string::npos) << rule;
}

TEST(GeneralizeShapeTest, FewSiblingsCodeAndProtectedTreesStayItemByItem) {
  Fingerprint fp;
  for (const char* user : {"alice", "bob", "carol"}) {  // three: below the threshold of 4
    fp.files[std::string("/srv/mail/box/") + user + "/maildirsize"] = ItemStats{3, 1, 2, 1, kAccessRead, 1};
  }
  for (const char* pkg : {"flask", "jinja2", "werkzeug", "click", "markupsafe"}) {  // code
    fp.files[std::string("/usr/lib/python3/dist-packages/") + pkg + "/__init__.py"] =
        ItemStats{3, 1, 2, 1, kAccessRead, 1};
  }
  for (const char* user : {"ann", "ben", "cat", "dan"}) {  // persistence: protected
    fp.files[std::string("/home/") + user + "/.bashrc"] = ItemStats{3, 1, 2, 1, kAccessRead, 1};
  }
  Generalize(&fp);
  for (const auto& [key, g] : fp.file_patterns) {
    EXPECT_EQ(key.find("<name>"), std::string::npos) << key << ": " << g.rule;
  }
  EXPECT_EQ(MatchFile(fp, "/usr/lib/python3/dist-packages/requests/__init__.py"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/home/eve/.bashrc"), nullptr);
}

TEST(GeneralizeShapeTest, OneDirectoryIsNotEvidenceThatDirectoriesVary) {
  Fingerprint fp;
  for (int i = 0; i < 6; ++i) fp.files["/srv/app/v2/img" + std::to_string(i) + ".png"] = ItemStats{1, 1, 1, 1, kAccessRead, 1};
  Generalize(&fp);
  EXPECT_EQ(PatternKeys(fp), std::vector<std::string>{"/srv/app/v2/img<#>.png"});
  EXPECT_EQ(MatchFile(fp, "/srv/app/v3/img1.png"), nullptr);
}

TEST(GeneralizeShapeTest, ACreatedNumberedNameIsOneGeneration) {
  Fingerprint fp;
  const uint8_t cw = kAccessWrite | kAccessCreate;
  fp.files["/srv/redis/appendonlydir/appendonly.aof.1.incr.aof"] = ItemStats{4, 1, 2, 1, cw, 1};
  fp.files["/srv/redis/dump.rdb"] = ItemStats{4, 1, 2, 1, cw, 1};  // no number: stays
  fp.files["/srv/app/conf1.yml"] = ItemStats{4, 1, 2, 1, kAccessRead, 1};  // read, not created: stays
  Generalize(&fp);
  EXPECT_EQ(PatternKeys(fp), std::vector<std::string>{"/srv/redis/appendonlydir/appendonly.aof.<#>.incr.aof"});
  const Generalization* g = MatchFile(fp, "/srv/redis/appendonlydir/appendonly.aof.2.incr.aof");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->stats.access, cw);  // exactly the access it showed
  EXPECT_EQ(MatchFile(fp, "/srv/app/conf2.yml"), nullptr);
  // Protected places never: a numbered crontab stays an item.
  Fingerprint cron;
  cron.files["/var/spool/cron/crontabs/job1"] = ItemStats{1, 1, 1, 1, cw, 1};
  Generalize(&cron);
  EXPECT_TRUE(cron.file_patterns.empty());
}

// Generations numbered in hexadecimal (ZooKeeper's "log.<zxid>") are one
// family with the decimal ones, whatever letters the number holds; a run
// that starts with a letter is a name with a number, one with no digit a word.
TEST(GeneralizeShapeTest, AGenerationNumberedInHexIsOneFamily) {
  Fingerprint fp;
  const uint8_t cw = kAccessWrite | kAccessCreate;
  for (const char* name : {"/srv/zk/version-2/log.1", "/srv/zk/version-2/log.7ab", "/srv/zk/version-2/log.12cf"}) {
    fp.files[NormalizeFilePath(name)] = ItemStats{4, 1, 2, 1, cw, 1};
  }
  fp.files["/srv/zk/db1.conf"] = ItemStats{4, 1, 2, 1, cw, 1};
  Generalize(&fp);
  EXPECT_EQ(PatternKeys(fp), (std::vector<std::string>{"/srv/zk/db<#>.conf", "/srv/zk/version-2/log.<#>"}));
  for (const char* next : {"/srv/zk/version-2/log.296c", "/srv/zk/version-2/log.1F2A", "/srv/zk/version-2/log.100000001",
                           "/srv/zk/version-2/log.42"}) {
    EXPECT_NE(MatchFile(fp, NormalizeFilePath(next)), nullptr) << next;
  }
  for (const char* other : {"/srv/zk/version-2/log.cafe", "/srv/zk/version-2/log.a1", "/srv/zk/version-2/log.1aB",
                            "/srv/zk/version-2/log.1g", "/srv/zk/db2a.conf"}) {
    EXPECT_EQ(MatchFile(fp, NormalizeFilePath(other)), nullptr) << other;
  }
}

TEST(GeneralizeShapeTest, AFamilyCreatedInNumberedDirectoriesFillsTheirSiblings) {
  // A cache's swap files in its first fan-out directory (cache/00/00), and a
  // database's relation files the server created in one database directory.
  Fingerprint fp;
  const uint8_t rwc = kAccessRead | kAccessWrite | kAccessCreate;
  for (int i = 1; i <= 6; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "%08X", i);
    fp.files[std::string("/srv/proxy/cache/00/00/") + name] = ItemStats{3, 1, 2, 1, rwc, 1};
    fp.files["/srv/pg/base/16384/" + std::to_string(16400 + i)] = ItemStats{3, 1, 2, 1, rwc, 1};
    // Read only: content in a numbered directory does not say its siblings exist.
    fp.files["/srv/site/2024/photo" + std::to_string(i) + ".jpg"] = ItemStats{3, 1, 2, 1, kAccessRead, 1};
    // Created, but the numbered directory is not right above the files.
    fp.files["/srv/app/7/logs/part" + std::to_string(i)] = ItemStats{3, 1, 2, 1, rwc, 1};
  }
  // One created numbered name (a generation) in a numbered directory.
  fp.files["/srv/spool/q/12/<n>"] = ItemStats{3, 1, 2, 1, rwc, 1};
  Generalize(&fp);
  EXPECT_EQ(PatternKeys(fp), (std::vector<std::string>{"/srv/app/7/logs/part<#>", "/srv/pg/base/<#>/<#>",
                                                       "/srv/proxy/cache/<#>/<#>/<#>", "/srv/site/2024/photo<#>.jpg",
                                                       "/srv/spool/q/<#>/<#>"}));
  EXPECT_NE(MatchFile(fp, "/srv/spool/q/13/<n>"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/spool/r/13/<n>"), nullptr);
  const Generalization* swap = MatchFile(fp, "/srv/proxy/cache/00/01/00000107");
  ASSERT_NE(swap, nullptr);
  EXPECT_EQ(swap->stats.access, rwc);
  EXPECT_NE(swap->rule.find("fan-out levels: 2"), std::string::npos) << swap->rule;
  EXPECT_NE(MatchFile(fp, "/srv/proxy/cache/01/17/00000001"), nullptr);
  EXPECT_NE(MatchFile(fp, "/srv/pg/base/24576/2608"), nullptr);
  // Another shape, a directory of another shape, or another depth: not.
  EXPECT_EQ(MatchFile(fp, "/srv/proxy/cache/00/01/shell.php"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/proxy/cache/tmp/01/00000001"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/proxy/cache/00/01/02/00000001"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/site/2025/photo1.jpg"), nullptr);
  EXPECT_EQ(MatchFile(fp, "/srv/app/8/logs/part1"), nullptr);
}

TEST(GeneralizeServedTreeTest, ATreeReadAcrossDirectoriesIsServedForReadsOnly) {
  Fingerprint fp;
  const char* dirs[] = {"/srv/site/html", "/srv/site/html/docs", "/srv/site/html/blog", "/srv/site/html/css"};
  const char* words[] = {"about", "team", "news", "faq", "terms", "privacy", "guide"};
  for (const char* d : dirs) {
    for (const char* w : words) fp.files[std::string(d) + "/" + w + ".html"] = ItemStats{2, 1, 2, 1, kAccessRead, 1};
  }
  fp.files["/srv/site/html/uploads/a.jpg"] = ItemStats{1, 1, 1, 1, kAccessWrite | kAccessCreate, 1};
  fp.files["/srv/site/conf/site.conf"] = ItemStats{1, 1, 1, 1, kAccessRead, 1};
  Generalize(&fp);
  ASSERT_EQ(PatternKeys(fp), std::vector<std::string>{"/srv/site/html/**"});
  const Generalization& g = fp.file_patterns.at("/srv/site/html/**");
  EXPECT_EQ(g.stats.access, kAccessRead);
  EXPECT_EQ(g.covered, 28u);
  EXPECT_NE(g.rule.find("served tree"), std::string::npos) << g.rule;
  // Content never requested in training is known; writing there is not.
  EXPECT_NE(MatchFile(fp, "/srv/site/html/docs/install.html"), nullptr);
  EXPECT_EQ(fp.files.count("/srv/site/html/uploads/a.jpg"), 1u);
  EXPECT_EQ(fp.files.count("/srv/site/conf/site.conf"), 1u);
  // Libraries and system trees never become served trees.
  Fingerprint lib;
  for (const char* d : {"/usr/lib/python3/dist-packages/a", "/usr/lib/python3/dist-packages/b"}) {
    for (int i = 0; i < 15; ++i) lib.files[std::string(d) + "/m" + std::string(1, static_cast<char>('a' + i)) + ".py"] = ItemStats{1, 1, 1, 1, kAccessRead, 1};
  }
  Generalize(&lib);
  for (const auto& [key, g2] : lib.file_patterns) EXPECT_FALSE(key.ends_with("/**")) << key;
}

// A tree the workload reads, writes and creates names in across several of
// its directories is its own (a database's data): creating more there is what
// it does. One lock file created in one directory does not make a tree owned.
TEST(GeneralizeServedTreeTest, ATreeWrittenAndCreatedInAcrossDirectoriesIsOwned) {
  auto tree = [](bool create_in_two_dirs) {
    Fingerprint fp;
    const char* dirs[] = {"/var/lib/db/base/users", "/var/lib/db/base/orders", "/var/lib/db/base/items"};
    const char* words[] = {"heap", "index", "toast", "vm", "fsm", "map", "seq", "tab", "pk", "stats"};
    for (size_t d = 0; d < 3; ++d) {
      for (size_t w = 0; w < 10; ++w) {
        uint8_t access = kAccessRead | kAccessWrite;
        if (create_in_two_dirs ? (d > 0 && w < 3) : (d == 0 && w == 0)) access |= kAccessCreate;
        fp.files[std::string(dirs[d]) + "/" + words[w]] = ItemStats{2, 1, 2, 1, access, 1};
      }
    }
    Generalize(&fp);
    return fp;
  };
  Fingerprint owned = tree(true);
  ASSERT_EQ(owned.file_patterns.count("/var/lib/db/base/**"), 1u) << ::testing::PrintToString(PatternKeys(owned));
  const Generalization& g = owned.file_patterns.at("/var/lib/db/base/**");
  EXPECT_EQ(g.stats.access, kAccessRead | kAccessWrite | kAccessCreate);
  EXPECT_NE(g.rule.find("owned tree"), std::string::npos) << g.rule;
  EXPECT_NE(MatchFile(owned, "/var/lib/db/base/carts/heap"), nullptr);

  Fingerprint lock = tree(false);
  ASSERT_EQ(lock.file_patterns.count("/var/lib/db/base/**"), 1u) << ::testing::PrintToString(PatternKeys(lock));
  const Generalization& l = lock.file_patterns.at("/var/lib/db/base/**");
  EXPECT_EQ(l.stats.access & kAccessCreate, 0) << l.rule;
  EXPECT_EQ(l.rule.find("owned tree"), std::string::npos) << l.rule;
}

// A wildcard never takes a written executable or script (the scorer would
// not let it absolve one): a workload that builds a shared object into each
// new id-named directory of its owned tree (a cache compiling its
// configuration) keeps those as items, which form a family of their own
// name; an item arriving later under the wildcard stays an item too.
// As the profiler learns an item: its stats, with its access.
void Learn(Fingerprint* fp, const ItemRef& item) {
  ItemStats& st = FindOrAddItem(fp, item);
  ++st.count;
  st.access |= item.access;
}

TEST(GeneralizeServedTreeTest, WrittenExecutablesStayOutOfWildcardsAndFormTheirOwnFamily) {
  // First an owned tree: distinct names read, written and created across
  // its directories (its state, its shared memory files).
  Fingerprint fp;
  for (int d = 0; d < 3; ++d) {
    for (int w = 0; w < 10; ++w) {
      const std::string path = "/srv/cache/inst/_.state" + std::string(1, char('a' + d)) + "/" + Leaf(w + 10 * d);
      fp.files[path] = ItemStats{2, 1, 2, 1, kAccessRead | kAccessWrite | kAccessCreate, 1};
    }
  }
  Generalize(&fp);
  ASSERT_EQ(fp.file_patterns.count("/srv/cache/inst/**"), 1u) << ::testing::PrintToString(PatternKeys(fp));
  // Then, learning on, a shared object built into each new id-named
  // directory arrives under the tree: items, which form their own family.
  ItemRef so;
  so.table = ItemRef::Table::kFile;
  so.access = kAccessRead | kAccessWrite | kAccessCreate;
  for (int d = 0; d < 3; ++d) {
    so.key = "/srv/cache/inst/build." + std::to_string(1000 + d) + "." + std::to_string(555 + d) + "/out.so";
    Learn(&fp, so);
    EXPECT_EQ(fp.files.count(so.key), 1u) << so.key;
  }
  Generalize(&fp);
  const std::string* key = nullptr;
  ASSERT_NE(MatchFile(fp, "/srv/cache/inst/build.1007.999/out.so", &key), nullptr);
  EXPECT_EQ(*key, "/srv/cache/inst/build.<#>.<#>/out.so") << ::testing::PrintToString(PatternKeys(fp));  // its own family
  ASSERT_NE(MatchFile(fp, "/srv/cache/inst/build.1007.999/heap", &key), nullptr);
  EXPECT_EQ(*key, "/srv/cache/inst/**");
  // Scored: the next build's object is known; another object there is not.
  fp.workload = "cache";
  Scorer scorer;
  EXPECT_TRUE(scorer.Score(&fp, testing::Open("cache", 10, "/srv/cache/inst/build.1007.999/out.so",
                                              kAccessWrite | kAccessCreate)).empty());
  std::vector<Finding> other = scorer.Score(&fp, testing::Open("cache", 10, "/srv/cache/inst/build.1007.999/x.so",
                                                                kAccessWrite | kAccessCreate));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_GE(other[0].severity, Severity::kHigh) << other[0].reason;
  // Learning more: a written script under the wildcard is an item of its own.
  ItemRef script;
  script.table = ItemRef::Table::kFile;
  script.key = "/srv/cache/inst/run.sh";
  script.access = kAccessWrite | kAccessCreate;
  Learn(&fp, script);
  EXPECT_EQ(fp.files.count("/srv/cache/inst/run.sh"), 1u);
  ItemRef data = script;
  data.key = "/srv/cache/inst/new-data";
  Learn(&fp, data);
  EXPECT_EQ(fp.files.count("/srv/cache/inst/new-data"), 0u);  // the wildcard took it
  EXPECT_TRUE(WildcardKeepsOut("/x/**", "/x/lib.so.1", kAccessCreate));
  EXPECT_FALSE(WildcardKeepsOut("/x/**", "/x/lib.so.1", kAccessRead));
  EXPECT_FALSE(WildcardKeepsOut("/x/<#>/lib.so", "/x/1/lib.so", kAccessCreate));
}

// Trees are made deepest first: a database's data directory can become a
// read/write tree before its owner's whole directory becomes an owned one
// (created names in its temporary and log directories). The inner tree, with
// no access the outer lacks, then joins it, so creating a new database's
// files is known; an inner tree with access the outer lacks stays its own.
TEST(GeneralizeServedTreeTest, ATreeInsideAWiderTreeWithNoMoreAccessJoinsIt) {
  auto server = [](uint8_t outer_access) {
    Fingerprint fp;
    for (const char* db : {"mysql", "shop", "sys"}) {
      for (int i = 0; i < 10; ++i) {
        fp.files["/srv/db/data/" + std::string(db) + "/t" + std::string(1, static_cast<char>('a' + i)) + ".ibd"] =
            ItemStats{2, 1, 2, 1, kAccessRead | kAccessWrite, 1};
      }
    }
    for (const char* dir : {"tmp", "log"}) {
      for (int i = 0; i < 12; ++i) {
        fp.files["/srv/db/" + std::string(dir) + "/f" + std::string(1, static_cast<char>('a' + i))] =
            ItemStats{2, 1, 2, 1, outer_access, 1};
      }
    }
    Generalize(&fp);
    return fp;
  };
  Fingerprint owned = server(kAccessRead | kAccessWrite | kAccessCreate);
  EXPECT_EQ(PatternKeys(owned), std::vector<std::string>{"/srv/db/**"});
  const Generalization* g = MatchFile(owned, "/srv/db/data/inventory/stock.ibd");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->stats.access, kAccessRead | kAccessWrite | kAccessCreate) << g->rule;
  EXPECT_EQ(g->covered, 54u);

  Fingerprint served = server(kAccessRead);
  EXPECT_EQ(PatternKeys(served), (std::vector<std::string>{"/srv/db/**", "/srv/db/data/**"}));
  const Generalization* inner = MatchFile(served, "/srv/db/data/shop/ta.ibd");
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(inner->stats.access, kAccessRead | kAccessWrite) << inner->rule;
}

}  // namespace
}  // namespace dw::model

namespace dw::model {
namespace {

// What the dynamic loader opens: ".so", then nothing but a version.
TEST(SharedObjectNameTest, ASharedObjectEndsInSoAndAVersion) {
  for (const char* yes : {"/tmp/x.so", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/a/libssl.so.3.0.11", "/a/b.so.1."}) {
    EXPECT_TRUE(IsSharedObjectName(yes)) << yes;
  }
  for (const char* no : {"/tmp/.so", "/tmp/x.so5", "/tmp/x.so.bak", "/tmp/x.sox", "/tmp/so", "/tmp/x.1.2", "so", "",
                         "/tmp/x.so/y"}) {
    EXPECT_FALSE(IsSharedObjectName(no)) << no;
  }
}

}  // namespace
}  // namespace dw::model
