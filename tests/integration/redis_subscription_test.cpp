// herald's Redis subscriptions follow its local subscribers: dynamic
// SUBSCRIBE/UNSUBSCRIBE, a publish right after "subscribed", the channel
// prefix, and subscribing while an UNSUBSCRIBE is in flight.
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace herald_test;

namespace {

bool is_canary(const std::string& redis_channel, const std::string& prefix = {}) {
    return redis_channel.rfind(prefix + "!herald-canary:", 0) == 0 &&
           redis_channel.size() > prefix.size() + 15;
}

// PUBSUB CHANNELS without herald's canary channel.
std::vector<std::string> client_channels(const RedisServer& redis, const std::string& prefix = {}) {
    std::vector<std::string> out;
    for (auto& c : redis.pubsub_channels())
        if (!is_canary(c, prefix))
            out.push_back(c);
    return out;
}

} // namespace

TEST(RedisSubscriptions, FollowTheLocalSubscribers) {
    RedisHerald node;
    auto& redis = node.redis;
    // Before any subscriber: only herald's canary.
    auto channels = redis.pubsub_channels();
    ASSERT_EQ(channels.size(), 1u) << ::testing::PrintToString(channels);
    EXPECT_TRUE(is_canary(channels[0])) << channels[0];

    {
        SseClient first(node.port(), events_target({"user:1"}));
        // Told it is subscribed only once Redis confirmed: no polling needed.
        EXPECT_EQ(client_channels(redis), std::vector<std::string>{"user:1"});
        EXPECT_EQ(redis.pubsub_numsub("user:1"), 1);
        {
            SseClient second(node.port(), events_target({"user:1"}));
            WsClient third(node.port(), ws_target({"user:1", "user:2"}));
            ASSERT_TRUE(third.wait_subscribed("user:1"));
            ASSERT_TRUE(third.wait_subscribed("user:2"));
            EXPECT_EQ(client_channels(redis), (std::vector<std::string>{"user:1", "user:2"}));
            EXPECT_EQ(redis.pubsub_numsub("user:1"), 1) << "one Redis subscription per node";

            // A WS unsubscribe leaves user:2 without local subscribers.
            ASSERT_FALSE(third.send_json({{"type", "unsubscribe"}, {"channel", "user:2"}}));
            auto answer = third.next_json();
            ASSERT_TRUE(answer);
            EXPECT_EQ(answer->value("type", ""), "unsubscribed");
            EXPECT_TRUE(wait_until([&] {
                return client_channels(redis) == std::vector<std::string>{"user:1"};
            })) << ::testing::PrintToString(redis.pubsub_channels());

            // ... and a WS subscribe brings it back.
            ASSERT_FALSE(third.send_json({{"type", "subscribe"}, {"channel", "user:3"}}));
            ASSERT_TRUE(third.wait_subscribed("user:3"));
            EXPECT_EQ(client_channels(redis), (std::vector<std::string>{"user:1", "user:3"}));
            EXPECT_EQ(redis.cli("PUBLISH", "user:3", "right after subscribed"), "1\n");
            auto frame = third.next_json();
            ASSERT_TRUE(frame);
            EXPECT_EQ((*frame)["data"], "right after subscribed");
        }
        // Two of three subscribers of user:1 left; user:3's only one left.
        EXPECT_TRUE(wait_until([&] {
            return client_channels(redis) == std::vector<std::string>{"user:1"};
        })) << ::testing::PrintToString(redis.pubsub_channels());
        EXPECT_EQ(node.redis.cli("PUBLISH", "user:1", "still here"), "1\n");
        auto event = first.next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->data, "still here");
    }
    // The last subscriber left: UNSUBSCRIBE.
    EXPECT_TRUE(wait_until([&] { return client_channels(redis).empty(); }))
        << ::testing::PrintToString(redis.pubsub_channels());
    channels = redis.pubsub_channels();
    ASSERT_EQ(channels.size(), 1u) << ::testing::PrintToString(channels);
    EXPECT_TRUE(is_canary(channels[0]));
    EXPECT_EQ(redis.cli("PUBLISH", "user:1", "nobody listens"), "0\n");
}

TEST(RedisSubscriptions, PublishRightAfterSubscribedIsReceived) {
    RedisHerald node;
    RedisConnection redis(node.redis.port());
    // Fresh channels each time: each subscription is a new Redis SUBSCRIBE.
    for (int i = 0; i < 20; ++i) {
        const std::string channel = "fresh:" + std::to_string(i);
        SseClient sse(node.port(), events_target({channel}));
        WsClient ws(node.port(), ws_target({channel + "-ws"}));
        ASSERT_TRUE(ws.wait_subscribed(channel + "-ws"));
        EXPECT_EQ(redis.publish(channel, "hello " + channel), 1);
        EXPECT_EQ(redis.publish(channel + "-ws", "hello ws " + channel), 1);
        auto event = sse.next_event(Millis{2000});
        ASSERT_TRUE(event) << channel;
        EXPECT_EQ(event->data, "hello " + channel);
        auto frame = ws.next_json(Millis{2000});
        ASSERT_TRUE(frame) << channel;
        EXPECT_EQ((*frame)["data"], "hello ws " + channel);
    }
}

TEST(RedisSubscriptions, ChannelPrefixMapsRedisChannels) {
    RedisHerald node({"--channel-prefix", "app:"});
    auto channels = node.redis.pubsub_channels();
    ASSERT_EQ(channels.size(), 1u) << ::testing::PrintToString(channels);
    EXPECT_TRUE(is_canary(channels[0], "app:"))
        << "the canary lives under the prefix too: " << channels[0];

    SseClient sse(node.port(), events_target({"user:1"}));
    WsClient ws(node.port(), ws_target({"user:1"}));
    ASSERT_TRUE(ws.wait_subscribed("user:1"));
    EXPECT_EQ(client_channels(node.redis, "app:"), std::vector<std::string>{"app:user:1"});

    EXPECT_EQ(node.redis.cli("PUBLISH", "user:1", "unprefixed"), "0\n");
    EXPECT_EQ(node.redis.cli("PUBLISH", "app:user:1", "x"), "1\n");
    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data, "x");
    auto frame = ws.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("channel", ""), "user:1");
    EXPECT_EQ((*frame)["data"], "x");

    // POST /publish goes out under the prefix as well.
    const auto id = publish_event(node.port(), "user:1", {{"via", "herald"}}, "note");
    auto published = sse.next_event();
    ASSERT_TRUE(published);
    EXPECT_EQ(published->id, id);
    EXPECT_EQ(published->type, "note");
    auto published_frame = ws.next_json();
    ASSERT_TRUE(published_frame);
    EXPECT_EQ(published_frame->value("id", ""), id);
    expect_quiet(sse, ws);
}

// A channel whose last subscriber just left has an UNSUBSCRIBE in flight. A
// new subscriber arriving before Redis acknowledged it needs a new SUBSCRIBE,
// and must not be told it is live before Redis confirmed that one: until
// then, Redis may process the UNSUBSCRIBE and drop what is published in
// between. Redis is paused (kill -STOP) to hold both commands unanswered.
TEST(RedisSubscriptions, ResubscribeWhileUnsubscribeInFlightWaitsForRedis) {
    RedisHerald node;
    auto first = std::make_unique<SseClient>(node.port(), events_target({"reload"}));
    ASSERT_EQ(node.redis.pubsub_numsub("reload"), 1);
    // Start right after a canary came back, so that it does not fail meanwhile.
    ASSERT_TRUE(wait_ready(node.port()));

    node.redis.pause();
    first.reset(); // the page reloads: its old connection closes...
    ASSERT_TRUE(wait_until([&] { return connection_counts(node.port()).sse == 0; }));
    std::this_thread::sleep_for(Millis{20}); // herald's hub has sent UNSUBSCRIBE reload

    using Clock = std::chrono::steady_clock;
    // ... and the new one subscribes to the same channel.
    auto start = Clock::now();
    SseClient second(node.port(), events_target({"reload"}), {}, Millis{3000});
    const auto reload_wait = since(start);
    // For comparison, a channel never subscribed before.
    start = Clock::now();
    SseClient fresh(node.port(), events_target({"fresh"}), {}, Millis{3000});
    const auto fresh_wait = since(start);
    node.redis.resume();

    EXPECT_GE(reload_wait.count(), 400)
        << "told live after " << reload_wait.count()
        << " ms although Redis (stopped) has confirmed neither the UNSUBSCRIBE nor the new "
           "SUBSCRIBE; a channel never subscribed waited "
        << fresh_wait.count() << " ms (canary_timeout)";
    EXPECT_GE(fresh_wait.count(), 400);

    // Once Redis is back, both are subscribed and receive.
    ASSERT_TRUE(wait_ready(node.port(), Millis{8000})) << readyz(node.port()).body;
    RedisConnection redis(node.redis.port());
    ASSERT_TRUE(publish_until_received(redis, "reload", "after reload", Millis{2000}));
    auto event = second.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data, "after reload");
}

// A subscriber to a live channel plus a new one waits for Redis to confirm the
// new one; events that reach the live channel meanwhile must still reach it,
// once each, in order.
TEST(RedisSubscriptions, NewChannelWaitLosesAndDuplicatesNothingOnLiveOnes) {
    RedisHerald node({"--max-queued-bytes", "64MiB"});
    SseClient keeper(node.port(), events_target({"busy"})); // keeps "busy" live
    struct Publisher {
        std::atomic<bool> stop{false};
        std::atomic<long long> published{0};
        std::thread thread;
        ~Publisher() {
            stop = true;
            if (thread.joinable())
                thread.join();
        }
    } publisher;
    const auto redis_port = node.redis.port();
    publisher.thread = std::thread([&publisher, redis_port] {
        RedisConnection redis(redis_port);
        // A steady stream (a few thousand per second), well below what
        // herald absorbs even in a sanitizer build: this is about the
        // subscription hand-over, not overload.
        for (long long n = 0; !publisher.stop; ++n) {
            redis.publish("busy", std::to_string(n));
            publisher.published = n + 1;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    });
    ASSERT_TRUE(wait_until([&] { return publisher.published > 100; }));

    for (int i = 0; i < 30; ++i) {
        SseClient client(node.port(), events_target({"busy", "fresh:" + std::to_string(i)}));
        auto events = client.next_events(200, Millis{3000});
        ASSERT_EQ(events.size(), 200u) << "iteration " << i;
        for (std::size_t k = 1; k < events.size(); ++k)
            ASSERT_EQ(std::stoll(events[k].data), std::stoll(events[k - 1].data) + 1)
                << "iteration " << i << ", event " << k << ": a gap or a duplicate";
    }
    EXPECT_EQ(metric_value(node.port(), "herald_redis_canary_failures_total"), 0.0)
        << "the bridge reconnected meanwhile: the test did not test what it should";
}
