#include "herald/upstream/retry_policy.hpp"

#include <gtest/gtest.h>

using namespace herald::upstream;
using std::chrono::milliseconds;

TEST(UpstreamRetryPolicy, StatusOutcomes) {
    EXPECT_EQ(outcome_of_status(200), Outcome::success);
    EXPECT_EQ(outcome_of_status(204), Outcome::success);
    EXPECT_EQ(outcome_of_status(301), Outcome::client_error);
    EXPECT_EQ(outcome_of_status(404), Outcome::client_error);
    EXPECT_EQ(outcome_of_status(500), Outcome::server_error);
    EXPECT_EQ(outcome_of_status(503), Outcome::server_error);
}

TEST(UpstreamRetryPolicy, RetriesPassingFailuresUpToTheLimitWithGrowingDelays) {
    RetryPolicy p(2);
    auto first = p.after(Outcome::connect_error, 1.0);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, milliseconds{100});
    auto second = p.after(Outcome::timeout, 1.0);
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, milliseconds{200});
    EXPECT_FALSE(p.after(Outcome::server_error, 1.0)); // 3 attempts: done
    EXPECT_EQ(p.attempts(), 3u);
}

TEST(UpstreamRetryPolicy, SuccessAndClientErrorsAreFinal) {
    RetryPolicy ok(5);
    EXPECT_FALSE(ok.after(Outcome::success, 0));
    RetryPolicy refused(5);
    EXPECT_FALSE(refused.after(Outcome::client_error, 0));
    RetryPolicy none(0);
    EXPECT_FALSE(none.after(Outcome::server_error, 0));
}
