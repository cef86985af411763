#include "herald/broker/redis/command_queue.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace herald::redis;
using namespace herald::redis::test_replies;

namespace {

struct CommandQueueTest : ::testing::Test {
    CommandQueue queue;
    std::vector<std::string> log; // "<command>:<reply>" in completion order

    CommandQueue::Completion record(std::string name) {
        return [this, name](const Reply& r) {
            log.push_back(
                name + ":" +
                (r.type == Reply::Type::error ? "error " + r.str : std::to_string(r.integer)));
        };
    }
};

TEST_F(CommandQueueTest, RepliesCompleteCommandsInTheOrderTheyWereSent) {
    queue.push(record("a"));
    queue.push(record("b"));
    queue.push(record("c"));
    EXPECT_EQ(queue.size(), 3u);
    EXPECT_TRUE(queue.on_reply(integer(1)));
    EXPECT_TRUE(queue.on_reply(error("NOPERM")));
    EXPECT_TRUE(queue.on_reply(integer(3)));
    EXPECT_EQ(log, (std::vector<std::string>{"a:1", "b:error NOPERM", "c:3"}));
    EXPECT_TRUE(queue.empty());
}

TEST_F(CommandQueueTest, AReplyNobodyWaitsForIsReported) {
    EXPECT_FALSE(queue.on_reply(integer(1)));
    queue.push(record("a"));
    EXPECT_TRUE(queue.on_reply(integer(1)));
    EXPECT_FALSE(queue.on_reply(integer(2))); // one reply too many
    EXPECT_EQ(log, std::vector<std::string>{"a:1"});
}

TEST_F(CommandQueueTest, AnEmptyCompletionStillHoldsItsPlace) {
    queue.push(record("a"));
    queue.push(); // the canary's PUBLISH: reply ignored
    queue.push(record("b"));
    EXPECT_TRUE(queue.on_reply(integer(1)));
    EXPECT_TRUE(queue.on_reply(integer(2)));
    EXPECT_TRUE(queue.on_reply(integer(3)));
    EXPECT_EQ(log, (std::vector<std::string>{"a:1", "b:3"}));
}

TEST_F(CommandQueueTest, ConnectionLossFailsEveryPendingCommandExactlyOnce) {
    queue.push(record("done"));
    EXPECT_TRUE(queue.on_reply(integer(7)));
    queue.push(record("a"));
    queue.push();
    queue.push(record("b"));
    EXPECT_EQ(queue.fail_all(), 3u); // the canary's place too
    EXPECT_EQ(log, (std::vector<std::string>{"done:7", "a:error Redis connection lost",
                                             "b:error Redis connection lost"}));
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(queue.fail_all(), 0u); // nothing left to fail twice
    EXPECT_FALSE(queue.on_reply(integer(1)));
    EXPECT_EQ(log.size(), 3u);
}

TEST_F(CommandQueueTest, CompletionsPushedWhileFailingAreFailedToo) {
    queue.push([this](const Reply&) {
        log.push_back("first");
        queue.push(record("late"));
    });
    queue.fail_all();
    EXPECT_EQ(log, (std::vector<std::string>{"first", "late:error Redis connection lost"}));
    EXPECT_TRUE(queue.empty());
}

TEST_F(CommandQueueTest, ACompletionMayPushTheNextCommand) {
    queue.push([this](const Reply&) { queue.push(record("next")); });
    EXPECT_TRUE(queue.on_reply(integer(1)));
    EXPECT_EQ(queue.size(), 1u);
    EXPECT_TRUE(queue.on_reply(integer(2)));
    EXPECT_EQ(log, std::vector<std::string>{"next:2"});
}

TEST_F(CommandQueueTest, ALostReplyIsToldApartFromRedisOwnErrors) {
    Reply seen;
    queue.push([&](const Reply& r) { seen = r; });
    queue.fail_all();
    EXPECT_TRUE(CommandQueue::lost(seen));
    EXPECT_FALSE(CommandQueue::lost(error("ERR Redis connection lost")));
    EXPECT_FALSE(
        CommandQueue::lost(error("OOM command not allowed when used memory > 'maxmemory'")));
    EXPECT_FALSE(CommandQueue::lost(bulk("Redis connection lost")));
}

TEST_F(CommandQueueTest, ACommandNeverSentIsNotLostButUnavailable) {
    Reply seen;
    queue.push([&](const Reply& r) { seen = r; });
    EXPECT_EQ(queue.fail_all(/*sent=*/false), 1u);
    EXPECT_FALSE(CommandQueue::lost(seen));
    EXPECT_TRUE(CommandQueue::failed_here(seen));
    EXPECT_EQ(seen, error("Redis is unavailable"));
    EXPECT_FALSE(CommandQueue::failed_here(error("ERR unknown command")));
}

} // namespace
