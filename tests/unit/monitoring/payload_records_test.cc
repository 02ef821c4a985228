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
                                &stats);
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
  auto windows = ProfileRecords(lines, [&](const std::string&, int64_t) { return &reference; }, &stats);
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
  auto serial = ProfileRecords(lines, lookup, &serial_stats);
  auto parallel = ProfileRecordsParallel(lines, lookup, &parallel_stats, 2);
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

}  // namespace
}  // namespace ferry::monitoring
