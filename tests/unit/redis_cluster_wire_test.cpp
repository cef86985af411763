#include "herald/broker/redis/cluster_wire.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using namespace herald::redis::cluster_wire;

namespace {

const HostPort asked{"10.0.0.1", 7000};

Reply node(std::string host, long long port, std::string id = "abc") {
    return array({bulk(std::move(host)), integer(port), bulk(std::move(id))});
}

Reply range(long long first, long long last, std::vector<Reply> nodes) {
    std::vector<Reply> e{integer(first), integer(last)};
    for (auto& n : nodes)
        e.push_back(std::move(n));
    return array(std::move(e));
}

std::string error_of(const Reply& reply) {
    auto parsed = parse_slots(reply, asked);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

} // namespace

TEST(RedisClusterWire, KeySlotMatchesRedis) {
    // Values from CLUSTER KEYSLOT on Redis 7.
    EXPECT_EQ(key_slot("foo"), 12182);
    EXPECT_EQ(key_slot("bar"), 5061);
    EXPECT_EQ(key_slot("123456789"), 0x31C3 & 16383); // the CRC16/XMODEM check value
    EXPECT_EQ(key_slot(""), 0);
}

TEST(RedisClusterWire, HashTagRule) {
    EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
    EXPECT_EQ(hash_tag("{user1000}.following"), "user1000");
    EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}"); // an empty first tag: whole key
    EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
    EXPECT_EQ(hash_tag("foo{bar"), "foo{bar");
    // A history stream and its channel's pub/sub share a slot.
    EXPECT_EQ(key_slot("herald:#history{herald:news}"), key_slot("herald:news"));
}

TEST(RedisClusterWire, ParsesClusterSlots) {
    auto reply = array({range(0, 5460, {node("127.0.0.1", 7000), node("127.0.0.1", 7003)}),
                        range(5461, 10922, {node("", 7001)}),
                        range(10923, 16383, {node("127.0.0.1", 7002)})});
    auto parsed = parse_slots(reply, asked);
    ASSERT_TRUE((std::holds_alternative<std::vector<SlotRange>>(parsed))) << error_of(reply);
    const auto& ranges = std::get<std::vector<SlotRange>>(parsed);
    ASSERT_EQ(ranges.size(), 3u);
    EXPECT_EQ(ranges[0], (SlotRange{0, 5460, {"127.0.0.1", 7000}}));
    // An empty host is the one asked.
    EXPECT_EQ(ranges[1], (SlotRange{5461, 10922, {"10.0.0.1", 7001}}));
    EXPECT_EQ(ranges[2].last, 16383);
}

TEST(RedisClusterWire, RefusesBrokenSlotReplies) {
    EXPECT_NE(error_of(error("ERR This instance has cluster support disabled")).find("disabled"),
              std::string::npos);
    EXPECT_NE(error_of(array({})).find("not set up"), std::string::npos);
    EXPECT_NE(error_of(bulk("x")), "");
    EXPECT_NE(error_of(array({range(5, 4, {node("h", 1)})})), "");
    EXPECT_NE(error_of(array({range(0, 16384, {node("h", 1)})})), "");
    EXPECT_NE(error_of(array({range(0, 1, {node("h", 0)})})), "");
    EXPECT_NE(error_of(array({range(0, 1, {node("?", 7000)})})), "");
    EXPECT_NE(error_of(array({range(0, 1, {node("a b", 7000)})})), "");
    EXPECT_NE(error_of(array({array({integer(0), integer(1)})})), "");
}

TEST(RedisClusterWire, ShardedPubSubReadsAsClassic) {
    auto message = array({bulk("smessage"), bulk("p:news"), bulk("{}")});
    EXPECT_FALSE(as_classic_pubsub(message));
    EXPECT_EQ(message, array({bulk("message"), bulk("p:news"), bulk("{}")}));
    auto ack = array({bulk("ssubscribe"), bulk("p:news"), integer(1)});
    EXPECT_FALSE(as_classic_pubsub(ack));
    EXPECT_EQ(ack.elements[0].str, "subscribe");
    // Pushed by Redis when the slot moved (or our own SUNSUBSCRIBE's ack).
    auto dropped = array({bulk("sunsubscribe"), bulk("p:news"), integer(0)});
    EXPECT_EQ(as_classic_pubsub(dropped), "p:news");
    EXPECT_EQ(dropped.elements[0].str, "unsubscribe");
    // Classic pub/sub and other replies are left alone.
    auto classic = array({bulk("unsubscribe"), bulk("p:news"), integer(0)});
    EXPECT_FALSE(as_classic_pubsub(classic));
    EXPECT_EQ(classic.elements[0].str, "unsubscribe");
    auto status = ok();
    EXPECT_FALSE(as_classic_pubsub(status));
    auto nil_channel = array({bulk("sunsubscribe"), make(Reply::Type::nil), integer(0)});
    EXPECT_FALSE(as_classic_pubsub(nil_channel));
}

TEST(RedisClusterWire, Redirects) {
    EXPECT_EQ(parse_redirect(error("MOVED 3999 127.0.0.1:6381")),
              (Redirect{Redirect::Kind::moved, 3999, {"127.0.0.1", 6381}}));
    EXPECT_EQ(parse_redirect(error("ASK 16383 [::1]:7002")),
              (Redirect{Redirect::Kind::ask, 16383, {"::1", 7002}}));
    EXPECT_FALSE(parse_redirect(error("MOVED 16384 127.0.0.1:6381")));
    EXPECT_FALSE(parse_redirect(error("MOVED 1 127.0.0.1")));
    EXPECT_FALSE(parse_redirect(error("MOVED x 127.0.0.1:1")));
    EXPECT_FALSE(parse_redirect(error("MOVED 1")));
    EXPECT_FALSE(parse_redirect(error("ERR unknown command")));
    EXPECT_FALSE(parse_redirect(bulk("MOVED 1 127.0.0.1:6381")));
}
