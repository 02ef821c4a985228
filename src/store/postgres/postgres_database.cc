#include "store/postgres/postgres_database.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "store/write_queue.h"

namespace ferry::store {

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size();
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// The URL without its password, for error messages.
std::string Redact(const std::string& url) {
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

std::string Text(const SqlValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return "";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(x)) return "NaN";
          if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
          char buf[32];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
          return std::string(buf, end);
        } else {
          return x;
        }
      },
      v);
}

class PgRow final : public Row {
 public:
  PgRow(PGresult* res, int row) : res_(res), row_(row) {}
  bool IsNull(int col) const override { return PQgetisnull(res_, row_, col); }
  int64_t GetInt(int col) const override {
    return IsNull(col) ? 0 : std::strtoll(PQgetvalue(res_, row_, col), nullptr, 10);
  }
  double GetDouble(int col) const override {
    if (IsNull(col)) return 0;
    std::string_view v = PQgetvalue(res_, row_, col);
    if (v == "NaN") return std::nan("");
    if (v == "Infinity") return HUGE_VAL;
    if (v == "-Infinity") return -HUGE_VAL;
    return std::strtod(v.data(), nullptr);
  }
  std::string GetText(int col) const override {
    return IsNull(col) ? "" : std::string(PQgetvalue(res_, row_, col),
                                          PQgetlength(res_, row_, col));
  }

 private:
  PGresult* res_;
  int row_;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class PgConnection final : public SqlConnection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  Result<int64_t> Execute(std::string_view sql, const SqlParams& params) override {
    ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    const char* n = PQcmdTuples(res.get());
    return static_cast<int64_t>(n && *n ? std::strtoll(n, nullptr, 10) : 0);
  }

  Status Query(std::string_view sql, const SqlParams& params,
               const RowCallback& on_row) override {
    ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    int rows = PQntuples(res.get());
    for (int i = 0; i < rows; ++i) {
      PgRow row(res.get(), i);
      RETURN_IF_ERROR(on_row(row));
    }
    return Status::Ok();
  }

  Status ExecuteScript(std::string_view sql) override {
    PgResult res(PQexec(conn_, std::string(sql).c_str()));
    return Check(res.get(), "postgres script failed");
  }

 private:
  Status Check(PGresult* res, std::string_view what) {
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    std::string msg = std::string(what) + ": " + PQresultErrorMessage(res);
    if (state && std::string_view(state) == "23505") return AlreadyExists(msg);
    if (!healthy() || (state && std::string_view(state).substr(0, 2) == "08")) {
      return Unavailable(msg);
    }
    return Internal(msg);
  }

  Result<PgResult> Run(std::string_view sql, const SqlParams& params) {
    std::string text = RewritePlaceholders(sql);
    std::vector<std::string> values;
    values.reserve(params.size());
    std::vector<const char*> ptrs;
    ptrs.reserve(params.size());
    for (const SqlValue& p : params) {
      values.push_back(Text(p));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      ptrs.push_back(std::holds_alternative<std::nullptr_t>(params[i])
                         ? nullptr
                         : values[i].c_str());
    }
    PgResult res(PQexecParams(conn_, text.c_str(), static_cast<int>(ptrs.size()),
                              nullptr, ptrs.data(), nullptr, nullptr, 0));
    RETURN_IF_ERROR(Check(res.get(), "postgres query failed"));
    return res;
  }

  PGconn* conn_;
};

Result<std::unique_ptr<PgConnection>> Connect(const std::string& url) {
  PGconn* raw = PQconnectdb(url.c_str());
  auto conn = std::make_unique<PgConnection>(raw);
  if (PQstatus(raw) != CONNECTION_OK) {
    return Unavailable("cannot connect to PostgreSQL at " + Redact(url) + ": " +
                       PQerrorMessage(raw));
  }
  RETURN_IF_ERROR(conn->ExecuteScript("SET client_min_messages = warning"));
  return conn;
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, std::unique_ptr<SqlConnection> writer)
      : url_(std::move(url)), writes_(std::move(writer), "BEGIN") {}
  ~PostgresDatabase() override { Close(); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Read(const ConnectionFn& fn) override {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, Acquire());
    Status st = conn->ExecuteScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (st.ok()) {
      st = fn(*conn);
      Status end = conn->ExecuteScript(st.ok() ? "COMMIT" : "ROLLBACK");
      if (st.ok()) st = end;
    }
    Release(std::move(conn));
    return st;
  }

  Status Write(const ConnectionFn& fn) override { return writes_.Submit(fn); }
  void Close() override { writes_.Close(); }

 private:
  Result<std::unique_ptr<PgConnection>> Acquire() {
    {
      std::lock_guard lock(mu_);
      while (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->healthy()) return conn;
      }
    }
    return Connect(url_);
  }

  void Release(std::unique_ptr<PgConnection> conn) {
    std::lock_guard lock(mu_);
    if (conn->healthy() && idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
  }

  static constexpr size_t kMaxIdle = 32;
  const std::string url_;
  std::mutex mu_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  WriteQueue writes_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url) {
  ASSIGN_OR_RETURN(auto writer, Connect(url));
  return std::unique_ptr<Database>(
      std::make_unique<PostgresDatabase>(url, std::move(writer)));
}

}  // namespace ferry::store
