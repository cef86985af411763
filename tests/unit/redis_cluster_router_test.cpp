#include "herald/broker/redis/cluster_router.hpp"

#include "herald/broker/redis/command.hpp"
#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using cluster_wire::HostPort;
using cluster_wire::key_slot;
using cluster_wire::SlotRange;

namespace {

const HostPort a{"127.0.0.1", 7000};
const HostPort b{"127.0.0.1", 7001};
const HostPort c{"127.0.0.1", 7002};

ClusterMap three_masters() {
    return ClusterMap({{0, 5460, a}, {5461, 10922, b}, {10923, 16383, c}});
}

// A herald channel (behind prefix "p:") whose slot is `node`'s in three_masters().
std::string channel_on(const HostPort& node, int nth = 0) {
    auto map = three_masters();
    for (int i = 0;; ++i) {
        std::string name = "ch" + std::to_string(i);
        if (*map.owner_of("p:" + name) == node && nth-- == 0)
            return name;
    }
}

SubscribeAck sub_ack(const std::string& channel) {
    return {SubscribeAck::Kind::subscribe, channel, 1};
}

} // namespace

TEST(RedisClusterMap, OwnersFromRangesAndMoved) {
    auto map = three_masters();
    EXPECT_TRUE(map.complete());
    EXPECT_EQ(*map.owner(0), a);
    EXPECT_EQ(*map.owner(5461), b);
    EXPECT_EQ(*map.owner_of("foo"), c); // slot 12182
    EXPECT_EQ(map.masters().size(), 3u);
    EXPECT_TRUE(map.moved(12182, a));
    EXPECT_FALSE(map.moved(12182, a)); // already so: a refresh would not help
    EXPECT_EQ(*map.owner_of("foo"), a);

    ClusterMap partial({{0, 99, a}});
    EXPECT_FALSE(partial.complete());
    EXPECT_EQ(partial.owner(100), nullptr);
    EXPECT_TRUE(partial.moved(100, b));
    EXPECT_EQ(*partial.owner(100), b);
}

TEST(RedisClusterMap, FromSlotsReply) {
    auto reply = array({array({integer(0), integer(16383),
                               array({bulk("127.0.0.1"), integer(7000), bulk("id")})})});
    auto parsed = ClusterMap::from_slots(reply, a);
    ASSERT_TRUE(std::holds_alternative<ClusterMap>(parsed));
    EXPECT_EQ(std::get<ClusterMap>(parsed), ClusterMap({{0, 16383, a}}));
    EXPECT_TRUE(std::holds_alternative<std::string>(ClusterMap::from_slots(error("ERR x"), a)));
}

TEST(RedisClusterRouter, ChannelsGoToTheirOwnersShard) {
    ClusterRouter router("p:");
    router.set_map(three_masters());
    auto on_a = channel_on(a), on_b = channel_on(b);
    router.want(on_a);
    router.want(on_b);
    router.want(on_a); // idempotent
    EXPECT_EQ(router.wanted_count(), 2u);
    EXPECT_EQ(*router.shard_of(on_a), a);
    EXPECT_EQ(*router.shard_of(on_b), b);
    EXPECT_EQ(router.shards(), (std::vector<HostPort>{a, b}));
    EXPECT_EQ(router.shard(c), nullptr);

    auto& tracker = *router.shard(a);
    tracker.on_connect();
    EXPECT_EQ(tracker.take_subscribes(), std::vector<std::string>{on_a});
    EXPECT_FALSE(router.is_live(on_a));
    ASSERT_TRUE(tracker.on_ack(sub_ack(on_a)));
    EXPECT_TRUE(router.is_live(on_a));
    EXPECT_FALSE(router.is_live(on_b)); // b's connection is not up
}

TEST(RedisClusterRouter, OneCommandPerSlotNeverCrossSlot) {
    ClusterRouter router("p:");
    // "{x}1" and "{x}2" share a slot; "y" has another.
    auto commands = router.commands("SSUBSCRIBE", {"{x}1", "y", "{x}2"});
    ASSERT_EQ(commands.size(), 2u);
    auto x = format_command("SSUBSCRIBE", std::vector<std::string>{"p:{x}1", "p:{x}2"});
    auto y = format_command("SSUBSCRIBE", std::vector<std::string>{"p:y"});
    const std::vector<std::string> expected =
        key_slot("p:{x}1") < key_slot("p:y") ? std::vector{x, y} : std::vector{y, x};
    EXPECT_EQ(commands, expected);
    EXPECT_TRUE(router.commands("SSUBSCRIBE", {}).empty());
}

TEST(RedisClusterRouter, ANewMapMovesChannelsBetweenShards) {
    ClusterRouter router("p:");
    router.set_map(three_masters());
    auto moving = channel_on(a), staying = channel_on(a, 1);
    router.want(moving);
    router.want(staying);
    auto& old_shard = *router.shard(a);
    old_shard.on_connect();
    for (const auto& channel : old_shard.take_subscribes())
        ASSERT_TRUE(old_shard.on_ack(sub_ack(channel)));

    // Resharding: the moving channel's slot goes to c.
    auto map = three_masters();
    map.moved(key_slot("p:" + moving), c);
    auto moves = router.set_map(map);
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_EQ(moves[0].channel, moving);
    EXPECT_EQ(moves[0].from, a);
    EXPECT_EQ(moves[0].to, c);
    EXPECT_EQ(*router.shard_of(moving), c);
    EXPECT_FALSE(router.is_live(moving));
    EXPECT_TRUE(router.is_live(staying));
    // The old shard owes a SUNSUBSCRIBE; the new one wants the channel.
    EXPECT_EQ(router.shard(a)->take_unsubscribes(), std::vector<std::string>{moving});
    EXPECT_TRUE(router.shard(c)->is_wanted(moving));
    // The same map again moves nothing.
    EXPECT_TRUE(router.set_map(map).empty());
}

TEST(RedisClusterRouter, UnownedSlotsWaitForAMapThatHasThem) {
    ClusterRouter router("p:");
    auto channel = channel_on(b);
    router.want(channel); // no map yet
    EXPECT_EQ(router.shard_of(channel), nullptr);
    EXPECT_FALSE(router.is_live(channel));
    auto moves = router.set_map(three_masters());
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_FALSE(moves[0].from);
    EXPECT_EQ(moves[0].to, b);
    // A failed master whose slots nobody serves yet: the channel waits.
    moves = router.set_map(ClusterMap({{0, 5460, a}, {10923, 16383, c}}));
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_EQ(moves[0].from, b);
    EXPECT_FALSE(moves[0].to);
    EXPECT_EQ(router.shard_of(channel), nullptr);
}

TEST(RedisClusterRouter, UnwantAndPrune) {
    ClusterRouter router("p:");
    router.set_map(three_masters());
    auto channel = channel_on(b);
    router.want(channel);
    router.shard(b)->on_connect();
    ASSERT_EQ(router.shard(b)->take_subscribes().size(), 1u);
    ASSERT_TRUE(router.shard(b)->on_ack(sub_ack(channel)));
    router.unwant(channel);
    EXPECT_TRUE(router.prune().empty()); // a SUNSUBSCRIBE is owed
    ASSERT_EQ(router.shard(b)->take_unsubscribes().size(), 1u);
    ASSERT_TRUE(router.shard(b)->on_ack({SubscribeAck::Kind::unsubscribe, channel, 0}));
    EXPECT_EQ(router.prune(), std::vector<HostPort>{b});
    EXPECT_EQ(router.shard(b), nullptr);
}

TEST(RedisClusterRouter, CanaryLandsInTheShardsSlots) {
    ClusterRouter router("p:");
    router.set_map(three_masters());
    for (const auto& node : {a, b, c}) {
        auto name = router.canary_for("p:!herald-canary:0123", node);
        ASSERT_TRUE(name);
        EXPECT_EQ(*router.map().owner_of(*name), node);
    }
    EXPECT_FALSE(router.canary_for("p:!c", HostPort{"127.0.0.1", 1}));
}
