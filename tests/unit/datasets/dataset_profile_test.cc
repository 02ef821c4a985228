// ProfileDataset: column summaries against numpy/pandas goldens, tables
// that cannot be read, non-tabular files, text columns trimmed, the JSON
// form round-tripped and refused when malformed, profiling from the store,
// and files changed since the scan.
#include "pipelines/datasets/dataset_profile.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "pipelines/datasets/dataset_blobs.h"
#include "pipelines/datasets/dataset_snapshot.h"
#include "unit/datasets/test_files.h"
#include "util/status_assertions.h"

namespace ferry::datasets {
namespace {

using monitoring::ColumnKind;
using test_files::ScratchDir;
using test_files::WriteFile;
using testing_util::FailsWith;

// The goldens below come from this table with numpy 2.4 / pandas 2.3:
//   df = pd.read_csv(io.StringIO(kTrain)); x = df.x.dropna().to_numpy()
//   x.mean(), x.std()                                  (ddof=0)
//   [np.quantile(x, q, method="inverted_cdf") for q in (.05, .25, .5, .75, .95)]
//   e = np.histogram_bin_edges(x, bins="sturges"); np.histogram(x, e)[0]
//   df.city.value_counts(dropna=False)
constexpr char kTrain[] =
    "id,x,city\n1,3.5,Oslo\n2,1.25,Rome\n3,7,Oslo\n4,2,Paris\n5,9.5,Oslo\n6,4,Rome\n7,4,Oslo\n8,6.75,\n"
    "9,0.5,Rome\n10,NA,Paris\n11,8,Oslo\n12,5.5,Rome\n13,3,Oslo\n14,10,Paris\n15,2.25,Rome\n16,6,Oslo\n";
constexpr double kXMean = 4.883333333333334;
constexpr double kXStd = 2.845854685132199;
constexpr double kXQuantiles[] = {0.5, 2.25, 4.0, 7.0, 10.0};
constexpr double kXEdges[] = {0.5, 2.4, 4.3, 6.199999999999999, 8.1, 10.0};
constexpr double kXCounts[] = {4, 4, 2, 3, 2};
constexpr double kIdMean = 8.5;
constexpr double kIdStd = 4.6097722286464435;
constexpr double kIdQuantiles[] = {1, 4, 8, 12, 16};

void MakeDataset(const std::string& root) {
  WriteFile(root + "/train.csv", kTrain);
  WriteFile(root + "/notes/readme.txt", "not a table\n");
  WriteFile(root + "/broken.csv", "a,b\n1,2\n3\n");
  WriteFile(root + "/big.CSV", "v\n" + std::string(3000, '1') + "\n");
}

ProfileOptions Options() {
  ProfileOptions o;
  o.max_table_bytes = 2000;
  o.threads = 1;
  return o;
}

DatasetProfile ProfileOf(const std::string& root) {
  Result<DatasetManifest> m = ScanDataset(root);
  EXPECT_TRUE(m.ok()) << m.status().message();
  Result<DatasetProfile> p = ProfileDataset(*m, root, Options());
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? std::move(p).value() : DatasetProfile{};
}

const monitoring::ColumnProfile& Column(const DatasetProfile& p, const std::string& table, const std::string& name) {
  const TableProfile* t = p.Find(table);
  EXPECT_NE(t, nullptr) << table;
  const monitoring::ColumnProfile* c = t ? t->profile.Find(name) : nullptr;
  EXPECT_NE(c, nullptr) << name;
  static const monitoring::ColumnProfile kNone;
  return c ? *c : kNone;
}

TEST(ProfileDataset, ListsTablesAndCountsOtherFiles) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  DatasetProfile p = ProfileOf(dir / "data");
  EXPECT_EQ(p.files, 4u);
  EXPECT_EQ(p.other_files, 1u);
  EXPECT_EQ(p.other_bytes, 12u);
  ASSERT_EQ(p.tables.size(), 3u);  // big.CSV, broken.csv, train.csv
  EXPECT_EQ(p.tables[0].path, "big.CSV");
  EXPECT_NE(p.tables[0].error.find("over the limit of 2000"), std::string::npos);
  EXPECT_EQ(p.tables[1].path, "broken.csv");
  EXPECT_NE(p.tables[1].error.find("line 3"), std::string::npos) << p.tables[1].error;
  EXPECT_TRUE(p.tables[2].error.empty());
  EXPECT_EQ(p.tables[2].profile.rows, 16u);
}

TEST(ProfileDataset, NumericalColumnsMatchNumpy) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  DatasetProfile p = ProfileOf(dir / "data");
  ColumnSummary x = SummarizeColumn(Column(p, "train.csv", "x"));
  EXPECT_EQ(x.kind, ColumnKind::kNumerical);
  EXPECT_EQ(x.rows, 16u);
  EXPECT_EQ(x.missing, 1u);
  EXPECT_DOUBLE_EQ(x.missing_rate, 1.0 / 16);
  EXPECT_EQ(x.count, 15u);
  EXPECT_EQ(x.min, 0.5);
  EXPECT_EQ(x.max, 10.0);
  EXPECT_NEAR(x.mean, kXMean, 1e-12);
  EXPECT_NEAR(x.std, kXStd, 1e-12);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(x.quantiles[i], kXQuantiles[i]) << kQuantileNames[i];
  ASSERT_EQ(x.edges.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(x.edges[i], kXEdges[i], 1e-12);
  EXPECT_EQ(x.counts, std::vector<double>(std::begin(kXCounts), std::end(kXCounts)));
  EXPECT_NEAR(static_cast<double>(x.distinct), 14, 1);  // a HyperLogLog estimate
  EXPECT_FALSE(x.distinct_exact);
  ColumnSummary id = SummarizeColumn(Column(p, "train.csv", "id"));
  EXPECT_EQ(id.kind, ColumnKind::kNumerical);  // 16 distinct integers: more than 10
  EXPECT_NEAR(id.mean, kIdMean, 1e-12);
  EXPECT_NEAR(id.std, kIdStd, 1e-12);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(id.quantiles[i], kIdQuantiles[i]);
}

TEST(ProfileDataset, CategoricalColumnsMatchPandas) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  DatasetProfile p = ProfileOf(dir / "data");
  ColumnSummary city = SummarizeColumn(Column(p, "train.csv", "city"));
  EXPECT_EQ(city.kind, ColumnKind::kCategorical);
  EXPECT_EQ(city.missing, 1u);
  EXPECT_EQ(city.count, 15u);
  EXPECT_EQ(city.distinct, 3u);
  EXPECT_TRUE(city.distinct_exact);
  ASSERT_EQ(city.top.size(), 3u);
  EXPECT_EQ(city.top[0].value, "Oslo");
  EXPECT_EQ(city.top[0].count, 7u);
  EXPECT_EQ(city.top[1].value, "Rome");
  EXPECT_EQ(city.top[1].count, 5u);
  EXPECT_EQ(city.top[2].value, "Paris");
  EXPECT_EQ(city.top[2].count, 3u);
}

TEST(ProfileDataset, TextColumnsKeepTheirTopValuesOnly) {
  ScratchDir dir;
  std::string csv = "comment\n";
  for (int i = 0; i < 60; ++i) csv += "remark number " + std::to_string(i % 50) + "\n";
  WriteFile(dir / "text.csv", csv);
  Result<DatasetManifest> m = ScanDataset(dir / "text.csv");
  ASSERT_TRUE(m.ok());
  Result<DatasetProfile> p = ProfileDataset(*m, dir / "text.csv", Options());
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->tables.size(), 1u);
  EXPECT_EQ(p->tables[0].path, "text.csv");
  const monitoring::ColumnProfile& c = p->tables[0].profile.columns.at(0);
  EXPECT_EQ(c.kind, ColumnKind::kText);
  EXPECT_LE(c.categories.num_tracked(), kTopCategories);
  ColumnSummary s = SummarizeColumn(c);
  EXPECT_EQ(s.count, 60u);
  ASSERT_EQ(s.top.size(), kTopCategories);
  EXPECT_EQ(s.top[0].count, 2u);  // "remark number 0" .. "9" appear twice
  EXPECT_NEAR(static_cast<double>(s.distinct), 50, 2);
}

TEST(ProfileDataset, RefusesAFileChangedSinceTheScan) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  Result<DatasetManifest> m = ScanDataset(dir / "data");
  ASSERT_TRUE(m.ok());
  WriteFile(dir / "data/train.csv", std::string(kTrain) + "17,1,Oslo\n");
  Result<DatasetProfile> p = ProfileDataset(*m, dir / "data", Options());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(p.status().message().find("'train.csv'"), std::string::npos);
}

TEST(ProfileStoredDataset, ReadsTheBlobsAndAgreesWithTheSource) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  Result<DatasetManifest> m = ScanDataset(dir / "data");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ProfileStoredDataset(*m, dir / "cas", Options()).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(StoreBlobs(*m, dir / "data", dir / "cas").ok());
  Result<DatasetProfile> stored = ProfileStoredDataset(*m, dir / "cas", Options());
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_EQ(DatasetProfileToJson(*stored), DatasetProfileToJson(ProfileOf(dir / "data")));
}

TEST(DatasetProfileJson, RoundTripsThroughTheSketch) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  nlohmann::json j = DatasetProfileToJson(ProfileOf(dir / "data"));
  EXPECT_EQ(j["format"], 1);
  EXPECT_EQ(j["files"], 4);
  EXPECT_EQ(j["tables"][0]["path"], "big.CSV");
  EXPECT_TRUE(j["tables"][0].contains("error"));
  const nlohmann::json& train = j["tables"][2];
  EXPECT_EQ(train["rows"], 16);
  const nlohmann::json& x = train["columns"][1];
  EXPECT_EQ(x["name"], "x");
  EXPECT_EQ(x["kind"], "numerical");
  EXPECT_EQ(x["missing"], 1);
  EXPECT_EQ(x["quantiles"]["p25"], 2.25);
  EXPECT_EQ(x["histogram"]["counts"].size(), 5u);
  EXPECT_EQ(train["columns"][2]["top"][0]["value"], "Oslo");
  Result<DatasetProfile> back = DatasetProfileFromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(DatasetProfileToJson(*back), j);
}

TEST(DatasetProfileJson, ErrorsNameTheField) {
  ScratchDir dir;
  MakeDataset(dir / "data");
  nlohmann::json good = DatasetProfileToJson(ProfileOf(dir / "data"));
  auto with = [&](auto edit) {
    nlohmann::json j = good;
    edit(j);
    return DatasetProfileFromJson(j);
  };
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["format"] = 9; }), {"format"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j.erase("other_bytes"); }), {"other_bytes: missing"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["tables"] = 3; }), {"tables: expected an array"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["tables"][2]["sketch"] = "***"; }), {"tables[2].sketch"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["tables"][2]["sketch"] = "AAAA"; }), {"tables[2].sketch"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["tables"][2].erase("sketch"); }), {"tables[2].sketch: missing"}));
  EXPECT_TRUE(FailsWith(with([](auto& j) { j["tables"][1]["path"] = "../x.csv"; }), {"tables[1].path"}));
}

}  // namespace
}  // namespace ferry::datasets
