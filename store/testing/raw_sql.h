// store/testing/raw_sql.h: SQL run on a database file with sqlite3 itself, as
// another program (or a damaged or older driftwatch) would, for tests.
#ifndef DRIFTWATCH_STORE_TESTING_RAW_SQL_H_
#define DRIFTWATCH_STORE_TESTING_RAW_SQL_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace dw::store::testing {

// Runs `sql` on the database file at `path` (created if missing); a failure
// is a test failure naming sqlite's message.
inline void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

// "ok" for a sound database file, else what PRAGMA integrity_check (or
// opening it read-only) reports.
inline std::string IntegrityCheck(const std::string& path) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string e = h ? sqlite3_errmsg(h) : "out of memory";
    sqlite3_close(h);
    return "open: " + e;
  }
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (!out.empty()) out += "; ";
      out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
  } else {
    out = sqlite3_errmsg(h);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

}  // namespace dw::store::testing

#endif  // DRIFTWATCH_STORE_TESTING_RAW_SQL_H_
