#include "herald/broker/redis/subscriber_router.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using Router = SubscriberRouter;
using Names = std::vector<std::string>;

namespace {

Reply message(std::string channel, std::string payload) {
    return array({bulk("message"), bulk(std::move(channel)), bulk(std::move(payload))});
}

Reply subscribed(std::string channel, long long count = 1) {
    return array({bulk("subscribe"), bulk(std::move(channel)), integer(count)});
}

Reply unsubscribed(std::string channel, long long count = 0) {
    return array({bulk("unsubscribe"), bulk(std::move(channel)), integer(count)});
}

struct RouterTest : ::testing::Test {
    Router router{"app:", "app:!herald-canary:42"};
    SubscriptionTracker tracker;

    Router::Action route(Reply reply) { return router.route(std::move(reply), tracker); }

    std::string reconnect_reason(Reply reply) {
        auto action = route(std::move(reply));
        auto* reconnect = std::get_if<Router::Reconnect>(&action);
        return reconnect ? reconnect->reason : "(no reconnect)";
    }
};

TEST_F(RouterTest, MessagesAreDeliveredUnderTheirHeraldName) {
    auto action = route(message("app:news", "{\"x\":1}"));
    auto* deliver = std::get_if<Router::Deliver>(&action);
    ASSERT_NE(deliver, nullptr);
    EXPECT_EQ(deliver->channel, "news");
    EXPECT_EQ(deliver->payload, "{\"x\":1}");
    // Outside the prefix: some other application's channel, not ours.
    EXPECT_TRUE(std::holds_alternative<Router::Ignore>(route(message("other:news", "x"))));
}

TEST_F(RouterTest, TheCanaryChannelIsNeverDeliveredToClients) {
    auto echo = route(message("app:!herald-canary:42", "7"));
    ASSERT_TRUE(std::holds_alternative<Router::CanaryEcho>(echo));
    EXPECT_EQ(std::get<Router::CanaryEcho>(echo).payload, "7");
    EXPECT_TRUE(std::holds_alternative<Router::CanarySubscribed>(
        route(subscribed("app:!herald-canary:42"))));
    EXPECT_EQ(tracker.in_flight(), 0u); // the tracker never hears of it
}

TEST_F(RouterTest, ExpectedAcksAdvanceTheTracker) {
    tracker.on_connect();
    tracker.want("news");
    ASSERT_EQ(tracker.take_subscribes(), Names{"news"});
    auto action = route(subscribed("app:news"));
    ASSERT_TRUE(std::holds_alternative<Router::Confirmed>(action));
    EXPECT_EQ(std::get<Router::Confirmed>(action).channel, "news") << "as the tracker names it";
    EXPECT_TRUE(tracker.is_live("news"));
    tracker.unwant("news");
    ASSERT_EQ(tracker.take_unsubscribes(), Names{"news"});
    EXPECT_TRUE(std::holds_alternative<Router::Confirmed>(route(unsubscribed("app:news"))));
    EXPECT_FALSE(tracker.is_subscribed("news"));
    EXPECT_TRUE(tracker.settled());
}

TEST_F(RouterTest, AnAckTheTrackerDidNotExpectMeansReconnect) {
    tracker.on_connect();
    // Never asked for: the tracker returns false and the router must not
    // swallow that (it used to be ignored, leaving the state diverged).
    EXPECT_EQ(reconnect_reason(subscribed("app:ghost")),
              "unexpected subscribe ack for channel 'ghost': subscription state out of step with "
              "Redis");
    tracker.want("news");
    ASSERT_EQ(tracker.take_subscribes(), Names{"news"});
    // Wrong kind: an UNSUBSCRIBE ack while a SUBSCRIBE is in flight.
    EXPECT_EQ(reconnect_reason(unsubscribed("app:news")),
              "unexpected unsubscribe ack for channel 'news': subscription state out of step with "
              "Redis");
    EXPECT_TRUE(std::holds_alternative<Router::Confirmed>(route(subscribed("app:news"))));
    // A duplicate of an ack already taken.
    EXPECT_NE(reconnect_reason(subscribed("app:news")).find("unexpected subscribe ack"),
              std::string::npos);
}

TEST_F(RouterTest, AnAckAfterTheTrackerLostTheConnectionMeansReconnect) {
    tracker.on_connect();
    tracker.want("news");
    ASSERT_EQ(tracker.take_subscribes(), Names{"news"});
    tracker.on_disconnect();
    EXPECT_NE(reconnect_reason(subscribed("app:news")), "(no reconnect)");
}

TEST_F(RouterTest, AcksOutsideThePrefixAreIgnored) {
    tracker.on_connect();
    EXPECT_TRUE(std::holds_alternative<Router::Ignore>(route(subscribed("other:news"))));
}

TEST_F(RouterTest, AnErrorReplyMeansReconnect) {
    Reply e;
    e.type = Reply::Type::error;
    e.str = "NOPERM this user has no permissions to access the 'app:x' channel";
    EXPECT_EQ(reconnect_reason(e), "Redis error on the subscriber connection: " + e.str);
}

TEST_F(RouterTest, OtherRepliesAreIgnored) {
    Reply pong;
    pong.type = Reply::Type::status;
    pong.str = "PONG";
    EXPECT_TRUE(std::holds_alternative<Router::Ignore>(route(pong)));
    EXPECT_TRUE(std::holds_alternative<Router::Ignore>(route(integer(3))));
    EXPECT_TRUE(std::holds_alternative<Router::Ignore>(
        route(array({bulk("pmessage"), bulk("app:*"), bulk("app:x"), bulk("p")}))));
}

TEST(SubscriberRouter, CanaryChannelsAreNodePrivateAndBehindThePrefix) {
    EXPECT_EQ(Router::canary_channel_for("app:", 0x2a), "app:!herald-canary:000000000000002a");
    EXPECT_NE(Router::canary_channel_for("app:", 1), Router::canary_channel_for("app:", 2));
}

TEST(SubscriberRouter, AnEmptyPrefixMapsNamesUnchanged) {
    Router router{"", "!herald-canary:1"};
    SubscriptionTracker tracker;
    auto action = router.route(message("news", "x"), tracker);
    ASSERT_TRUE(std::holds_alternative<Router::Deliver>(action));
    EXPECT_EQ(std::get<Router::Deliver>(action).channel, "news");
    EXPECT_TRUE(std::holds_alternative<Router::CanaryEcho>(
        router.route(message("!herald-canary:1", "1"), tracker)));
}

} // namespace
