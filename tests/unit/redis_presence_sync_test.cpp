// When shared presence reads, holds and trusts: the snapshot after the
// subscription, deltas held until it is in, the first one silent, liveness
// of other nodes, and what must be written again after a reconnect.
#include "herald/broker/redis/presence_sync.hpp"

#include <gtest/gtest.h>

using herald::Presence;
using herald::redis::PresenceSync;
using Delta = PresenceSync::Delta;
using namespace std::chrono_literals;

namespace {

const auto t0 = PresenceSync::Clock::time_point{} + 1h;

Presence::Entry delta(std::string node, std::string user, std::uint64_t n) {
    return {std::move(node), "room:1", std::move(user), n, ""};
}

} // namespace

TEST(PresenceSync, ASnapshotFollowsTheSubscriptionAndHeldDeltasFollowIt) {
    PresenceSync sync("me", 3s);
    EXPECT_TRUE(sync.announcing("room:1")) << "a channel nobody follows has nothing to wait for";
    EXPECT_FALSE(sync.synced("room:1"));
    sync.follow("room:1");
    EXPECT_FALSE(sync.announcing("room:1"));
    EXPECT_EQ(sync.on_delta(delta("n2", "a", 1), t0), Delta::ignore) << "not subscribed yet";
    EXPECT_FALSE(sync.on_subscribed("room:2")) << "not followed";
    ASSERT_TRUE(sync.on_subscribed("room:1"));
    EXPECT_FALSE(sync.on_subscribed("room:1")) << "one read at a time";

    EXPECT_EQ(sync.on_delta(delta("n2", "a", 1), t0), Delta::hold);
    EXPECT_EQ(sync.on_delta(delta("n2", "a", 2), t0), Delta::hold);
    EXPECT_EQ(sync.on_delta(delta("me", "b", 1), t0), Delta::ignore) << "our own come back";
    bool resend = true;
    auto snapshot = sync.on_snapshot("room:1", resend);
    ASSERT_TRUE(snapshot);
    EXPECT_FALSE(resend);
    EXPECT_TRUE(snapshot->initial);
    ASSERT_EQ(snapshot->held.size(), 2u);
    EXPECT_EQ(snapshot->held[1].connections, 2u) << "in order";
    EXPECT_TRUE(sync.announcing("room:1"));
    EXPECT_TRUE(sync.synced("room:1"));
    EXPECT_EQ(sync.on_delta(delta("n2", "a", 0), t0), Delta::apply);

    // After a reconnect it is read again, and that one is not the past.
    sync.on_disconnect();
    EXPECT_TRUE(sync.synced("room:1")) << "a stale view still answers";
    ASSERT_TRUE(sync.on_subscribed("room:1"));
    snapshot = sync.on_snapshot("room:1", resend);
    ASSERT_TRUE(snapshot);
    EXPECT_FALSE(snapshot->initial);
}

TEST(PresenceSync, AnUnfollowedOrOverflowingReadIsNotUsed) {
    PresenceSync sync("me", 3s);
    sync.follow("room:1");
    ASSERT_TRUE(sync.on_subscribed("room:1"));
    sync.unfollow("room:1");
    bool resend = false;
    EXPECT_FALSE(sync.on_snapshot("room:1", resend));
    EXPECT_FALSE(resend);

    sync.follow("room:1");
    ASSERT_TRUE(sync.on_subscribed("room:1"));
    for (std::size_t i = 0; i <= PresenceSync::max_held; ++i)
        sync.on_delta(delta("n2", "u" + std::to_string(i), 1), t0);
    EXPECT_FALSE(sync.on_snapshot("room:1", resend));
    EXPECT_TRUE(resend) << "too much happened while it was read: read again";
    auto again = sync.on_snapshot("room:1", resend);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->held.empty());
    EXPECT_TRUE(again->initial);
}

TEST(PresenceSync, AFailedReadIsRetriedOnTheNextRefresh) {
    PresenceSync sync("me", 3s);
    sync.follow("room:1");
    ASSERT_TRUE(sync.on_subscribed("room:1"));
    sync.on_snapshot_failed("room:1");
    EXPECT_FALSE(sync.announcing("room:1"));
    EXPECT_EQ(sync.take_retries(), std::vector<std::string>{"room:1"});
    EXPECT_TRUE(sync.take_retries().empty());
    bool resend = false;
    EXPECT_TRUE(sync.on_snapshot("room:1", resend));
}

TEST(PresenceSync, NodesNotHeardFromForTheTtlAreDeadOnce) {
    PresenceSync sync("me", 3s);
    sync.heard("n2", t0);
    sync.heard("n3", t0);
    sync.heard("me", t0);
    sync.on_delta(delta("n3", "a", 1), t0 + 2s); // a delta is a sign of life too
    EXPECT_TRUE(sync.expired(t0 + 2999ms).empty());
    EXPECT_EQ(sync.expired(t0 + 3s), std::vector<std::string>{"n2"});
    EXPECT_TRUE(sync.expired(t0 + 4s).empty()) << "once";
    // Nothing is heard while Redis is away: a reconnect starts the clocks afresh.
    sync.on_connect(t0 + 10s);
    EXPECT_TRUE(sync.expired(t0 + 12s).empty());
    EXPECT_EQ(sync.expired(t0 + 13s), std::vector<std::string>{"n3"});
}

TEST(PresenceSync, RefreshesComeEveryThirdOfTheTtl) {
    PresenceSync sync("me", 3s);
    EXPECT_TRUE(sync.refresh_due(t0));
    EXPECT_FALSE(sync.refresh_due(t0 + 999ms));
    EXPECT_TRUE(sync.refresh_due(t0 + 1s));
    sync.on_connect(t0 + 1100ms);
    EXPECT_TRUE(sync.refresh_due(t0 + 1100ms)) << "announce ourselves at once after a reconnect";
}

TEST(PresenceSync, ChangesMadeWhileAwayAreRemembered) {
    PresenceSync sync("me", 3s);
    sync.unsent("room:1", "42");
    sync.unsent("room:1", "42");
    sync.unsent("room:2", "7");
    const std::vector<std::pair<std::string, std::string>> expected{{"room:1", "42"},
                                                                    {"room:2", "7"}};
    EXPECT_EQ(sync.take_unsent(), expected);
    EXPECT_TRUE(sync.take_unsent().empty());
}
