// Issue 13 section 4, "the same chaos with Cluster, smaller": three herald
// nodes behind the shipped nginx site on a Redis Cluster (three masters,
// three replicas, sharded pub/sub), about 200 subscribers
// (HERALD_CHAOS_CLIENTS; tests/CMakeLists.txt), half SSE and half WebSocket,
// one channel each, and a publisher at a steady rate; then kill -9 of one
// node, a restart of another, and kill -9 of the master that owns chan:00's
// slot, which the cluster replaces by its replica.
//
// History is shared in the cluster's streams (the default; presence is
// refused with a cluster, so there is no presence probe): a resume on
// another node, or on the restarted node, and the broken subscriptions of
// the failed master's channels are filled from the streams; only what the
// dead master had not replicated may end in a reset, as with Sentinel. The
// audit is the same as ClusterChaos's: exactly once and in order, or
// announced by a reset; never missing without one.
#include "auth_fixture.hpp"
#include "chaos_scenario.hpp"
#include "redis_cluster_set.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace herald_test;

namespace {

constexpr std::size_t kChannels = 20;
constexpr std::size_t kNoHistory = 4;
constexpr unsigned kPublishRate = 60; // events per second over all channels
constexpr Millis kPause{4000};

std::vector<std::string> node_args(const RedisClusterSet& set, std::uint16_t port) {
    static const std::string config = write_temp_file("redis-cluster-chaos.toml", R"(
[[namespace]]
pattern = "nohist:*"
history_size = 0
)");
    return chaos_node_flags(port, config, cluster_herald_args(set));
}

} // namespace

TEST(RedisClusterChaos, KillRestartAndMasterFailoverLoseNothingUnannounced) {
    const ChaosLog log("redis cluster chaos");
    RedisClusterSet set;
    ChaosNodes nodes(3, [&](std::uint16_t port) { return node_args(set, port); });
    const std::size_t clients = chaos_clients(200);
    NginxServer nginx(nodes.ports(), static_cast<unsigned>(2 * clients + 256));

    const auto channels = chaos_channels(kChannels, kNoHistory);
    ResumingCrowd crowd(
        nginx.port(),
        "token=" + make_token({{"sub", "crowd"}, {"channels", {"chan:*", "nohist:*"}}}, 3600));
    ASSERT_TRUE(start_crowd(crowd, channels, clients, nodes, log));

    SteadyPublisher publisher(nginx.port(), channels, kPublishRate);
    publisher.start();
    std::this_thread::sleep_for(kPause);

    log.say("kill -9 node A (" + std::to_string(nodes.port(0)) + ")");
    nodes.kill(0);
    std::this_thread::sleep_for(kPause);

    log.say("restart node B (" + std::to_string(nodes.port(1)) + "): SIGTERM, then start again");
    nodes.restart(1);
    std::this_thread::sleep_for(kPause);

    const auto slot = set.slot_of("chan:00");
    const auto owner = set.owner(slot);
    ASSERT_NE(owner, 0);
    std::size_t on_owner = 0;
    for (const auto& channel : channels)
        on_owner += set.owner(set.slot_of(channel)) == owner ? 1 : 0;
    log.say("kill -9 the Redis master " + std::to_string(owner) + ", owner of " +
            std::to_string(on_owner) + " of the " + std::to_string(channels.size()) +
            " channels' slots");
    set.node(owner).kill();
    const auto promoted = set.wait_new_owner(slot, owner);
    ASSERT_NE(promoted, 0) << set.log();
    log.say("the cluster promoted " + std::to_string(promoted));
    for (int i = 1; i < 3; ++i)
        EXPECT_TRUE(wait_ready(nodes.port(i), Millis{15'000})) << "node " << nodes.port(i);
    log.say("nodes B and C ready again");
    std::this_thread::sleep_for(kPause);

    const ChaosCounts counts = finish_and_audit(publisher, crowd, log);
    EXPECT_TRUE(counts.all.clean()) << counts.all;
    EXPECT_EQ(counts.all.subscribers, clients);
    EXPECT_GT(counts.all.published, kPublishRate * 8) << "the publisher hardly published";
    EXPECT_GT(counts.all.reconnects, 0u);
    EXPECT_GT(counts.all.recovered, 0u)
        << "no reconnect recovered anything from the shared history";
    EXPECT_EQ(counts.all.delivered + counts.all.covered_by_reset, counts.all.expected);
    EXPECT_GT(counts.without_history.resets, 0u)
        << "a resume on a channel without history is a reset";
}
