// Issue 13 section 4, "the same chaos with Sentinel, smaller": three herald
// nodes behind the shipped nginx site, finding their master through three
// sentinels (Debian's redis-sentinel; a master and one replica), about 200
// subscribers (HERALD_CHAOS_CLIENTS; tests/CMakeLists.txt), half SSE and half
// WebSocket, one channel each, and a publisher at a steady rate; then kill -9
// of one node, a restart of another, and kill -9 of the Redis master, which
// the sentinels replace by the replica. Audited as in ClusterChaos: every
// accepted event reached every subscriber exactly once and in order, or the
// subscriber was told by a reset; the counts are printed.
//
// With shared history the failover loses nothing the replica had received,
// and on loopback replication keeps up, so the channels with history should
// need no reset; an event accepted a moment before the kill that did not
// reach the replica is allowed, but only announced by a reset (the nodes see
// the new master's stream end before what they delivered). Presence is
// checked after the node's kill as in ClusterChaos.
#include "auth_fixture.hpp"
#include "chaos_scenario.hpp"
#include "redis_sentinel_set.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChannels = 20;
constexpr std::size_t kNoHistory = 4;
constexpr unsigned kPublishRate = 60; // events per second over all channels
constexpr Millis kPause{4000};
constexpr const char* kPresenceChannel = "quiet:chaos";
constexpr long kPresenceTtlMs = 1500;

std::vector<std::string> node_args(const RedisSentinelSet& set, std::uint16_t port) {
    static const std::string config = write_temp_file("sentinel-chaos.toml", R"(
[[namespace]]
pattern = "quiet:*"
presence = true
[[namespace]]
pattern = "nohist:*"
history_size = 0
)");
    return chaos_node_flags(port, config,
                            {"--redis-sentinels", set.addresses(), "--redis-master-name",
                             "mymaster", "--canary-interval", "1s", "--canary-timeout", "500ms",
                             "--presence-ttl", std::to_string(kPresenceTtlMs) + "ms"});
}

} // namespace

TEST(SentinelChaos, KillRestartAndMasterFailoverLoseNothingUnannounced) {
    const ChaosLog log("sentinel chaos");
    RedisSentinelSet set;
    const auto old_master = set.master().port();
    ChaosNodes nodes(3, [&](std::uint16_t port) { return node_args(set, port); });
    const std::size_t clients = chaos_clients(200);
    NginxServer nginx(nodes.ports(), static_cast<unsigned>(2 * clients + 256));

    const auto channels = chaos_channels(kChannels, kNoHistory);
    ResumingCrowd crowd(
        nginx.port(),
        "token=" + make_token({{"sub", "crowd"}, {"channels", {"chan:*", "nohist:*"}}}, 3600));
    ASSERT_TRUE(start_crowd(crowd, channels, clients, nodes, log));
    PresenceProbe presence(nodes, kPresenceChannel, kPresenceTtlMs);
    presence.join_all();

    SteadyPublisher publisher(nginx.port(), channels, kPublishRate);
    publisher.start();
    std::this_thread::sleep_for(kPause);

    log.say("kill -9 node A (" + std::to_string(nodes.port(0)) + ")");
    const auto killed = Clock::now();
    nodes.kill(0);
    presence.check_after_kill(0, killed, log);
    presence.leave_all();
    std::this_thread::sleep_for(kPause);

    log.say("restart node B (" + std::to_string(nodes.port(1)) + "): SIGTERM, then start again");
    nodes.restart(1);
    std::this_thread::sleep_for(kPause);

    log.say("kill -9 the Redis master (" + std::to_string(old_master) + ")");
    set.master().kill();
    const auto promoted = set.wait_failover(old_master, Millis{20'000});
    ASSERT_EQ(promoted, set.replica().port()) << set.log();
    log.say("the sentinels promoted the replica (" + std::to_string(promoted) + ")");
    for (int i = 1; i < 3; ++i)
        EXPECT_TRUE(wait_ready(nodes.port(i), Millis{15'000})) << "node " << nodes.port(i);
    log.say("nodes B and C ready again");
    std::this_thread::sleep_for(kPause);

    const ChaosCounts counts = finish_and_audit(publisher, crowd, log);
    EXPECT_TRUE(counts.all.clean()) << counts.all;
    EXPECT_EQ(counts.all.subscribers, clients);
    EXPECT_GT(counts.all.published, kPublishRate * 8) << "the publisher hardly published";
    EXPECT_GT(counts.all.refused, 0u) << "no publish was refused while there was no master";
    EXPECT_GT(counts.all.recovered, 0u)
        << "no reconnect recovered anything from the shared history";
    EXPECT_GT(counts.all.reconnects, 0u);
    EXPECT_EQ(counts.all.delivered + counts.all.covered_by_reset, counts.all.expected);
    EXPECT_GT(counts.without_history.resets, 0u)
        << "a resume on a channel without history is a reset";
}
