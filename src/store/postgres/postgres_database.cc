#include "store/postgres/postgres_database.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "store/write_queue.h"

namespace ferry::store {
namespace {

// ---- Placeholder rewriting: a lexer just good enough to skip PostgreSQL's
// literals and comments. Each Skip* returns the index just past the token
// that starts at `i` (the end of `sql` when it is unterminated).

bool IsIdentChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

// '...' (with '' as an escaped quote), "..." identifiers, and E'...' strings
// in which a backslash escapes the next character.
size_t SkipQuoted(std::string_view sql, size_t i, bool backslash_escapes) {
  const char quote = sql[i];
  for (size_t j = i + 1; j < sql.size(); ++j) {
    if (backslash_escapes && sql[j] == '\\') {
      ++j;
    } else if (sql[j] == quote) {
      if (j + 1 >= sql.size() || sql[j + 1] != quote) return j + 1;
      ++j;
    }
  }
  return sql.size();
}

bool IsEscapeString(std::string_view sql, size_t quote) {
  if (quote == 0 || (sql[quote - 1] != 'E' && sql[quote - 1] != 'e')) return false;
  return quote == 1 || !IsIdentChar(sql[quote - 2]);
}

// /* ... */ comments nest in PostgreSQL.
size_t SkipBlockComment(std::string_view sql, size_t i) {
  int depth = 0;
  for (size_t j = i; j + 1 < sql.size(); ++j) {
    if (sql[j] == '/' && sql[j + 1] == '*') {
      ++depth;
      ++j;
    } else if (sql[j] == '*' && sql[j + 1] == '/') {
      ++j;
      if (--depth == 0) return j + 1;
    }
  }
  return sql.size();
}

// $$...$$ or $tag$...$tag$; `$1` and identifiers such as a$b are not quotes.
size_t SkipDollarQuoted(std::string_view sql, size_t i) {
  if (i > 0 && IsIdentChar(sql[i - 1])) return i;
  size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) return i;
  while (j < sql.size() && sql[j] != '$' && IsIdentChar(sql[j])) ++j;
  if (j >= sql.size() || sql[j] != '$') return i;
  std::string_view tag = sql.substr(i, j + 1 - i);
  size_t close = sql.find(tag, j + 1);
  return close == std::string_view::npos ? sql.size() : close + tag.size();
}

// The end of a literal or comment starting at `i`, or `i` when none does.
size_t SkipLiteral(std::string_view sql, size_t i) {
  const char c = sql[i];
  const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
  if (c == '\'') return SkipQuoted(sql, i, IsEscapeString(sql, i));
  if (c == '"') return SkipQuoted(sql, i, false);
  if (c == '-' && next == '-') {
    size_t end = sql.find('\n', i);
    return end == std::string_view::npos ? sql.size() : end;
  }
  if (c == '/' && next == '*') return SkipBlockComment(sql, i);
  if (c == '$') return SkipDollarQuoted(sql, i);
  return i;
}

}  // namespace

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (size_t i = 0; i < sql.size();) {
    size_t end = SkipLiteral(sql, i);
    if (end > i) {
      out.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (sql[i] == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += sql[i];
    }
    ++i;
  }
  return out;
}

namespace {

// Type OIDs from catalog/pg_type.h (a server header libpq-dev lacks).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kFloat8Oid = 701;

// The URL without its password, for error messages.
std::string Redact(std::string url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t host_end = std::min(url.find_first_of("/?", start), url.size());
  size_t at = url.rfind('@', host_end);
  size_t colon = url.find(':', start);
  if (at != std::string::npos && at >= start && colon < at) {
    url.replace(colon + 1, at - colon - 1, "***");
  }
  for (size_t p = url.find("password="); p != std::string::npos;
       p = url.find("password=", p + 1)) {
    size_t value = p + 9;
    size_t end = std::min(url.find_first_of("& ", value), url.size());
    url.replace(value, end - value, "***");
  }
  return url;
}

std::string TrimNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Server notices (warnings, given client_min_messages) go to the log.
void LogNotice(void* /*arg*/, const char* message) {
  Log(LogLevel::kWarn, "postgres notice", {{"message", TrimNewline(message)}});
}

std::string DoubleText(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);  // shortest exact
  return std::string(buf, end);
}

// Parameters in libpq's text format. Numbers are typed (int8, float8) so that
// `? + 1` or `col < ?` resolve the same way for any value; text and NULL are
// left untyped for the server to infer from the context.
struct PgParams {
  std::vector<std::string> text;
  std::vector<const char*> values;  // nullptr for NULL
  std::vector<Oid> types;
  std::string signature;  // one letter per parameter: the statement cache key
};

PgParams ToPgParams(const SqlParams& params) {
  PgParams out;
  out.text.reserve(params.size());
  for (const SqlValue& p : params) {
    if (const auto* i = std::get_if<int64_t>(&p)) {
      out.text.push_back(std::to_string(*i));
      out.types.push_back(kInt8Oid);
      out.signature += 'i';
    } else if (const auto* d = std::get_if<double>(&p)) {
      out.text.push_back(DoubleText(*d));
      out.types.push_back(kFloat8Oid);
      out.signature += 'd';
    } else {
      const auto* s = std::get_if<std::string>(&p);
      out.text.push_back(s ? *s : std::string());
      out.types.push_back(0);
      out.signature += s ? 't' : 'n';
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    bool null = std::holds_alternative<std::nullptr_t>(params[i]);
    out.values.push_back(null ? nullptr : out.text[i].c_str());
  }
  return out;
}

class PgRow final : public Row {
 public:
  PgRow(const PGresult* res, int row) : res_(res), row_(row) {}
  bool IsNull(int col) const override { return PQgetisnull(res_, row_, col); }
  int64_t GetInt(int col) const override {
    if (IsNull(col)) return 0;
    if (PQftype(res_, col) == kBoolOid) return Value(col)[0] == 't';
    return std::strtoll(Value(col), nullptr, 10);
  }
  double GetDouble(int col) const override {
    if (IsNull(col)) return 0;
    std::string_view v = Value(col);
    if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (v == "Infinity") return std::numeric_limits<double>::infinity();
    if (v == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (PQftype(res_, col) == kBoolOid) return v[0] == 't';
    return std::strtod(v.data(), nullptr);
  }
  std::string GetText(int col) const override {
    return std::string(Value(col), PQgetlength(res_, row_, col));
  }

 private:
  const char* Value(int col) const { return PQgetvalue(res_, row_, col); }
  const PGresult* res_;
  int row_;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};

// One libpq session. Statements are prepared once per distinct SQL text and
// parameter types (names s1, s2, ...), in a bounded cache. A transaction
// start ("BEGIN ...") on a connection found broken (server restart, idle
// timeout) reconnects once and retries: nothing of the session is lost then.
// Thread-compatible: used by one thread at a time.
class PgConnection final : public SqlConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url) {
    auto conn = std::make_unique<PgConnection>(url);
    RETURN_IF_ERROR(conn->Connect());
    return conn;
  }
  explicit PgConnection(std::string url) : url_(std::move(url)) {}

  bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  bool idle() const { return PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }

  Result<int64_t> Execute(std::string_view sql, const SqlParams& params) override {
    ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    const char* n = PQcmdTuples(res.get());
    return static_cast<int64_t>(*n ? std::strtoll(n, nullptr, 10) : 0);
  }

  Status Query(std::string_view sql, const SqlParams& params,
               const RowCallback& on_row) override {
    ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    for (int i = 0, rows = PQntuples(res.get()); i < rows; ++i) {
      RETURN_IF_ERROR(on_row(PgRow(res.get(), i)));
    }
    return Status::Ok();
  }

  Status ExecuteScript(std::string_view sql) override {
    if (sql == "ROLLBACK" && idle()) return Status::Ok();  // nothing to undo
    Status st = Script(sql);
    if (!st.ok() && !healthy() && sql.starts_with("BEGIN")) {
      RETURN_IF_ERROR(Connect());
      st = Script(sql);
    }
    return st;
  }

 private:
  struct Prepared {
    std::string name;
    uint64_t last_use;
  };

  Status Connect() {
    conn_.reset(PQconnectdb(url_.c_str()));
    cache_.clear();
    stale_.clear();
    if (!healthy()) {
      return Unavailable("cannot connect to PostgreSQL at " + Redact(url_) + ": " +
                         TrimNewline(PQerrorMessage(conn_.get())));
    }
    PQsetNoticeProcessor(conn_.get(), LogNotice, nullptr);
    return Script("SET client_min_messages = warning");
  }

  Status Script(std::string_view sql) {
    PgResult res(PQexec(conn_.get(), std::string(sql).c_str()));
    RETURN_IF_ERROR(Check(res.get(), "postgres script failed"));
    // COMMIT of a transaction an earlier error aborted "succeeds" as ROLLBACK.
    if (sql == "COMMIT" && std::string_view(PQcmdStatus(res.get())) == "ROLLBACK") {
      return Internal("postgres transaction was aborted by an earlier error "
                      "and rolled back");
    }
    return Status::Ok();
  }

  Status Check(const PGresult* res, std::string_view what) const {
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    std::string_view code = state ? state : "";
    std::string detail = res ? PQresultErrorMessage(res) : "";
    if (detail.empty()) detail = PQerrorMessage(conn_.get());
    std::string msg = std::string(what) + ": " + TrimNewline(detail);
    if (code == "23505") return AlreadyExists(msg);
    if (!healthy() || code.starts_with("08")) return Unavailable(msg);
    return Internal(msg);
  }

  Result<PgResult> Run(std::string_view sql, const SqlParams& params) {
    PgParams p = ToPgParams(params);
    const int n = static_cast<int>(params.size());
    // An aborted transaction refuses PREPARE too; let the statement report it.
    if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) {
      std::string text = RewritePlaceholders(sql);
      PgResult res(PQexecParams(conn_.get(), text.c_str(), n, p.types.data(),
                                p.values.data(), nullptr, nullptr, 0));
      RETURN_IF_ERROR(Check(res.get(), "postgres query failed"));
      return res;
    }
    std::string key = std::string(sql) + '\0' + p.signature;
    ASSIGN_OR_RETURN(const std::string* name, Prepare(key, sql, p.types));
    PgResult res(PQexecPrepared(conn_.get(), name->c_str(), n, p.values.data(),
                                nullptr, nullptr, 0));
    Status st = Check(res.get(), "postgres query failed");
    if (!st.ok() && IsStalePlan(res.get())) Forget(key);
    RETURN_IF_ERROR(st);
    return res;
  }

  // A schema change under a cached `SELECT *` ("cached plan must not change
  // result type"): prepare afresh next time.
  static bool IsStalePlan(const PGresult* res) {
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state && std::string_view(state) == "0A000";
  }

  Result<const std::string*> Prepare(const std::string& key, std::string_view sql,
                                     const std::vector<Oid>& types) {
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      it->second.last_use = ++uses_;
      return &it->second.name;
    }
    if (cache_.size() >= kCacheSize) EvictOldest();
    RETURN_IF_ERROR(DeallocateStale());
    std::string name = "s" + std::to_string(++next_id_);
    std::string text = RewritePlaceholders(sql);
    PgResult res(PQprepare(conn_.get(), name.c_str(), text.c_str(),
                           static_cast<int>(types.size()), types.data()));
    RETURN_IF_ERROR(Check(res.get(), "postgres prepare failed"));
    auto pos = cache_.emplace(key, Prepared{std::move(name), ++uses_}).first;
    return &pos->second.name;
  }

  void Forget(const std::string& key) {
    auto it = cache_.find(key);
    if (it == cache_.end()) return;
    stale_.push_back(std::move(it->second.name));
    cache_.erase(it);
  }

  void EvictOldest() {
    auto oldest = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    Forget(oldest->first);
  }

  // Statements are not transactional, so this is safe inside a transaction.
  Status DeallocateStale() {
    for (; !stale_.empty(); stale_.pop_back()) {
      RETURN_IF_ERROR(Script("DEALLOCATE " + stale_.back()));
    }
    return Status::Ok();
  }

  static constexpr size_t kCacheSize = 128;
  const std::string url_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  std::unordered_map<std::string, Prepared> cache_;  // key: SQL \0 signature
  std::vector<std::string> stale_;  // evicted, still allocated on the server
  uint64_t uses_ = 0;
  uint64_t next_id_ = 0;
};

// Reader connections: at most kMaxReaders open at once (PostgreSQL's
// max_connections is shared by every replica), idle ones kept for reuse.
class ReaderPool {
 public:
  explicit ReaderPool(std::string url) : url_(std::move(url)) {}

  Result<std::unique_ptr<PgConnection>> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty() || open_ < kMaxReaders; });
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->healthy()) return conn;
      --open_;
    }
    ++open_;
    lock.unlock();
    auto conn = PgConnection::Open(url_);
    if (!conn.ok()) Drop();
    return conn;
  }

  // Keeps `conn` for reuse when it is healthy and outside any transaction.
  void Release(std::unique_ptr<PgConnection> conn) {
    if (!conn->healthy() || !conn->idle()) return Drop();
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

 private:
  void Drop() {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
  }

  static constexpr size_t kMaxReaders = 32;
  const std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;  // guarded by mu_: idle plus lent out
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, std::unique_ptr<PgConnection> writer)
      : readers_(std::move(url)), writes_(std::move(writer), "BEGIN", 64) {}
  ~PostgresDatabase() override { Close(); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Read(const ConnectionFn& fn) override {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, readers_.Acquire());
    Status st = conn->ExecuteScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (st.ok()) {
      st = fn(*conn);
      Status end = conn->ExecuteScript(st.ok() ? "COMMIT" : "ROLLBACK");
      if (st.ok()) st = end;
    }
    readers_.Release(std::move(conn));
    return st;
  }

  Status Write(const ConnectionFn& fn) override { return writes_.Submit(fn); }
  void Close() override { writes_.Close(); }

 private:
  ReaderPool readers_;
  WriteQueue writes_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url) {
  ASSIGN_OR_RETURN(auto writer, PgConnection::Open(url));
  return std::unique_ptr<Database>(
      std::make_unique<PostgresDatabase>(url, std::move(writer)));
}

}  // namespace ferry::store
