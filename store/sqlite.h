// store/sqlite.h: move-only RAII owners for an sqlite3 connection, a prepared
// statement and a transaction. Internal to store/: only store/*.cc include it.
#ifndef DRIFTWATCH_STORE_SQLITE_H_
#define DRIFTWATCH_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/status.h"

namespace dw::store::sqlite {

// The ErrorCode for sqlite result code `rc` (primary or extended);
// `system_errno` refines SQLITE_CANTOPEN (ENOENT -> kNotFound, EACCES -> kPermissionDenied).
ErrorCode CodeFor(int rc, int system_errno);

// Owns an sqlite3 connection. Not thread-safe.
class Db {
 public:
  // Opens `path` with SQLITE_OPEN_* `flags`. The error message is sqlite's, or
  // strerror() when the OS refused the file.
  static Result<Db> Open(const std::string& path, int flags);

  Db() = default;
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  sqlite3* get() const { return db_; }

  // A Status for the failed call that returned `rc`: sqlite's message, plus
  // strerror() of the OS error behind an I/O failure.
  Status Error(int rc) const;
  // Runs one or more statements that return no rows of interest.
  Status Exec(const char* sql);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Owns a prepared statement. Bind indexes start at 1, column indexes at 0.
// A failed bind is remembered and returned by the next Step().
class Statement {
 public:
  static Result<Statement> Prepare(const Db& db, std::string_view sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, double v);
  Statement& Bind(int i, std::string_view text);  // copied
  Statement& BindBlob(int i, std::string_view bytes);
  Statement& BindNull(int i);

  // Advances: true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps to the end, ignoring rows.
  Status Run();
  // Ready for Step() again, keeping bindings.
  void Reset();

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Real(int col) const;
  std::string Text(int col) const;
  // Valid until the next Step(), Reset() or destruction.
  std::string_view Blob(int col) const;

 private:
  Statement(const Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void Check(int rc);

  const Db* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Db* db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Begin();
  Status Commit();

 private:
  Db* db_;
  bool open_ = false;
};

}  // namespace dw::store::sqlite

#endif  // DRIFTWATCH_STORE_SQLITE_H_
