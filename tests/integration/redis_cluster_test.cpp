// herald on a Redis Cluster with sharded pub/sub, with Debian's redis-server:
// three masters and three replicas on loopback. Two nodes learn the slot map,
// SSUBSCRIBE on the master of the channel's slot, deliver what is published
// through them and what an application SPUBLISHes, follow a resharding of the
// live channel's slot, and come back after the master fails over, telling
// their subscribers reset after each break: with history in memory, nothing
// can fill the gap (redis_cluster_history_test.cpp has it filled from the
// streams).
#include "redis_cluster_set.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> cluster_args(const RedisClusterSet& set) {
    return cluster_herald_args(set, {"--history-backend", "memory"});
}

double metric(std::uint16_t port, const std::string& name) {
    return metric_value(port, name).value_or(-1);
}

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<Millis>(Clock::now() - start).count();
}

// After a break, each subscriber is told reset (at least once: a failover
// may break a master's connections more than once), then gets `id`.
void expect_reset_then(SseClient& sse, WsClient& ws, const std::string& id) {
    int resets = 0;
    std::optional<SseEvent> event;
    while ((event = sse.next_event()) && event->type == "reset")
        ++resets;
    EXPECT_GE(resets, 1) << "SSE: no reset after the break";
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
    resets = 0;
    std::optional<json> frame;
    while ((frame = ws.next_json()) && frame->value("type", "") == "reset") {
        EXPECT_EQ(frame->value("channel", ""), "news");
        ++resets;
    }
    EXPECT_GE(resets, 1) << "WS: no reset after the break";
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("id", ""), id);
}

} // namespace

TEST(RedisCluster, DeliversThroughAReshardingAndAFailover) {
    const auto started = Clock::now();
    RedisClusterSet set;
    std::printf("cluster of six up in %lld ms\n", ms_since(started));
    HeraldProcess a(cluster_args(set));
    HeraldProcess b(cluster_args(set));
    ASSERT_TRUE(wait_ready(a.port())) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port())) << readyz(b.port()).body;

    SseClient sse(a.port(), events_target({"news"}));
    WsClient ws(b.port(), ws_target({"news"}));
    auto subscribed = ws.next_json();
    ASSERT_TRUE(subscribed && subscribed->value("type", "") == "subscribed");
    const auto slot = set.slot_of("news");
    auto owner = set.owner(slot);
    ASSERT_NE(owner, 0);
    // Each node holds one sharded subscription, on the slot's master.
    ASSERT_TRUE(wait_until([&] { return shard_numsub(set.node(owner), "news") == 2; }))
        << shard_numsub(set.node(owner), "news");

    // Through each node (SPUBLISH), and by an application straight into the cluster.
    for (auto port : {a.port(), b.port()})
        ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, publish_event(port, "news", "before")));
    set.node(owner).cli("SPUBLISH", "news", R"({"id":"cli-1","data":"before"})");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "cli-1"));

    // Resharding: the live channel's slot moves to another master. Redis
    // drops the old subscriptions (SUNSUBSCRIBE); both nodes subscribe again
    // at the new owner.
    std::uint16_t target = 0;
    for (auto port : set.masters())
        if (port != owner)
            target = port;
    const auto moved = Clock::now();
    set.migrate_slot(slot, target);
    ASSERT_TRUE(wait_until([&] { return shard_numsub(set.node(target), "news") == 2; },
                           Millis{10'000}))
        << shard_numsub(set.node(target), "news");
    std::printf("resharding: both nodes subscribed at the new owner %lld ms after the move\n",
                ms_since(moved));
    EXPECT_EQ(shard_numsub(set.node(owner), "news"), 0);
    ASSERT_TRUE(wait_ready(a.port(), Millis{10'000})) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port(), Millis{10'000})) << readyz(b.port()).body;
    // Events published between the move and the new subscription are lost
    // to pub/sub, and history is in memory: a reset says so.
    ASSERT_NO_FATAL_FAILURE(expect_reset_then(sse, ws, publish_event(a.port(), "news", "moved")));
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, publish_event(b.port(), "news", "moved")));
    set.node(target).cli("SPUBLISH", "news", R"({"id":"cli-2","data":"moved"})");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "cli-2"));
    EXPECT_GE(metric(a.port(), "herald_redis_cluster_map_refreshes_total"), 2.0);

    // Failover: kill -9 the new owner. /readyz turns 503 until its replica
    // has taken over, then both nodes subscribe there and deliver again.
    const auto killed = Clock::now();
    set.node(target).kill();
    auto body = wait_not_ready(a.port(), Millis{5000});
    ASSERT_TRUE(body) << "node A stayed ready after a master died";
    EXPECT_NE(reason_of(body).find("Redis Cluster"), std::string::npos) << reason_of(body);
    // Until a replica serves the slot, no node may call itself ready. /readyz
    // first, the cluster after: a 200 is wrong if the cluster still had no
    // new owner after it.
    for (auto until = Clock::now() + Millis{800}; Clock::now() < until;) {
        const auto status = readyz(a.port()).status;
        const auto now_owner = set.owner(slot);
        if (now_owner != 0 && now_owner != target)
            break;
        EXPECT_NE(status, 200u) << "ready while no master serves slot " << slot;
        std::this_thread::sleep_for(Millis{50});
    }
    const auto promoted = set.wait_new_owner(slot, target);
    ASSERT_TRUE(wait_ready(a.port(), Millis{15'000})) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port(), Millis{15'000})) << readyz(b.port()).body;
    ASSERT_TRUE(wait_until([&] { return shard_numsub(set.node(promoted), "news") == 2; },
                           Millis{10'000}));
    std::printf("failover: both nodes ready and subscribed %lld ms after kill -9\n",
                ms_since(killed));
    ASSERT_NO_FATAL_FAILURE(expect_reset_then(sse, ws, publish_event(a.port(), "news", "after")));
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, publish_event(b.port(), "news", "after")));
    set.node(promoted).cli("SPUBLISH", "news", R"({"id":"cli-3","data":"after"})");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "cli-3"));
    // The SSE and WS clients stayed connected throughout.
    EXPECT_FALSE(sse.ended());
    EXPECT_FALSE(ws.closed());
    std::printf("whole test: %lld ms\n", ms_since(started));
}
