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

}  // namespace dw::store::testing

#endif  // DRIFTWATCH_STORE_TESTING_RAW_SQL_H_
