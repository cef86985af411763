#include "herald/broker/redis/canary.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace std::chrono_literals;
using Kind = Canary::Decision::Kind;

namespace {

const Canary::Clock::time_point t0{std::chrono::hours{1}};

struct CanaryTest : ::testing::Test {
    Canary canary{5000ms, 2000ms};

    // Connects and sends the first canary at `at`, as the handshake does.
    std::string first(Canary::Clock::time_point at) {
        canary.on_connect();
        canary.on_activity(at);
        return canary.send(at);
    }
};

TEST_F(CanaryTest, NothingIsDueBeforeTheHandshakeSendsTheFirst) {
    canary.on_connect();
    EXPECT_EQ(canary.check(t0).kind, Kind::ok);
    EXPECT_EQ(canary.check(t0 + 1h).kind, Kind::ok); // the handshake's timeout applies
    EXPECT_FALSE(canary.outstanding());
}

TEST_F(CanaryTest, AnEchoInTimeProvesTheSubscriptionAndGivesTheRoundTrip) {
    const auto nonce = first(t0);
    EXPECT_TRUE(canary.outstanding());
    EXPECT_EQ(canary.check(t0 + 1999ms).kind, Kind::ok);
    const auto rtt = canary.on_echo(nonce, t0 + 3ms);
    ASSERT_TRUE(rtt);
    EXPECT_EQ(*rtt, 3ms);
    EXPECT_FALSE(canary.outstanding());
    EXPECT_FALSE(canary.on_echo(nonce, t0 + 4ms)); // a duplicate proves nothing more
}

TEST_F(CanaryTest, TheNextCanaryIsDueOneIntervalAfterTheLastWasSent) {
    const auto nonce = first(t0);
    ASSERT_TRUE(canary.on_echo(nonce, t0 + 10ms));
    EXPECT_EQ(canary.check(t0 + 4999ms).kind, Kind::ok);
    EXPECT_EQ(canary.check(t0 + 5000ms).kind, Kind::send);
    const auto second = canary.send(t0 + 5000ms);
    EXPECT_NE(second, nonce);
    // Only one at a time: no second send while this one is out, even once
    // the next would be due.
    canary.on_activity(t0 + 9s);
    EXPECT_EQ(canary.check(t0 + 10s).kind, Kind::ok);
}

TEST_F(CanaryTest, LateWithASilentConnectionIsDead) {
    first(t0);
    EXPECT_EQ(canary.check(t0 + 2000ms).kind, Kind::ok); // exactly the timeout is fine
    const auto decision = canary.check(t0 + 2001ms);
    EXPECT_EQ(decision.kind, Kind::dead);
    EXPECT_EQ(decision.reason, "the subscription canary did not come back within 2000 ms");
}

TEST_F(CanaryTest, LateButTheSubscriberStillDeliversIsNotDead) {
    first(t0);
    // A backlog of messages ahead of the canary keeps the connection busy.
    canary.on_activity(t0 + 1500ms);
    EXPECT_EQ(canary.check(t0 + 3000ms).kind, Kind::ok);
    canary.on_activity(t0 + 3000ms);
    EXPECT_EQ(canary.check(t0 + 4500ms).kind, Kind::ok);
    // Then silence, for longer than the timeout: dead.
    EXPECT_EQ(canary.check(t0 + 5001ms).kind, Kind::dead);
}

TEST_F(CanaryTest, AStaleNonceDoesNotCountAsTheAwaitedCanary) {
    const auto old = first(t0);
    ASSERT_TRUE(canary.on_echo(old, t0 + 1ms));
    canary.send(t0 + 5s);
    EXPECT_FALSE(canary.on_echo(old, t0 + 5s + 1ms)); // the previous canary, echoed again
    EXPECT_FALSE(canary.on_echo("garbage", t0 + 5s + 1ms));
    EXPECT_TRUE(canary.outstanding());
    EXPECT_EQ(canary.check(t0 + 7001ms).kind, Kind::dead);
}

TEST_F(CanaryTest, ReconnectForgetsTheOutstandingCanaryButNotTheNonces) {
    const auto before = first(t0);
    canary.on_connect(); // the connection was rebuilt before the echo came
    EXPECT_FALSE(canary.outstanding());
    EXPECT_EQ(canary.check(t0 + 1h).kind, Kind::ok);
    EXPECT_FALSE(canary.on_echo(before, t0 + 1s));
    const auto after = canary.send(t0 + 1s);
    EXPECT_NE(after, before);
    EXPECT_FALSE(canary.on_echo(before, t0 + 1s)); // from the old connection
    EXPECT_TRUE(canary.on_echo(after, t0 + 1s));
}

} // namespace
