// What a publish request is answered when its events' commands are
// confirmed, refused or lost with the connection (PublishBatch, shared by
// both Redis bridges).
#include "herald/broker/publish_batch.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

#include <optional>

using namespace herald;
using namespace herald::redis::test_replies;
using Failure = PublishResult::Failure;

namespace {

struct PublishBatchTest : ::testing::Test {
    std::optional<PublishResult> answer;
    int answers = 0;
    redis::CommandQueue queue;

    // n events with ids e1..en, their completions in `queue`.
    void publish(int n) {
        std::vector<Publication> events(n);
        for (int i = 0; i < n; ++i)
            events[i].id = "e" + std::to_string(i + 1);
        auto batch = PublishBatch::start(events, [this](PublishResult r) {
            answer = std::move(r);
            ++answers;
        });
        for (int i = 0; i < n; ++i)
            queue.push(batch->completion());
    }
};

TEST_F(PublishBatchTest, AnswersOnceWhenEveryEventIsConfirmed) {
    publish(3);
    queue.on_reply(integer(1));
    queue.on_reply(bulk("1700000000000-0")); // herald_publish's stream id
    EXPECT_FALSE(answer);
    queue.on_reply(integer(0)); // no subscriber anywhere is still published
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->ok());
    EXPECT_EQ(answer->ids, (std::vector<std::string>{"e1", "e2", "e3"}));
    EXPECT_EQ(answers, 1);
}

TEST_F(PublishBatchTest, RefusedByRedisIsUnavailableWhenNothingWentOut) {
    publish(2);
    queue.on_reply(error("OOM command not allowed when used memory > 'maxmemory'"));
    queue.on_reply(error("LOADING Redis is loading the dataset in memory"));
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->failure, Failure::unavailable);
    EXPECT_EQ(answer->error, "Redis: OOM command not allowed when used memory > 'maxmemory'");
}

TEST_F(PublishBatchTest, ALostReplyIsUncertainEvenIfOthersWereConfirmed) {
    publish(3);
    queue.on_reply(integer(2));
    queue.fail_all(); // the master died after running (or not) e2 and e3
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->failure, Failure::uncertain);
    EXPECT_EQ(answer->error, "the Redis connection was lost before Redis confirmed the publish: "
                             "1 of 3 event(s) confirmed, the others may or may not have been "
                             "delivered");
    EXPECT_EQ(answer->ids, (std::vector<std::string>{"e1", "e2", "e3"}));
    EXPECT_EQ(answers, 1);
}

TEST_F(PublishBatchTest, ACommandThatNeverLeftIsUnavailableNotUncertain) {
    publish(2);
    queue.fail_all(/*sent=*/false); // the connection never came up
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->failure, Failure::unavailable);
    EXPECT_EQ(answer->error, "Redis is unavailable"); // as when Redis is known to be down
}

TEST_F(PublishBatchTest, APartlyRefusedBatchIsUncertainNotARetryableFailure) {
    publish(2);
    queue.on_reply(integer(1));
    queue.on_reply(error("OOM command not allowed"));
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->failure, Failure::uncertain);
    EXPECT_EQ(answer->error, "Redis: OOM command not allowed (1 of 2 event(s) were published)");
}

TEST_F(PublishBatchTest, AnEmptyBatchIsAnsweredAtOnce) {
    publish(0);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->ok());
}

} // namespace
