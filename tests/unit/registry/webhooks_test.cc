// Webhooks without a network peer: the signature (RFC 4231 vector), input
// checks, the cursor starting at "now", and retries against a closed port
// recorded attempt by attempt. Delivery to a real receiver, with retries on
// 500 and signature checks, is in tests/integration/test_webhooks.py.
#include "registry/webhooks.h"

#include <gtest/gtest.h>

#include "registry/registry_store.h"
#include "util/scratch_db.h"

namespace ferry::registry {
namespace {

class FixedClock final : public Clock {
 public:
  int64_t NowMillis() const override { return 1'700'000'000'000; }
};

TEST(WebhookSignatureTest, MatchesHmacSha256TestVector) {
  EXPECT_EQ(WebhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(scratch_.Open("sqlite").ok()); }
  testing_util::ScratchDb scratch_;
  FixedClock clock_;
};

TEST_F(WebhooksTest, BadInputIsRejected) {
  Webhooks hooks(scratch_.db(), clock_);
  const std::string secret(20, 's');
  EXPECT_EQ(hooks.Create("ftp://x", secret, "", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(hooks.Create("http://", secret, "", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(hooks.Create("http://h/" + std::string(3000, 'a'), secret, "", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(hooks.Create("http://h/x", "short", "", {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(hooks.Create("http://h/x", secret, "", {"a,b"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(hooks.Delete(42).code(), StatusCode::kNotFound);
}

// Events before the webhook existed are not sent; a later one is tried
// max_attempts times against a port nobody listens on, each attempt
// recorded, then the cursor moves on (the next pass sends nothing).
TEST_F(WebhooksTest, RetriesAreRecordedAndTheCursorMovesOn) {
  RegistryStore store(scratch_.db());
  Change change{{"alice", ""}, 1};
  ASSERT_TRUE(store.CreateModel({"before"}, change).ok());
  WebhookOptions options;
  options.max_attempts = 3;
  options.first_backoff = std::chrono::milliseconds(1);
  options.timeout = std::chrono::milliseconds(500);
  Webhooks hooks(scratch_.db(), clock_, options);
  auto hook = hooks.Create("http://127.0.0.1:1/hook", std::string(20, 's'), "", {});
  ASSERT_TRUE(hook.ok()) << hook.status().ToString();
  ASSERT_TRUE(hooks.DeliverPending().ok());
  EXPECT_TRUE(hooks.Deliveries(hook->id, 100)->empty());

  ASSERT_TRUE(store.CreateModel({"after"}, change).ok());
  ASSERT_TRUE(hooks.DeliverPending().ok());
  auto deliveries = hooks.Deliveries(hook->id, 100);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*deliveries)[i].attempt, i + 1);
    EXPECT_FALSE((*deliveries)[i].delivered);
    EXPECT_EQ((*deliveries)[i].status_code, 0);
    EXPECT_FALSE((*deliveries)[i].error.empty());
  }
  ASSERT_TRUE(hooks.DeliverPending().ok());
  EXPECT_EQ(hooks.Deliveries(hook->id, 100)->size(), 3u);
}

}  // namespace
}  // namespace ferry::registry
