// Redis outages under connected clients: a restart under 1,000 of them, a
// Redis that stops answering (kill -STOP), killed Redis connections, a
// restart with many channels, and a shutdown while Redis is stopped.
// Misconfigured or absent Redis at start: redis_config_fault_test.cpp.
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <thread>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

// POST /publish to a channel nobody listens to, until it answers `status`.
bool publish_answers(std::uint16_t port, unsigned status, Millis timeout) {
    return wait_until(
        [&] {
            try {
                return publish(port, {{"channel", "nobody:1"}, {"data", "probe"}}).status == status;
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout, Millis{50});
}

} // namespace

TEST(RedisFault, RestartKeepsThousandClientsConnectedAndResubscribes) {
    RedisHerald node({"--max-connections-per-ip", "0"}); // a thousand clients, one address
    Crowd crowd(node.port(), "crowd");
    crowd.open(500, 500);
    ASSERT_TRUE(crowd.wait_ready(30s)) << crowd.ready_count() << "/" << crowd.size()
                                       << " subscribed; first error: " << crowd.first_error();
    auto before = connection_counts(node.port());
    ASSERT_EQ(before.sse, 500);
    ASSERT_EQ(before.ws, 500);
    const auto reconnects_before =
        metric_value(node.port(), "herald_redis_reconnects_total").value_or(-1);

    node.redis.stop();
    // While Redis is down: not ready, publishing refused, clients untouched.
    auto down = wait_not_ready(node.port(), Millis{3000});
    ASSERT_TRUE(down) << "/readyz still 200 with Redis stopped";
    EXPECT_NE(reason_of(down).find("Redis"), std::string::npos) << down->dump();
    EXPECT_TRUE(publish_answers(node.port(), 503, Millis{3000}))
        << "POST /publish while Redis is down";
    EXPECT_EQ(http_get(node.port(), "/healthz").status, 200u);
    EXPECT_EQ(metric_value(node.port(), "herald_redis_connected"), 0.0);

    node.redis.start();
    const auto back = Clock::now();
    RedisConnection redis(node.redis.port());
    // "Events published after Redis is back arrive within 2 s": retry until
    // herald's subscription is back (PUBLISH counts the receivers).
    ASSERT_TRUE(publish_until_received(redis, "crowd", R"({"id":"back-1","data":"after restart"})",
                                       Millis{2000}))
        << "herald did not re-SUBSCRIBE within 2 s of Redis being back";
    const auto resubscribed = since(back);
    EXPECT_TRUE(crowd.wait_events(1, Millis{5000}))
        << crowd.count_with_events(1)
        << "/1000 got the event; first error: " << crowd.first_error();
    const auto delivered = since(back);
    EXPECT_LE(delivered.count(), 2000) << "resubscribed after " << resubscribed.count() << " ms";
    RecordProperty("resubscribed_ms", static_cast<int>(resubscribed.count()));
    RecordProperty("delivered_ms", static_cast<int>(delivered.count()));

    std::size_t exact = 0;
    for (const auto& ids : crowd.received())
        exact += ids == std::vector<std::string>{"back-1"};
    EXPECT_EQ(exact, 1000u) << "clients that got exactly the one event";
    EXPECT_EQ(crowd.failed_count(), 0u) << "dropped: " << crowd.first_error();
    auto after = connection_counts(node.port());
    EXPECT_EQ(after.sse, 500);
    EXPECT_EQ(after.ws, 500);

    EXPECT_TRUE(wait_ready(node.port(), Millis{5000})) << readyz(node.port()).body;
    EXPECT_GE(metric_value(node.port(), "herald_redis_reconnects_total").value_or(-1),
              reconnects_before + 1);
    EXPECT_EQ(metric_value(node.port(), "herald_redis_connected"), 1.0);

    // POST /publish works again and reaches everyone once more.
    const auto id = publish_event(node.port(), "crowd", "via herald");
    EXPECT_TRUE(crowd.wait_events(2, Millis{10'000}))
        << crowd.count_with_events(2) << "/1000 got the second event";
    exact = 0;
    for (const auto& ids : crowd.received())
        exact += ids == std::vector<std::string>{"back-1", id};
    EXPECT_EQ(exact, 1000u);
    EXPECT_EQ(crowd.failed_count(), 0u) << crowd.first_error();
}

TEST(RedisFault, StoppedRedisTurnsNotReadyThenRecoversAfterCont) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"watch"}));
    WsClient ws(node.port(), ws_target({"watch"}));
    ASSERT_TRUE(ws.wait_subscribed("watch"));
    const auto failures_before =
        metric_value(node.port(), "herald_redis_canary_failures_total").value_or(-1);

    node.redis.pause(); // kill -STOP: connections stay open, nothing answers
    const auto stopped = Clock::now();
    auto body = wait_not_ready(node.port(), Millis{4000});
    const auto detected = since(stopped);
    ASSERT_TRUE(body) << "/readyz still 200 " << detected.count() << " ms after kill -STOP";
    EXPECT_LE(detected.count(), 2500) << "two canary intervals (1 s) plus slack";
    EXPECT_NE(reason_of(body).find("canary"), std::string::npos) << body->dump();
    EXPECT_GE(metric_value(node.port(), "herald_redis_canary_failures_total").value_or(-1),
              failures_before + 1);
    RecordProperty("detected_ms", static_cast<int>(detected.count()));

    // Still down a while later (it keeps trying), and refuses publishes.
    std::this_thread::sleep_for(Millis{1200});
    EXPECT_EQ(readyz(node.port()).status, 503u);
    EXPECT_TRUE(publish_answers(node.port(), 503, Millis{4000}))
        << "POST /publish while Redis does not answer";
    EXPECT_EQ(http_get(node.port(), "/healthz").status, 200u);

    node.redis.resume(); // kill -CONT
    const auto resumed = Clock::now();
    ASSERT_TRUE(wait_ready(node.port(), Millis{8000}))
        << "not ready " << since(resumed).count()
        << " ms after kill -CONT: " << readyz(node.port()).body;
    RecordProperty("recovered_ms", static_cast<int>(since(resumed).count()));

    // The clients were kept, and receive what is published now.
    RedisConnection redis(node.redis.port());
    ASSERT_TRUE(
        publish_until_received(redis, "watch", R"({"id":"w-1","data":"cont"})", Millis{2000}));
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "w-1"));

    const auto id = publish_event(node.port(), "watch", "via herald");
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, id));
    auto extra = sse.next_event(Millis{300});
    EXPECT_FALSE(extra) << "unexpected event " << extra->id.value_or("") << ": " << extra->data;
}

TEST(RedisFault, KilledConnectionsAreRebuiltAndChannelsResubscribed) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"k:1", "k:2"}));
    WsClient ws(node.port(), ws_target({"k:1"}));
    ASSERT_TRUE(ws.wait_subscribed("k:1"));
    const auto reconnects_before =
        metric_value(node.port(), "herald_redis_reconnects_total").value_or(-1);

    // The subscriber connection (the only pub/sub client) is killed.
    EXPECT_EQ(node.redis.cli("CLIENT", "KILL", "TYPE", "pubsub"), "1\n");
    {
        RedisConnection redis(node.redis.port());
        ASSERT_TRUE(publish_until_received(redis, "k:2", R"({"id":"k-1","data":1})", Millis{2000}))
            << ::testing::PrintToString(node.redis.pubsub_channels());
        ASSERT_TRUE(publish_until_received(redis, "k:1", R"({"id":"k-2","data":2})", Millis{2000}));
    }
    auto first = sse.next_events(2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].id, "k-1");
    EXPECT_EQ(first[1].id, "k-2");
    auto frame = ws.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("id", ""), "k-2");
    EXPECT_GE(metric_value(node.port(), "herald_redis_reconnects_total").value_or(-1),
              reconnects_before + 1);

    // Now the command connection (every normal client but redis-cli itself).
    ASSERT_TRUE(wait_ready(node.port(), Millis{5000}));
    const auto killed = node.redis.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    EXPECT_NE(killed, "0\n");
    // POST /publish answers 503 or 202 meanwhile, then 202 again.
    std::string id;
    ASSERT_TRUE(wait_until(
        [&] {
            auto response = publish(node.port(), {{"channel", "k:1"}, {"data", "after kill"}});
            if (response.status == 202)
                id = response.json()["ids"][0];
            else
                EXPECT_EQ(response.status, 503u) << response.body;
            return response.status == 202;
        },
        Millis{3000}, Millis{50}));
    ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, id));
    EXPECT_FALSE(sse.next_event(Millis{300})) << "delivered once";
    EXPECT_FALSE(ws.next_message(Millis{10}));
    EXPECT_EQ(connection_counts(node.port()).sse, 1);
    EXPECT_EQ(connection_counts(node.port()).ws, 1);
}

TEST(RedisFault, RestartResubscribesManyChannels) {
    RedisHerald node({"--max-channels-per-connection", "1500", "--client-message-rate", "0"});
    WsClient ws(node.port(), ws_target({"many:0"}));
    ASSERT_TRUE(ws.wait_subscribed("many:0"));
    constexpr int channels = 1200; // more than one SUBSCRIBE batch
    for (int i = 1; i < channels; ++i)
        ASSERT_FALSE(
            ws.send_json({{"type", "subscribe"}, {"channel", "many:" + std::to_string(i)}}));
    int subscribed = 1;
    while (subscribed < channels) {
        auto frame = ws.next_json();
        ASSERT_TRUE(frame) << subscribed << " subscribed";
        ASSERT_EQ(frame->value("type", ""), "subscribed") << frame->dump();
        ++subscribed;
    }
    EXPECT_EQ(node.redis.pubsub_channels().size(), static_cast<std::size_t>(channels + 1));

    node.redis.restart();
    EXPECT_TRUE(wait_until(
        [&] {
            return node.redis.pubsub_channels().size() == static_cast<std::size_t>(channels + 1);
        },
        Millis{3000}))
        << node.redis.pubsub_channels().size() << " channels after the restart";
    ASSERT_TRUE(wait_ready(node.port(), Millis{5000}));
    RedisConnection redis(node.redis.port());
    for (int i : {0, 511, 512, 1023, 1024, channels - 1})
        EXPECT_EQ(redis.publish("many:" + std::to_string(i), std::to_string(i)), 1) << i;
    // Order holds per channel only: a channel whose gap read (after the
    // restart) is still out holds its live events back meanwhile, so these
    // six may come in any order.
    std::map<std::string, json> got;
    while (got.size() < 6) {
        auto frame = ws.next_json();
        ASSERT_TRUE(frame) << got.size() << " of 6 events";
        if (!frame->contains("type"))
            got[frame->value("channel", "")] = (*frame)["data"];
    }
    for (int i : {0, 511, 512, 1023, 1024, channels - 1})
        EXPECT_EQ(got["many:" + std::to_string(i)], i) << "a JSON number stays one";
}

TEST(RedisFault, ShutdownIsPromptWhileRedisIsStopped) {
    RedisServer redis;
    HeraldProcess herald(redis_herald_args(redis.url(), {"--shutdown-timeout", "3s"}));
    ASSERT_TRUE(wait_ready(herald.port()));
    SseClient sse(herald.port(), events_target({"bye"}));
    WsClient ws(herald.port(), ws_target({"bye"}));
    ASSERT_TRUE(ws.wait_subscribed("bye"));
    redis.pause(); // the bridge's connections hang
    std::this_thread::sleep_for(Millis{200});

    const auto start = Clock::now();
    herald.send_signal(SIGTERM);
    EXPECT_TRUE(ws.wait_closed(Millis{4000}));
    EXPECT_EQ(ws.close_code(), 1012u);
    EXPECT_TRUE(sse.wait_closed(Millis{4000}));
    auto exit = herald.wait_exit(Millis{8000});
    ASSERT_TRUE(exit) << "still running 8 s after SIGTERM";
    EXPECT_TRUE(exit->exited) << "signal " << exit->signal;
    EXPECT_EQ(exit->code, 0);
    EXPECT_LT(since(start).count(), 3000)
        << "with cooperative clients, a stopped Redis should not hold the shutdown up to "
           "shutdown_timeout (3 s)";
    redis.resume();
}
