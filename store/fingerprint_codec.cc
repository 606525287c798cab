// store/fingerprint_codec.cc: Fingerprint <-> blob with cereal's PortableBinary
// archive. Lengths and counts are checked against the bytes left before any
// allocation, so a damaged blob cannot ask for gigabytes.
#include "store/fingerprint_codec.h"

#include <cereal/archives/portable_binary.hpp>

#include <istream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <type_traits>
#include <utility>

namespace dw::store {
namespace {

using model::Direction;
using model::ItemStats;
using model::NetItem;
using model::TrainingStats;

template <typename T>
concept Arithmetic = std::is_arithmetic_v<T>;

class Writer {
 public:
  Writer(std::ostream& os, uint32_t version)
      : ar_(os, cereal::PortableBinaryOutputArchive::Options::LittleEndian()), version_(version) {}

  template <Arithmetic T>
  void Put(T v) { ar_(v); }
  void Put(const std::string& s) {
    Put(static_cast<uint32_t>(s.size()));
    ar_(cereal::binary_data(s.data(), s.size()));
  }
  void Put(const ItemStats& s) {
    Put(s.count);
    Put(s.first_seen_ns);
    Put(s.last_seen_ns);
    Put(s.processes);
    Put(s.access);
    if (version_ >= 3) Put(s.nodes);
  }
  void Put(const NetItem& n) {
    Put(static_cast<uint8_t>(n.direction));
    Put(n.protocol);
    Put(n.address);
    Put(n.port);
  }
  void Put(const TrainingStats& t) {
    Put(t.events);
    Put(t.first_event_ns);
    Put(t.last_event_ns);
    Put(t.dropped_events);
    Put(t.sessions);
  }
  void Put(const model::Generalization& g) {
    Put(g.rule);
    Put(static_cast<uint32_t>(g.examples.size()));
    for (const auto& e : g.examples) Put(e);
    Put(g.covered);
    Put(g.stats);
  }
  void Put(const std::vector<double>& v) {
    Put(static_cast<uint32_t>(v.size()));
    for (double d : v) Put(d);
  }
  void Put(const model::RateBaseline& r) {
    Put(r.bucket_ns);
    Put(r.buckets);
    Put(r.mean);
    Put(r.m2);
    Put(r.max);
  }
  template <typename K, typename V>
  void Put(const std::map<K, V>& m) {
    Put(static_cast<uint32_t>(m.size()));
    for (const auto& [key, value] : m) {
      Put(key);
      Put(value);
    }
  }

 private:
  cereal::PortableBinaryOutputArchive ar_;
  uint32_t version_;
};

// Thrown inside this file only; DecodeFingerprint turns it into kCorrupt.
class CorruptBlob : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a string_view in place.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view v) {
    char* p = const_cast<char*>(v.data());  // read-only: no put area is set
    setg(p, p, p + v.size());
  }
};

class Reader {
 public:
  Reader(std::istream& is, size_t size) : ar_(is), size_(size), remaining_(size - 1) {}

  size_t offset() const { return size_ - remaining_; }
  // The blob's format version: fields added later are read only from newer blobs.
  void set_version(uint32_t v) { version_ = v; }
  size_t remaining() const { return remaining_; }

  template <Arithmetic T>
  void Get(T* v) {
    Need(sizeof(T));
    ar_(*v);
  }
  void Get(std::string* s) {
    uint32_t n = 0;
    Get(&n);
    Need(n);
    s->resize(n);
    ar_(cereal::binary_data(s->data(), n));
  }
  void Get(ItemStats* s) {
    Get(&s->count);
    Get(&s->first_seen_ns);
    Get(&s->last_seen_ns);
    Get(&s->processes);
    Get(&s->access);
    if (version_ >= 3) Get(&s->nodes);
  }
  void Get(NetItem* n) {
    uint8_t direction = 0;
    Get(&direction);
    if (direction < static_cast<uint8_t>(Direction::kOutbound) ||
        direction > static_cast<uint8_t>(Direction::kDns)) {
      Fail("unknown network direction " + std::to_string(direction));
    }
    n->direction = static_cast<Direction>(direction);
    Get(&n->protocol);
    Get(&n->address);
    Get(&n->port);
  }
  void Get(TrainingStats* t) {
    Get(&t->events);
    Get(&t->first_event_ns);
    Get(&t->last_event_ns);
    Get(&t->dropped_events);
    Get(&t->sessions);
  }
  void Get(model::Generalization* g) {
    Get(&g->rule);
    uint32_t n = 0;
    Get(&n);
    if (n > model::Generalization::kMaxExamples) Fail("too many examples");
    g->examples.resize(n);
    for (auto& e : g->examples) Get(&e);
    Get(&g->covered);
    Get(&g->stats);
  }
  void Get(std::vector<double>* v) {
    uint32_t n = 0;
    Get(&n);
    if (n > model::kRateDims * model::kRateDims) Fail("rate vector too long");
    v->resize(n);
    for (double& d : *v) Get(&d);
  }
  void Get(model::RateBaseline* r) {
    Get(&r->bucket_ns);
    Get(&r->buckets);
    Get(&r->mean);
    Get(&r->m2);
    Get(&r->max);
  }
  // Keys must come strictly ascending, as Writer emits them: a blob has one
  // encoding per fingerprint, and duplicates cannot slip through.
  template <typename K, typename V>
  void Get(std::map<K, V>* m) {
    uint32_t n = 0;
    Get(&n);
    for (uint32_t i = 0; i < n; ++i) {
      K key;
      Get(&key);
      V value;
      Get(&value);
      if (!m->empty() && !(std::prev(m->end())->first < key)) Fail("keys out of order");
      m->emplace_hint(m->end(), std::move(key), std::move(value));
    }
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw CorruptBlob(what + " at byte " + std::to_string(offset()) + " of " +
                      std::to_string(size_));
  }

 private:
  void Need(size_t n) {
    if (n > remaining_) Fail("truncated");
    remaining_ -= n;
  }

  cereal::PortableBinaryInputArchive ar_;
  size_t size_;
  size_t remaining_;
  uint32_t version_ = model::kFingerprintFormatVersion;
};

Status Corrupt(const std::string& what) {
  return Status(ErrorCode::kCorrupt, "decode fingerprint: " + what);
}

}  // namespace

std::string EncodeFingerprint(const model::Fingerprint& fp) {
  return EncodeFingerprintAs(fp, model::kFingerprintFormatVersion);
}

std::string EncodeFingerprintAs(const model::Fingerprint& fp, uint32_t version) {
  std::ostringstream os;
  {
    Writer w(os, version);
    w.Put(version);
    w.Put(fp.workload);
    if (version >= 3) {
      w.Put(fp.node);
      w.Put(fp.syscall_arch);
    }
    if (version >= 4) w.Put(static_cast<uint8_t>(fp.syscall_watch));
    if (version >= 5) w.Put(static_cast<uint8_t>(fp.lineage_by_exe ? 1 : 0));
    w.Put(fp.executables);
    w.Put(fp.files);
    w.Put(fp.network);
    w.Put(fp.dns_names);
    if (version >= 2) {
      w.Put(fp.lineage);
      if (version >= 3) w.Put(fp.syscalls);
      w.Put(fp.file_patterns);
      w.Put(fp.net_patterns);
      w.Put(fp.rates);
    }
    w.Put(fp.training);
  }
  return std::move(os).str();
}

Result<model::Fingerprint> DecodeFingerprint(std::string_view blob) {
  constexpr size_t kHeaderSize = 1 + sizeof(uint32_t);
  if (blob.size() < kHeaderSize) {
    return Corrupt("truncated header (" + std::to_string(blob.size()) + " bytes)");
  }
  // cereal reads any non-zero byte as "little-endian" without complaint.
  if (blob[0] != 0 && blob[0] != 1) return Corrupt("bad endianness byte");
  model::Fingerprint fp;
  try {
    ViewBuf buf(blob);
    std::istream is(&buf);
    Reader r(is, blob.size());
    r.Get(&fp.format_version);
    if (fp.format_version == 0) return Corrupt("format version 0");
    if (fp.format_version > model::kFingerprintFormatVersion) {
      return Status(ErrorCode::kVersion,
                    "decode fingerprint: format version " + std::to_string(fp.format_version) +
                        " is newer than this driftwatch supports (" +
                        std::to_string(model::kFingerprintFormatVersion) + ")");
    }
    r.set_version(fp.format_version);
    r.Get(&fp.workload);
    if (fp.format_version >= 3) {
      r.Get(&fp.node);
      r.Get(&fp.syscall_arch);
    }
    if (fp.format_version >= 4) {
      uint8_t watch = 0;
      r.Get(&watch);
      if (watch > static_cast<uint8_t>(model::SyscallWatch::kAll)) {
        r.Fail("unknown syscall watch " + std::to_string(watch));
      }
      fp.syscall_watch = static_cast<model::SyscallWatch>(watch);
    }
    // Before format 5 every lineage edge named an interpreter by its binary;
    // in format 5 those running a relative script, or a script after their
    // own value-taking flags, still were.
    fp.lineage_by_exe = true;
    if (fp.format_version >= 5) {
      uint8_t by_exe = 0;
      r.Get(&by_exe);
      if (by_exe > 1) r.Fail("bad lineage_by_exe " + std::to_string(by_exe));
      fp.lineage_by_exe = by_exe == 1 || fp.format_version < 6;
    }
    r.Get(&fp.executables);
    r.Get(&fp.files);
    r.Get(&fp.network);
    r.Get(&fp.dns_names);
    if (fp.format_version >= 2) {
      r.Get(&fp.lineage);
      if (fp.format_version >= 3) r.Get(&fp.syscalls);
      r.Get(&fp.file_patterns);
      r.Get(&fp.net_patterns);
      r.Get(&fp.rates);
      // Format 2 rates have 7 dimensions, without distinct written paths:
      // their covariance cannot be extended, so rate learning starts over.
      if (fp.format_version < 3) fp.rates = model::RateBaseline{};
    }
    r.Get(&fp.training);
    fp.format_version = model::kFingerprintFormatVersion;  // upgraded in memory
    if (r.remaining() != 0) r.Fail(std::to_string(r.remaining()) + " trailing bytes");
  } catch (const std::exception& e) {  // CorruptBlob, cereal::Exception, bad_alloc
    return Corrupt(e.what());
  }
  return fp;
}

}  // namespace dw::store
