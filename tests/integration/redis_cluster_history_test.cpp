// Shared history in Redis streams through a Redis Cluster (history_backend
// = "redis", the default with redis_cluster): three masters and three
// replicas of Debian's redis-server on loopback, two herald nodes. A resume
// on either node reads the streams of channels on different masters; an
// event stored while a master dropped the nodes' subscriptions is filled in
// from its stream, in order and without a reset; the stream follows its
// channel's slot through a resharding, and survives a failover.
#include "redis_cluster_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace herald_test;

namespace {

double metric(std::uint16_t port, const std::string& name) {
    return metric_value(port, name).value_or(-1);
}

// Until each node has seen its subscription break (and so no longer calls
// itself ready), then until it is ready again.
void wait_reconnected(const std::vector<std::uint16_t>& ports, const std::vector<double>& before) {
    for (std::size_t i = 0; i < ports.size(); ++i) {
        ASSERT_TRUE(wait_until(
            [&] { return metric(ports[i], "herald_redis_reconnects_total") > before[i]; }));
        ASSERT_TRUE(wait_ready(ports[i], Millis{15'000})) << readyz(ports[i]).body;
    }
}

} // namespace

TEST(RedisClusterHistory, ResumesOnAnyNodeAndFillsTheGapsOfABreakAReshardingAndAFailover) {
    RedisClusterSet set;
    HeraldProcess a(cluster_herald_args(set));
    HeraldProcess b(cluster_herald_args(set));
    ASSERT_TRUE(wait_ready(a.port())) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port())) << readyz(b.port()).body;

    // Two channels on different masters, so that one resume reads from both.
    const std::string news = "news";
    const auto slot = set.slot_of(news);
    std::string other;
    for (int i = 0; other.empty(); ++i)
        if (set.owner(set.slot_of("room:" + std::to_string(i))) != set.owner(slot))
            other = "room:" + std::to_string(i);

    SseClient sse(a.port(), events_target({news}));
    WsClient ws(b.port(), ws_target({news}));
    ASSERT_TRUE(ws.wait_subscribed(news));
    const auto first = publish_event(a.port(), news, "1");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, first));
    const auto second = publish_event(b.port(), other, "2");
    const auto third = publish_event(b.port(), news, "3");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, third));

    // A resume on the node that did not publish the anchor, over both masters.
    {
        SseClient resumed(b.port(), events_target({news, other}), {{"Last-Event-ID", first}});
        std::vector<std::string> ids;
        for (const auto& e : resumed.next_events(2))
            ids.push_back(e.id.value_or(""));
        std::sort(ids.begin(), ids.end()); // across channels, ordered only to the millisecond
        auto expected = std::vector<std::string>{second, third};
        std::sort(expected.begin(), expected.end());
        EXPECT_EQ(ids, expected);
    }

    // A break: the master of news drops both nodes' sharded subscriptions
    // while an application stores an event with herald_spublish.
    auto owner = set.owner(slot);
    const std::vector<std::uint16_t> ports = {a.port(), b.port()};
    auto reconnects = std::vector<double>{metric(a.port(), "herald_redis_reconnects_total"),
                                          metric(b.port(), "herald_redis_reconnects_total")};
    {
        RedisConnection redis(owner);
        redis.command({"MULTI"});
        redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
        redis.command({"FCALL", "herald_spublish", "1", "#history{news}", news, "100", "300000",
                       R"({"event":"message","id":"gap-1","data":"in the gap"})"});
        ASSERT_EQ(redis.command({"EXEC"}).type, RedisReply::Type::array);
    }
    ASSERT_NO_FATAL_FAILURE(wait_reconnected(ports, reconnects));
    // Filled from the stream, then live again; no reset on the way.
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "gap-1"));
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, publish_event(a.port(), news, "after")));

    // Resharding: the slot moves, its stream with it.
    std::uint16_t target = 0;
    for (auto port : set.masters())
        if (port != owner && port != set.owner(set.slot_of(other)))
            target = port;
    ASSERT_NE(target, 0);
    set.migrate_slot(slot, target);
    ASSERT_TRUE(
        wait_until([&] { return shard_numsub(set.node(target), news) == 2; }, Millis{10'000}));
    for (auto port : ports)
        ASSERT_TRUE(wait_ready(port, Millis{10'000})) << readyz(port).body;
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, publish_event(b.port(), news, "moved")));
    {
        SseClient resumed(a.port(), events_target({news}), {{"Last-Event-ID", third}});
        auto event = resumed.next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->id, "gap-1") << event->type << " " << event->data;
    }

    // Failover: the new owner dies once its replica has every entry.
    ASSERT_EQ(set.node(target).cli("WAIT", "1", "5000"), "1\n");
    reconnects = {metric(a.port(), "herald_redis_reconnects_total"),
                  metric(b.port(), "herald_redis_reconnects_total")};
    set.node(target).kill();
    set.wait_new_owner(slot, target);
    ASSERT_NO_FATAL_FAILURE(wait_reconnected(ports, reconnects));
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, publish_event(a.port(), news, "failed over")));

    for (auto port : ports) {
        EXPECT_EQ(metric(port, "herald_redis_gap_resets_total"), 0) << port;
        EXPECT_EQ(metric(port, "herald_history_read_errors_total"), 0) << port;
    }
    EXPECT_GE(metric(a.port(), "herald_redis_gap_events_total"), 1);
    EXPECT_GE(metric(b.port(), "herald_redis_gap_events_total"), 1);
    EXPECT_FALSE(sse.ended());
    EXPECT_FALSE(ws.closed());
}
