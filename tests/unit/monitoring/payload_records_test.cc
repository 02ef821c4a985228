#include "monitoring/payload_records.h"

#include <gtest/gtest.h>

#include <string>

#include "monitoring/csv_reader.h"

namespace ferry::monitoring {
namespace {

// One payload-log line as serving/payload_log.cc writes it (keys sorted).
std::string Line(int64_t time_ms, const std::string& features, const std::string& shape, int version = 1,
                 const std::string& color = "\"red\"") {
  return "{\"deployment\":\"d\",\"inputs\":{\"color\":{\"data\":[" + color +
         "],\"datatype\":\"BYTES\",\"shape\":[1]},\"x\":{\"data\":[" + features +
         "],\"datatype\":\"FP32\",\"shape\":" + shape + "}},\"model\":\"m\",\"outputs\":{\"predict\":{\"data\":[0.25]," +
         "\"datatype\":\"FP32\",\"shape\":[1]}},\"prediction_id\":\"p\",\"role\":\"primary\",\"time\":" +
         std::to_string(time_ms) + ",\"version\":" + std::to_string(version) + "}\n";
}

Profile Reference() {
  Result<Table> t = ParseCsv("a,b,color,predict\n1.5,2.5,red,0.5\n2.5,0.5,blue,0.25\n3.5,1.5,red,0.75\n");
  EXPECT_TRUE(t.ok());
  return ProfileOf(*t);
}

TEST(ProfileRecords, NamesColumnsFromTheReferenceAndWindowsByHour) {
  Profile reference = Reference();
  std::string lines = Line(3'600'000 * 10 + 5, "1.0,2.0", "[1,2]") + Line(3'600'000 * 10 + 99, "3.0,null", "[1,2]") +
                      Line(3'600'000 * 11, "4.0,5.0", "[1,2]") + Line(3'600'000 * 11, "6.0,7.0", "[1,2]", 2);
  IngestStats stats;
  auto windows = ProfileRecords(lines, [&](const std::string&, int64_t v) { return v == 1 ? &reference : nullptr; },
                                &stats)
                     .windows;
  EXPECT_EQ(stats.records, 4u);
  EXPECT_EQ(stats.rows, 4u);
  ASSERT_EQ(windows.size(), 3u);  // hour 10 v1, hour 11 v1, hour 11 v2
  const WindowUpdate& first = windows[0];
  EXPECT_EQ(first.key.start_ms, 3'600'000 * 10);
  EXPECT_EQ(first.profile.end_ms, 3'600'000 * 11);
  EXPECT_EQ(first.profile.rows, 2u);
  const ColumnProfile* b = first.profile.Find("b");
  ASSERT_NE(b, nullptr);  // [1, 2] tensor "x" takes the reference's a, b
  EXPECT_EQ(b->numeric.count, 1u);
  EXPECT_EQ(b->missing, 1u);
  EXPECT_EQ(b->numeric.edges, reference.Find("b")->numeric.edges);
  EXPECT_EQ(first.profile.Find("color")->categories.total(), 2u);
  // Without a reference the tensor's columns are x[0], x[1].
  EXPECT_NE(windows[2].profile.Find("x[1]"), nullptr);
}

TEST(ProfileRecords, BadLinesAreSkippedAndCounted) {
  Profile reference = Reference();
  std::string lines = "not json\n{}\n" + Line(1, "1.0", "[1,2]") +  // two values promised, one given
                      Line(1, "1.0,2.0", "[1,2]") + "{\"deployment\":5}\n" + Line(1, "\"word\",2.0", "[1,2]");
  IngestStats stats;
  auto windows = ProfileRecords(lines, [&](const std::string&, int64_t) { return &reference; }, &stats).windows;
  EXPECT_EQ(stats.skipped_lines, 4u);
  EXPECT_EQ(stats.records, 2u);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].profile.Find("a")->invalid, 1u);  // a word in a numerical column
}

TEST(ProfileRecords, ParallelEqualsSerial) {
  Profile reference = Reference();
  std::string lines;
  for (int i = 0; i < 3000; ++i) {
    lines += Line(3'600'000 * (i % 3), std::to_string(i % 17) + ".5," + std::to_string(i % 5), "[1,2]", 1,
                  i % 2 ? "\"red\"" : "\"blue\"");
  }
  auto lookup = [&](const std::string&, int64_t) { return &reference; };
  IngestStats serial_stats, parallel_stats;
  auto serial = ProfileRecords(lines, lookup, &serial_stats).windows;
  auto parallel = ProfileRecordsParallel(lines, lookup, &parallel_stats, 2).windows;
  EXPECT_EQ(serial_stats.rows, parallel_stats.rows);
  ASSERT_EQ(serial.size(), parallel.size());
  for (size_t w = 0; w < serial.size(); ++w) {
    EXPECT_EQ(serial[w].key.start_ms, parallel[w].key.start_ms);
    EXPECT_EQ(serial[w].profile.rows, parallel[w].profile.rows);
    EXPECT_EQ(serial[w].profile.Find("a")->numeric.bins, parallel[w].profile.Find("a")->numeric.bins);
    EXPECT_EQ(serial[w].profile.Find("color")->categories.total(),
              parallel[w].profile.Find("color")->categories.total());
  }
}

TEST(ProfileRecords, IndexesPredictionsWithTheirOutputsAndUsesTheWindowLength) {
  Profile reference = Reference();
  std::string lines = Line(5'000, "1.0,2.0", "[1,2]") + Line(65'000, "3.0,4.0", "[1,2]") +
                      "{\"deployment\":\"d\",\"inputs\":{},\"model\":\"m\",\"outputs\":{\"p\":{\"data\":[0.5,"
                      "\"a \\\"b\\\"\",null],\"shape\":[3]}},\"prediction_id\":\"q\",\"time\":7,\"version\":3}\n"
                      "{\"deployment\":\"d\",\"inputs\":{},\"model\":\"m\",\"outputs\":{},\"time\":8,\"version\":3}\n";
  IngestStats stats;
  ProfiledLines out =
      ProfileRecords(lines, [&](const std::string&, int64_t) { return &reference; }, &stats, 60'000);
  EXPECT_EQ(stats.records, 4u);
  ASSERT_EQ(out.windows.size(), 3u);  // minute 0 (v1, v3), minute 1 (v1)
  EXPECT_EQ(out.windows[0].key.start_ms, 0);
  EXPECT_EQ(out.windows[0].profile.end_ms, 60'000);
  ASSERT_EQ(out.predictions.size(), 3u);  // the record without an id is profiled, not indexed
  EXPECT_EQ(out.predictions[2].outputs, R"({"p":{"shape":[3],"data":[0.5,"a \"b\"",null]}})");
  const PredictionRow& p = out.predictions[1];
  EXPECT_EQ(p.prediction_id, "p");
  EXPECT_EQ(p.deployment, "d");
  EXPECT_EQ(p.role, "primary");
  EXPECT_EQ(p.time_ms, 65'000);
  EXPECT_EQ(p.rows, 1);
  EXPECT_EQ(p.outputs, R"({"predict":{"shape":[1],"data":[0.25]}})");
}

TEST(ProfileRecords, ParallelKeepsEveryPrediction) {
  Profile reference = Reference();
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += Line(i, std::to_string(i) + ".0,1.0", "[1,2]");
  auto lookup = [&](const std::string&, int64_t) { return &reference; };
  IngestStats stats;
  EXPECT_EQ(ProfileRecordsParallel(lines, lookup, &stats, 2).predictions.size(), 2000u);
}

}  // namespace
}  // namespace ferry::monitoring
