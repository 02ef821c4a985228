// Base64 against RFC 4648's test vectors, round trips of every byte value,
// and text that is not base64.
#include "core/base64.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain)) << encoded;
  }
}

TEST(Base64, EveryByteRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    EXPECT_EQ(Base64Decode(Base64Encode(bytes.substr(0, n))), bytes.substr(0, n));
  }
}

TEST(Base64, RejectsWhatIsNotBase64) {
  EXPECT_EQ(Base64Decode("Zm9"), std::nullopt);    // not a multiple of 4
  EXPECT_EQ(Base64Decode("Zm9v!!!!"), std::nullopt);
}

}  // namespace
}  // namespace ferry
