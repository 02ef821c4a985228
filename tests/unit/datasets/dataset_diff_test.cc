// DiffDatasets: files added, removed and changed; a CSV with a column
// added, one removed, one whose kind changed, a shifted mean, a new and a
// vanished category and a jump in missing values; renamed, added, removed
// and unreadable tables; the JSON shape and the text listing.
#include "pipelines/datasets/dataset_diff.h"

#include <gtest/gtest.h>

#include <functional>

#include "pipelines/datasets/dataset_snapshot.h"
#include "unit/datasets/test_files.h"

namespace ferry::datasets {
namespace {

using monitoring::ColumnKind;
using test_files::ScratchDir;
using test_files::WriteFile;

struct Version {
  DatasetManifest manifest;
  DatasetProfile profile;
};

Version Load(const std::string& root) {
  Result<DatasetManifest> m = ScanDataset(root);
  EXPECT_TRUE(m.ok()) << m.status().message();
  ProfileOptions options;
  options.threads = 1;
  Result<DatasetProfile> p = m.ok() ? ProfileDataset(*m, root, options) : Result<DatasetProfile>(m.status());
  EXPECT_TRUE(p.ok()) << p.status().message();
  return {m.ok() ? *m : DatasetManifest{}, p.ok() ? *p : DatasetProfile{}};
}

using Cell = std::function<std::string(int row)>;

std::string Csv(int rows, const std::vector<std::pair<std::string, Cell>>& columns) {
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + columns[c].first;
  out += "\n";
  for (int r = 0; r < rows; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + columns[c].second(r);
    out += "\n";
  }
  return out;
}

std::string Cities(int r, int n) {
  static const char* kCities[] = {"Oslo", "Rome", "Paris", "Berlin"};
  return kCities[r % n];
}

// Version a: id, x, y, z, code (numerical), city of three values.
std::string TrainA() {
  return Csv(200, {{"id", [](int r) { return std::to_string(r); }},
                   {"x", [](int r) { return std::to_string(r % 50) + ".5"; }},
                   {"y", [](int r) { return std::to_string((r * 7) % 40) + ".25"; }},
                   {"z", [](int r) { return std::to_string(r % 30) + ".5"; }},
                   {"code", [](int r) { return std::to_string(r % 100); }},
                   {"city", [](int r) { return Cities(r, 3); }}});
}

// Version b: id gone, x shifted by 30, y unchanged, z a quarter missing,
// code now letters, a fourth city, income added.
std::string TrainB() {
  return Csv(200, {{"x", [](int r) { return std::to_string(r % 50 + 30) + ".5"; }},
                   {"y", [](int r) { return std::to_string((r * 7) % 40) + ".25"; }},
                   {"z", [](int r) { return r % 4 == 0 ? std::string() : std::to_string(r % 30) + ".5"; }},
                   {"code", [](int r) { return r % 2 ? std::string("A") : std::string("B"); }},
                   {"city", [](int r) { return Cities(r, 4); }},
                   {"income", [](int r) { return std::to_string(1000 + r * 13); }}});
}

const ColumnDiff* FindColumn(const TableDiff& t, const std::string& name) {
  for (const ColumnDiff& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

class DiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "a/train.csv", TrainA());
    WriteFile(dir_ / "a/readme.txt", "same\n");
    WriteFile(dir_ / "a/old.txt", "gone\n");
    WriteFile(dir_ / "b/train.csv", TrainB());
    WriteFile(dir_ / "b/readme.txt", "same\n");
    WriteFile(dir_ / "b/new.txt", "fresh\n");
    a_ = Load(dir_ / "a");
    b_ = Load(dir_ / "b");
    diff_ = DiffDatasets(a_.manifest, a_.profile, b_.manifest, b_.profile);
    ASSERT_EQ(diff_.tables.size(), 1u);
  }
  const TableDiff& train() const { return diff_.tables[0]; }

  ScratchDir dir_;
  Version a_, b_;
  DatasetDiff diff_;
};

TEST_F(DiffTest, ListsFileChanges) {
  ASSERT_TRUE(diff_.file_changes.has_value());
  const FileChanges& f = *diff_.file_changes;
  ASSERT_EQ(f.added.size(), 1u);
  EXPECT_EQ(f.added[0].path, "new.txt");
  ASSERT_EQ(f.removed.size(), 1u);
  EXPECT_EQ(f.removed[0].path, "old.txt");
  ASSERT_EQ(f.changed.size(), 1u);
  EXPECT_EQ(f.changed[0].path, "train.csv");
  EXPECT_EQ(f.unchanged, 1u);
  EXPECT_EQ(diff_.digest_a, a_.manifest.digest);
  EXPECT_EQ(diff_.files.a, 3);
}

TEST_F(DiffTest, FindsSchemaChanges) {
  const TableDiff& t = train();
  EXPECT_EQ(t.status(), "compared");
  EXPECT_EQ(t.rows.a, 200);
  EXPECT_EQ(t.rows.b, 200);
  ASSERT_EQ(t.added.size(), 1u);
  EXPECT_EQ(t.added[0].name, "income");
  EXPECT_EQ(t.added[0].kind, ColumnKind::kNumerical);
  ASSERT_EQ(t.removed.size(), 1u);
  EXPECT_EQ(t.removed[0].name, "id");
  ASSERT_EQ(t.kind_changed.size(), 1u);
  EXPECT_EQ(t.kind_changed[0].name, "code");
  EXPECT_EQ(t.kind_changed[0].a, ColumnKind::kNumerical);
  EXPECT_EQ(t.kind_changed[0].b, ColumnKind::kCategorical);
  const ColumnDiff* code = FindColumn(t, "code");
  ASSERT_NE(code, nullptr);
  EXPECT_FALSE(code->drift.tested);
  EXPECT_EQ(code->drift.reason, "type mismatch");
}

TEST_F(DiffTest, FindsAShiftedMean) {
  const ColumnDiff* x = FindColumn(train(), "x");
  ASSERT_NE(x, nullptr);
  EXPECT_NEAR(x->mean.a, 25.0, 1e-9);  // (0.5 + ... + 49.5) / 50
  EXPECT_NEAR(x->mean.b, 55.0, 1e-9);
  EXPECT_NEAR(x->mean_shift, 30 / 14.430869689661812, 1e-9);  // numpy: np.arange(50).std()
  EXPECT_TRUE(x->drift.tested);
  EXPECT_EQ(x->drift.test, "ks");  // 200 rows, numerical
  EXPECT_TRUE(x->drift.drifted);
  EXPECT_GE(x->severity, 1);
  const ColumnDiff* y = FindColumn(train(), "y");
  ASSERT_NE(y, nullptr);
  EXPECT_TRUE(y->drift.tested);
  EXPECT_FALSE(y->drift.drifted);
  EXPECT_LT(y->severity, 1);
  EXPECT_EQ(y->mean.a, y->mean.b);
}

TEST_F(DiffTest, FindsNewCategoriesAndMissingValues) {
  const ColumnDiff* city = FindColumn(train(), "city");
  ASSERT_NE(city, nullptr);
  ASSERT_TRUE(city->categories.has_value());
  ASSERT_TRUE(city->categories->added.has_value());
  EXPECT_EQ(*city->categories->added, std::vector<std::string>{"Berlin"});
  EXPECT_EQ(city->categories->vanished_count, 0u);
  ASSERT_FALSE(city->categories->top_changes.empty());
  EXPECT_EQ(city->categories->top_changes[0].value, "Berlin");
  EXPECT_DOUBLE_EQ(city->categories->top_changes[0].b, 0.25);
  EXPECT_TRUE(city->drift.drifted);  // chisquare: a category the reference lacks
  const ColumnDiff* z = FindColumn(train(), "z");
  ASSERT_NE(z, nullptr);
  EXPECT_DOUBLE_EQ(z->missing_rate.a, 0);
  EXPECT_DOUBLE_EQ(z->missing_rate.b, 0.25);
  EXPECT_GE(z->severity, 5 - 1e-9);  // a 25-point move over the 5-point step
}

TEST_F(DiffTest, OrdersColumnsBySeverity) {
  const std::vector<ColumnDiff>& columns = train().columns;
  ASSERT_EQ(columns.size(), 5u);  // the common ones: x, y, z, code, city
  for (size_t i = 1; i < columns.size(); ++i) EXPECT_GE(columns[i - 1].severity, columns[i].severity);
}

TEST_F(DiffTest, RendersJson) {
  nlohmann::json j = DiffToJson(diff_);
  EXPECT_EQ(j["digest"]["b"], b_.manifest.digest);
  EXPECT_EQ(j["file_changes"]["added"][0]["path"], "new.txt");
  EXPECT_EQ(j["file_changes"]["changed"][0]["a"]["sha256"], a_.manifest.Find("train.csv")->sha256);
  const nlohmann::json& t = j["tables"][0];
  EXPECT_EQ(t["status"], "compared");
  EXPECT_EQ(t["schema"]["added"][0], (nlohmann::json{{"name", "income"}, {"kind", "numerical"}}));
  EXPECT_EQ(t["schema"]["kind_changed"][0]["b"], "categorical");
  for (const nlohmann::json& c : t["columns"]) {
    if (c["name"] == "x") {
      EXPECT_NEAR(c["mean"]["b"].get<double>(), 55.0, 1e-9);
      EXPECT_EQ(c["drift"]["test"], "ks");
      EXPECT_TRUE(c["quantiles"].contains("p95"));
    }
    if (c["name"] == "city") {
      EXPECT_EQ(c["categories"]["new"][0], "Berlin");
    }
    if (c["name"] == "code") {
      EXPECT_FALSE(c["drift"]["tested"].get<bool>());
    }
  }
  EXPECT_EQ(j["summary"]["schema_changes"], 3);
  EXPECT_EQ(j["summary"]["tables_compared"], 1);
  EXPECT_GE(j["summary"]["columns_drifted"].get<int>(), 2);
}

TEST_F(DiffTest, RendersText) {
  std::string text = DiffToText(diff_);
  for (const char* want :
       {"1 added, 1 removed, 1 changed, 1 unchanged", "+ new.txt", "- old.txt", "~ train.csv",
        "table train.csv: rows 200 -> 200", "~ code numerical -> categorical", "- id (numerical)",
        "+ income (numerical)", "DRIFT ks", "new 'Berlin'", "0.0% -> 25.0%", "mean 25 -> 55 (+2.08 sd)"}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing '" << want << "' in\n" << text;
  }
  // The most severe column is listed before the steady one.
  EXPECT_LT(text.find("\n  x "), text.find("\n  y "));
}

TEST(DiffProfiles, PairsARenamedTableAndListsTheRest) {
  ScratchDir dir;
  WriteFile(dir / "a/data.csv", TrainA());
  WriteFile(dir / "b/data_v2.csv", TrainA());
  DatasetDiff renamed = DiffProfiles(Load(dir / "a").profile, Load(dir / "b").profile);
  ASSERT_EQ(renamed.tables.size(), 1u);
  EXPECT_EQ(renamed.tables[0].path_a, "data.csv");
  EXPECT_EQ(renamed.tables[0].path_b, "data_v2.csv");
  EXPECT_TRUE(renamed.tables[0].added.empty());
  EXPECT_FALSE(renamed.file_changes.has_value());
  for (const ColumnDiff& c : renamed.tables[0].columns) EXPECT_FALSE(c.drift.drifted) << c.name;

  WriteFile(dir / "a/other.csv", "v\n1\n");
  WriteFile(dir / "b/more.csv", "v\n1\n");
  WriteFile(dir / "b/bad.csv", "v,w\n1\n");
  DatasetDiff d = DiffProfiles(Load(dir / "a").profile, Load(dir / "b").profile);
  std::vector<std::string> statuses;
  for (const TableDiff& t : d.tables) statuses.push_back(std::string(t.status()) + " " + t.path_a + "|" + t.path_b);
  EXPECT_EQ(statuses, (std::vector<std::string>{"removed data.csv|", "removed other.csv|", "added |bad.csv",
                                                "added |data_v2.csv", "added |more.csv"}));
  std::string text = DiffToText(d);
  EXPECT_NE(text.find("table other.csv: removed"), std::string::npos) << text;
  EXPECT_NE(text.find("table more.csv: added, 1 rows"), std::string::npos) << text;
}

TEST(DiffProfiles, ReportsVanishedCategoriesAndUnreadableTables) {
  ScratchDir dir;
  WriteFile(dir / "a/t.csv", Csv(40, {{"city", [](int r) { return Cities(r, 3); }}}));
  WriteFile(dir / "b/t.csv", Csv(40, {{"city", [](int r) { return Cities(r, 2); }}}));
  DatasetDiff d = DiffProfiles(Load(dir / "a").profile, Load(dir / "b").profile);
  ASSERT_EQ(d.tables.size(), 1u);
  const ColumnDiff* city = FindColumn(d.tables[0], "city");
  ASSERT_NE(city, nullptr);
  EXPECT_EQ(*city->categories->vanished, std::vector<std::string>{"Paris"});
  EXPECT_EQ(city->categories->added_count, 0u);

  WriteFile(dir / "b/t.csv", "city\n\"unterminated\n");
  DatasetDiff broken = DiffProfiles(Load(dir / "a").profile, Load(dir / "b").profile);
  ASSERT_EQ(broken.tables.size(), 1u);
  EXPECT_EQ(broken.tables[0].status(), "unreadable");
  EXPECT_FALSE(broken.tables[0].error_b.empty());
  EXPECT_EQ(DiffToJson(broken)["tables"][0]["errors"]["a"], nullptr);
  EXPECT_NE(DiffToText(broken).find("table t.csv: not compared; b: "), std::string::npos);
}

TEST(DiffToText, CleansControlCharactersFromTheData) {
  ScratchDir dir;
  WriteFile(dir / "a/t.csv", "\"col\x1b[31m\"\n1\n2\n");
  WriteFile(dir / "b/t.csv", "\"col\x1b[31m\"\n1\n3\n");
  std::string text = DiffToText(DiffProfiles(Load(dir / "a").profile, Load(dir / "b").profile));
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("col?[31m"), std::string::npos) << text;
}

}  // namespace
}  // namespace ferry::datasets
