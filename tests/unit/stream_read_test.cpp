// One read of the shared history as both bridges make it (StreamRead): the
// commands, tagged with their channel for a cluster's routing, the sync
// marker's payload, and the answer built from the replies.
#include "herald/broker/stream_read.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace herald::redis::test_replies;
using Argv = std::vector<std::string>;
using herald::redis::Reply;

namespace {

Config config() {
    Config c;
    c.history_size = 100;
    c.redis_url = "redis://127.0.0.1:6379";
    return c;
}

Reply entry(std::string id, std::string message) {
    return array({bulk(std::move(id)), array({bulk("m"), bulk(std::move(message))})});
}

Reply info(std::string last, long long length) {
    return array({bulk("length"), integer(length), bulk("entries-added"), integer(length),
                  bulk("last-generated-id"), bulk(last), bulk("max-deleted-entry-id"), bulk("0-0"),
                  bulk("recorded-first-entry-id"), bulk("1-0")});
}

Reply time_now() {
    return array({bulk("2"), bulk("0")}); // 2 s after the epoch: nothing expired
}

TEST(StreamRead, AResumeReadsEachChannelsInfoAndNewestEntriesThenTheClock) {
    const auto c = config();
    StreamRead read(c, {"a", "b"}, "e1");
    const auto& commands = read.commands();
    ASSERT_EQ(commands.size(), 5u);
    EXPECT_EQ(commands[0].channel, "a");
    EXPECT_EQ(commands[0].argv, (Argv{"XINFO", "STREAM", "#history{a}"}));
    EXPECT_EQ(commands[1].argv, (Argv{"XREVRANGE", "#history{a}", "+", "-", "COUNT", "300"}));
    EXPECT_EQ(commands[3].channel, "b");
    EXPECT_EQ(commands[4].channel, ""); // TIME: of no channel
    EXPECT_EQ(commands[4].argv, (Argv{"TIME"}));

    RedisStats stats;
    EXPECT_FALSE(read.on_reply(0, info("1-2", 2)));
    EXPECT_FALSE(read.on_reply(1, array({entry("1-2", R"({"id":"e2","data":2})"),
                                         entry("1-1", R"({"id":"e1","data":1})")})));
    EXPECT_FALSE(read.on_reply(2, info("1-0", 0)));
    EXPECT_FALSE(read.on_reply(3, array({})));
    EXPECT_TRUE(read.on_reply(4, time_now()));
    auto answer = read.answer(stats);
    EXPECT_FALSE(answer.reset) << answer.reason;
    ASSERT_EQ(answer.events.size(), 1u);
    EXPECT_EQ(answer.events[0]->id, "e2");
}

TEST(StreamRead, AnUnreadableStreamIsAResetAndCounted) {
    const auto c = config();
    StreamRead read(c, {"a"}, "e1");
    RedisStats stats;
    read.on_reply(0, error("MOVED 15495 127.0.0.1:7002"));
    read.on_reply(1, error("MOVED 15495 127.0.0.1:7002"));
    ASSERT_TRUE(read.on_reply(2, time_now()));
    auto answer = read.answer(stats);
    EXPECT_TRUE(answer.reset);
    EXPECT_NE(answer.reason.find("history is unavailable"), std::string::npos) << answer.reason;
    EXPECT_EQ(stats.history_read_errors.get(), 1u);
}

TEST(StreamRead, LatestReadsTheNewestEntryOfEachChannel) {
    const auto c = config();
    StreamRead read(c, {"a", "b"}, std::nullopt);
    ASSERT_EQ(read.commands().size(), 3u);
    EXPECT_EQ(read.commands()[1].argv, (Argv{"XREVRANGE", "#history{b}", "+", "-", "COUNT", "1"}));
    RedisStats stats;
    read.on_reply(0, array({entry("3-0", R"({"id":"last-a","data":1})")}));
    read.on_reply(1, array({})); // b has none
    ASSERT_TRUE(read.on_reply(2, time_now()));
    auto answer = read.answer(stats);
    ASSERT_EQ(answer.events.size(), 1u);
    EXPECT_EQ(answer.events[0]->id, "last-a");
    EXPECT_EQ(answer.events[0]->channel, "a");
}

TEST(StreamRead, MarkersRoundTripAndCanariesAreNone) {
    EXPECT_EQ(StreamRead::marker_payload(42), "sync:42");
    EXPECT_EQ(StreamRead::marker_of("sync:42"), 42u);
    EXPECT_FALSE(StreamRead::marker_of("1733230000000:abcdef"));
    EXPECT_EQ(StreamRead::marker_of("sync:x"), 0u); // no read has marker 0
}

} // namespace
