#include "herald/broker/redis/subscription_tracker.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using Kind = SubscribeAck::Kind;
using Names = std::vector<std::string>;

namespace {

SubscribeAck sub_ack(std::string ch) {
    return {Kind::subscribe, std::move(ch), 1};
}
SubscribeAck unsub_ack(std::string ch) {
    return {Kind::unsubscribe, std::move(ch), 0};
}

struct TrackerTest : ::testing::Test {
    SubscriptionTracker t;

    // Subscribes `ch` all the way: want, send, ack.
    void subscribed(const std::string& ch) {
        t.want(ch);
        ASSERT_EQ(t.take_subscribes(), Names{ch});
        ASSERT_TRUE(t.on_ack(sub_ack(ch)));
        ASSERT_TRUE(t.is_subscribed(ch));
    }
};

TEST_F(TrackerTest, NothingIsSentWhileDisconnected) {
    t.want("a");
    EXPECT_TRUE(t.take_subscribes().empty());
    EXPECT_FALSE(t.settled());
    t.on_connect();
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    EXPECT_TRUE(t.take_subscribes().empty());
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_EQ(t.in_flight(), 1u);
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.is_subscribed("a"));
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, WantAndUnwantAreIdempotent) {
    t.on_connect();
    t.want("a");
    t.want("a");
    EXPECT_EQ(t.wanted_count(), 1u);
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    t.want("a");
    EXPECT_TRUE(t.take_subscribes().empty());
    t.unwant("b");
    EXPECT_EQ(t.wanted_count(), 1u);
    EXPECT_TRUE(t.take_unsubscribes().empty());
}

TEST_F(TrackerTest, UnwantSendsUnsubscribe) {
    t.on_connect();
    subscribed("a");
    t.unwant("a");
    EXPECT_TRUE(t.is_subscribed("a")); // until Redis says otherwise
    EXPECT_EQ(t.take_unsubscribes(), Names{"a"});
    EXPECT_TRUE(t.on_ack(unsub_ack("a")));
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_EQ(t.wanted_count(), 0u);
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, WantThenUnwantBeforeAnythingIsSentSendsNothing) {
    t.on_connect();
    t.want("a");
    t.unwant("a");
    EXPECT_TRUE(t.take_subscribes().empty());
    EXPECT_TRUE(t.take_unsubscribes().empty());
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, FlapWhileSubscribeInFlightWithoutTakingInBetween) {
    t.on_connect();
    t.want("a");
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    t.unwant("a");
    t.want("a"); // back to the state the in-flight SUBSCRIBE gives
    EXPECT_TRUE(t.take_subscribes().empty());
    EXPECT_TRUE(t.take_unsubscribes().empty());
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.is_subscribed("a"));
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, FlapWhileSubscribeInFlightSendsEachChange) {
    t.on_connect();
    t.want("a");
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    t.unwant("a");
    EXPECT_EQ(t.take_unsubscribes(), Names{"a"});
    t.want("a");
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    EXPECT_EQ(t.in_flight(), 3u);
    // Redis applies SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE and acks in that order.
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.is_subscribed("a"));
    EXPECT_TRUE(t.on_ack(unsub_ack("a")));
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_FALSE(t.settled());
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.is_subscribed("a"));
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, UnwantWhileSubscribeInFlightEndsUnsubscribed) {
    t.on_connect();
    t.want("a");
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    t.unwant("a");
    EXPECT_EQ(t.take_unsubscribes(), Names{"a"});
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.on_ack(unsub_ack("a")));
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_TRUE(t.settled());
    EXPECT_TRUE(t.wanted().empty());
}

TEST_F(TrackerTest, WantWhileUnsubscribeInFlightEndsSubscribed) {
    t.on_connect();
    subscribed("a");
    t.unwant("a");
    EXPECT_EQ(t.take_unsubscribes(), Names{"a"});
    t.want("a");
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    EXPECT_TRUE(t.on_ack(unsub_ack("a")));
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.is_subscribed("a"));
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, ReconnectReplaysEverythingWanted) {
    t.on_connect();
    for (const auto* ch : {"a", "b", "c"}) {
        subscribed(ch);
    }
    t.on_disconnect();
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_TRUE(t.take_subscribes().empty());
    t.unwant("b");
    t.want("d");
    EXPECT_EQ(t.wanted(), (Names{"a", "c", "d"}));
    t.on_connect();
    EXPECT_TRUE(t.take_unsubscribes().empty()); // b died with the connection
    EXPECT_EQ(t.take_subscribes(), (Names{"a", "c", "d"}));
    for (const auto* ch : {"a", "c", "d"}) {
        EXPECT_TRUE(t.on_ack(sub_ack(ch)));
    }
    EXPECT_TRUE(t.settled());
}

TEST_F(TrackerTest, DisconnectWithCommandsInFlight) {
    t.on_connect();
    subscribed("kept");
    subscribed("dropped");
    t.want("new");
    EXPECT_EQ(t.take_subscribes(), Names{"new"});
    t.unwant("dropped");
    EXPECT_EQ(t.take_unsubscribes(), Names{"dropped"});
    t.on_disconnect(); // both acks are lost with the connection
    EXPECT_EQ(t.in_flight(), 0u);
    EXPECT_FALSE(t.on_ack(sub_ack("new")));
    t.on_connect();
    EXPECT_TRUE(t.take_unsubscribes().empty());
    EXPECT_EQ(t.take_subscribes(), (Names{"kept", "new"}));
    EXPECT_FALSE(t.is_wanted("dropped"));
}

TEST_F(TrackerTest, ConnectWhileConnectedStartsOver) {
    t.on_connect();
    subscribed("a");
    t.on_connect();
    EXPECT_FALSE(t.is_subscribed("a"));
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
}

TEST_F(TrackerTest, BatchesAreBounded) {
    for (int i = 0; i < 1300; ++i) {
        t.want("ch:" + std::to_string(i));
    }
    t.on_connect();
    EXPECT_EQ(t.take_subscribes().size(), 512u);
    EXPECT_EQ(t.take_subscribes().size(), 512u);
    EXPECT_EQ(t.take_subscribes().size(), 276u);
    EXPECT_TRUE(t.take_subscribes().empty());
    EXPECT_EQ(t.take_subscribes(0).size(), 0u);
    EXPECT_EQ(t.in_flight(), 1300u);
    const auto two = [&] {
        t.unwant("ch:1");
        t.unwant("ch:2");
        t.unwant("ch:3");
        return t.take_unsubscribes(2);
    }();
    EXPECT_EQ(two, (Names{"ch:1", "ch:2"}));
    EXPECT_EQ(t.take_unsubscribes(2), Names{"ch:3"});
}

TEST_F(TrackerTest, UnexpectedAcksAreReported) {
    EXPECT_FALSE(t.on_ack(sub_ack("a"))); // disconnected
    t.on_connect();
    EXPECT_FALSE(t.on_ack(sub_ack("a"))); // never asked
    t.want("a");
    EXPECT_FALSE(t.on_ack(sub_ack("a"))); // not sent yet
    EXPECT_EQ(t.take_subscribes(), Names{"a"});
    EXPECT_FALSE(t.on_ack(unsub_ack("a"))); // wrong kind
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_FALSE(t.on_ack(sub_ack("a"))); // duplicate
    EXPECT_TRUE(t.is_subscribed("a"));
    EXPECT_TRUE(t.settled());
}

} // namespace

TEST_F(TrackerTest, NotLiveWhileAnUnsubscribeIsInFlight) {
    // The last subscriber left (UNSUBSCRIBE sent) and a new one came before
    // Redis answered: Redis applies the UNSUBSCRIBE first, so the channel is
    // not live until the new SUBSCRIBE is acknowledged too.
    t.on_connect();
    subscribed("a");
    EXPECT_TRUE(t.is_live("a"));
    t.unwant("a");
    ASSERT_EQ(t.take_unsubscribes(), Names{"a"});
    t.want("a");
    ASSERT_EQ(t.take_subscribes(), Names{"a"});
    EXPECT_FALSE(t.is_live("a"));
    EXPECT_TRUE(t.on_ack(unsub_ack("a")));
    EXPECT_FALSE(t.is_live("a"));
    EXPECT_TRUE(t.on_ack(sub_ack("a")));
    EXPECT_TRUE(t.is_live("a"));
    t.on_disconnect();
    EXPECT_FALSE(t.is_live("a"));
}
