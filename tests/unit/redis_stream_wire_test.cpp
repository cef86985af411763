#include "herald/broker/redis/stream_wire.hpp"

#include "herald/broker/redis/cluster_wire.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using namespace herald::redis::stream_wire;

namespace {

Reply entry(std::string id, std::vector<Reply> fields) {
    return array({bulk(std::move(id)), array(std::move(fields))});
}

TEST(RedisStreamWire, IdsParseCompareAndPrint) {
    EXPECT_EQ(parse_id("1733230000000-7"), (StreamId{1733230000000, 7}));
    EXPECT_EQ(to_string(StreamId{12, 3}), "12-3");
    EXPECT_LT((StreamId{5, 9}), (StreamId{6, 0}));
    EXPECT_LT((StreamId{6, 0}), (StreamId{6, 1}));
    for (const char* bad : {"", "12", "-3", "12-", "a-1", "1-b", "1-2-3", "n-x9"})
        EXPECT_FALSE(parse_id(bad)) << bad;
}

TEST(RedisStreamWire, TheStreamKeySharesTheChannelsHashTag) {
    EXPECT_EQ(history_key("", "user:42"), "#history{user:42}");
    EXPECT_EQ(history_key("app:", "user:42"), "app:#history{app:user:42}");
    // In a cluster, the stream and SPUBLISH of its channel are on one master,
    // whatever the prefix (one with a tag of its own puts both in its slot).
    for (std::string prefix : {"", "app:", "app{eu}:", "{x}"})
        for (std::string channel : {"user:42", "room:1", "a", "news/eu@x=1"})
            EXPECT_EQ(cluster_wire::key_slot(history_key(prefix, channel)),
                      cluster_wire::key_slot(prefix + channel))
                << prefix << channel;
}

TEST(RedisStreamWire, PublishIsOneFunctionCallWithTheCapAndTtl) {
    EXPECT_EQ(publish_command("p:", "room:1", 100, std::chrono::seconds(300),
                              R"({"event":"x","data":1})"),
              (Argv{"FCALL", "herald_publish", "1", "p:#history{p:room:1}", "p:room:1", "100",
                    "300000", R"({"event":"x","data":1})"}));
    // A cluster's sharded subscribers hear only SPUBLISH.
    EXPECT_EQ(publish_command("", "c", 5, std::chrono::milliseconds(0), "{}", PubSub::sharded),
              (Argv{"FCALL", "herald_spublish", "1", "#history{c}", "c", "5", "1", "{}"}));
    EXPECT_NE(load_command().find("FUNCTION"), std::string::npos);
    for (const char* part : {"#!lua name=herald", "'herald_publish'", "'herald_spublish'",
                             "'PUBLISH'", "'SPUBLISH'"})
        EXPECT_NE(std::string(library).find(part), std::string::npos) << part;
}

TEST(RedisStreamWire, ReadsAskAfterAnIdOrForTheNewest) {
    EXPECT_EQ(range_command("", "c", {5, 1}, 300),
              (Argv{"XRANGE", "#history{c}", "(5-1", "+", "COUNT", "300"}));
    EXPECT_EQ(recent_command("", "c", 1),
              (Argv{"XREVRANGE", "#history{c}", "+", "-", "COUNT", "1"}));
    EXPECT_EQ(info_command("", "c"), (Argv{"XINFO", "STREAM", "#history{c}"}));
    EXPECT_EQ(trim_command("", "c", {7, 2}), (Argv{"XTRIM", "#history{c}", "MINID", "7-3"}));
    EXPECT_EQ(read_count(100), 300u);
}

TEST(RedisStreamWire, EntriesKeepTheirMessageAndSkipForeignOnes) {
    auto parsed = parse_entries(array({entry("1-0", {bulk("m"), bulk("{\"event\":\"a\"}")}),
                                       entry("2-0", {bulk("other"), bulk("x")}),
                                       entry("3-1", {bulk("x"), bulk("y"), bulk("m"), bulk("b")})}));
    ASSERT_TRUE(std::holds_alternative<std::vector<Entry>>(parsed));
    const auto& entries = std::get<std::vector<Entry>>(parsed);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].id, (StreamId{1, 0}));
    EXPECT_EQ(entries[0].message, "{\"event\":\"a\"}");
    EXPECT_EQ(entries[1].id, (StreamId{3, 1}));
    EXPECT_EQ(entries[1].message, "b");
    EXPECT_TRUE(std::holds_alternative<std::vector<Entry>>(parse_entries(array({}))));
}

TEST(RedisStreamWire, BadRangesSayWhy) {
    EXPECT_TRUE(std::holds_alternative<Bad>(parse_entries(error("WRONGTYPE x"))));
    EXPECT_TRUE(std::holds_alternative<Bad>(parse_entries(bulk("x"))));
    EXPECT_TRUE(std::holds_alternative<Bad>(parse_entries(array({bulk("1-0")}))));
    EXPECT_TRUE(std::holds_alternative<Bad>(parse_entries(array({entry("x", {})}))));
}

TEST(RedisStreamWire, InfoGivesExistenceCountsAndIds) {
    auto parsed = parse_info(array({bulk("length"), integer(3), bulk("last-generated-id"),
                                    bulk("9-2"), bulk("max-deleted-entry-id"), bulk("4-0"),
                                    bulk("entries-added"), integer(7),
                                    bulk("recorded-first-entry-id"), bulk("5-0"),
                                    bulk("first-entry"), entry("5-0", {})}));
    ASSERT_TRUE(std::holds_alternative<Info>(parsed));
    const auto& info = std::get<Info>(parsed);
    EXPECT_TRUE(info.exists);
    EXPECT_EQ(info.last, (StreamId{9, 2}));
    EXPECT_EQ(info.max_deleted, (StreamId{4, 0}));
    EXPECT_EQ(info.first, (StreamId{5, 0}));
    EXPECT_EQ(info.length, 3u);
    EXPECT_EQ(info.added, 7u);

    auto missing = parse_info(error("ERR no such key"));
    ASSERT_TRUE(std::holds_alternative<Info>(missing));
    EXPECT_FALSE(std::get<Info>(missing).exists);

    EXPECT_TRUE(std::holds_alternative<Bad>(parse_info(error("NOPERM"))));
    EXPECT_TRUE(std::holds_alternative<Bad>(parse_info(array({bulk("length")}))));
    EXPECT_TRUE(std::holds_alternative<Bad>(
        parse_info(array({bulk("length"), bulk("three")}))));
    // Redis 6 has no max-deleted-entry-id: a trim would go unnoticed, so no.
    EXPECT_TRUE(std::holds_alternative<Bad>(
        parse_info(array({bulk("last-generated-id"), bulk("9-2")}))));
}

TEST(RedisStreamWire, LostFromSeesDeletesAndTrims) {
    Info never_deleted{true, {9, 0}, {}, {1, 0}, 5, 5};
    EXPECT_FALSE(lost_from(never_deleted, {0, 1}));
    EXPECT_FALSE(lost_from(Info{}, {0, 1})); // no stream, nothing deleted from it
    // XDEL records the newest deleted id.
    Info deleted{true, {9, 0}, {6, 0}, {1, 0}, 4, 5};
    EXPECT_TRUE(lost_from(deleted, {6, 0}));
    EXPECT_FALSE(lost_from(deleted, {6, 1}));
    // MAXLEN records nothing but the oldest entry left: what is older was trimmed.
    Info trimmed{true, {900, 0}, {}, {500, 0}, 100, 300};
    EXPECT_TRUE(lost_from(trimmed, {400, 0}));
    EXPECT_FALSE(lost_from(trimmed, {500, 0}));
    EXPECT_FALSE(lost_from(trimmed, {600, 0}));
    // Trimmed to nothing: everything up to the last id is gone.
    Info emptied{true, {900, 0}, {}, {}, 0, 300};
    EXPECT_TRUE(lost_from(emptied, {900, 0}));
    EXPECT_FALSE(lost_from(emptied, {900, 1}));
}

} // namespace
