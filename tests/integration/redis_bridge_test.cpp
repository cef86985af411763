// herald bridged through a real redis-server: what a plain Redis PUBLISH
// becomes for SSE and WebSocket subscribers, bad payloads, ordering, a
// 20,000-message burst, dynamic SUBSCRIBE/UNSUBSCRIBE, the channel prefix,
// and POST /publish going through Redis.
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

// Nothing more arrives on either client within `quiet`.
void expect_quiet(SseClient& sse, WsClient& ws, Millis quiet = Millis{300}) {
    auto extra_event = sse.next_event(quiet);
    EXPECT_FALSE(extra_event) << "unexpected SSE event: id=" << extra_event->id.value_or("")
                              << " data=" << extra_event->data;
    auto extra_frame = ws.next_message(Millis{50});
    EXPECT_FALSE(extra_frame) << "unexpected WS message: " << *extra_frame;
}

} // namespace

TEST(RedisBridge, ReadyzAndMetricsReportTheBridge) {
    RedisHerald node;
    auto ready = readyz(node.port());
    EXPECT_EQ(ready.status, 200u);
    EXPECT_EQ(ready.json(), json({{"status", "ready"}})) << ready.body;
    EXPECT_TRUE(node.herald.wait_for_log("redis: connected and subscribed", Millis{1000}));
    EXPECT_EQ(http_get(node.port(), "/healthz").status, 200u);

    auto metrics = scrape_metrics(node.port());
    EXPECT_EQ(metrics["herald_redis_connected"], 1.0);
    EXPECT_EQ(metrics["herald_redis_bad_payloads_total"], 0.0);
    EXPECT_EQ(metrics["herald_redis_canary_failures_total"], 0.0);
    EXPECT_TRUE(metrics.count("herald_redis_reconnects_total"));
    EXPECT_TRUE(metrics.count("herald_redis_messages_received_total"));
    // The canary came back at least once (that is what made /readyz 200).
    EXPECT_GT(metrics["herald_redis_canary_rtt_seconds"], 0.0);
    EXPECT_LT(metrics["herald_redis_canary_rtt_seconds"], 0.5);
}

TEST(RedisBridge, EnvelopeFromRedisCliReachesSseAndWs) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"user:42"}));
    WsClient ws(node.port(), ws_target({"user:42"}));
    ASSERT_TRUE(ws.wait_subscribed("user:42"));

    EXPECT_EQ(node.redis.cli("PUBLISH", "user:42",
                             R"({"event":"notification","data":{"x":1},"id":"e1"})"),
              "1\n")
        << "herald's one subscriber connection should receive it";

    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->lines,
              (std::vector<std::string>{"id: e1", "event: notification", R"(data: {"x":1})"}));
    auto frame = ws.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(*frame, json({{"channel", "user:42"},
                            {"event", "notification"},
                            {"id", "e1"},
                            {"data", {{"x", 1}}}}));

    // Envelope keys are optional: data alone is a "message" with a fresh id;
    // an envelope without data carries null.
    node.redis.cli("PUBLISH", "user:42", R"({"data":"just data"})");
    node.redis.cli("PUBLISH", "user:42", R"({"event":"ping","id":"e2"})");
    auto data_only = sse.next_event();
    ASSERT_TRUE(data_only);
    EXPECT_EQ(data_only->type, "message");
    EXPECT_EQ(data_only->data, "just data");
    ASSERT_TRUE(data_only->id);
    EXPECT_FALSE(data_only->id->empty());
    auto no_data = sse.next_event();
    ASSERT_TRUE(no_data);
    EXPECT_EQ(no_data->type, "ping");
    EXPECT_EQ(no_data->id, "e2");
    EXPECT_EQ(no_data->data, "null");

    auto data_only_frame = ws.next_json();
    ASSERT_TRUE(data_only_frame);
    EXPECT_EQ(data_only_frame->value("event", ""), "message");
    EXPECT_EQ((*data_only_frame)["data"], "just data");
    EXPECT_EQ(data_only_frame->value("id", ""), *data_only->id) << "same event, same id";
    auto no_data_frame = ws.next_json();
    ASSERT_TRUE(no_data_frame);
    EXPECT_EQ(no_data_frame->value("event", ""), "ping");
    EXPECT_EQ((*no_data_frame)["data"], nullptr);
    expect_quiet(sse, ws);
}

TEST(RedisBridge, RawPayloadsAreDeliveredUnchangedAsMessage) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"user:42"}));
    WsClient ws(node.port(), ws_target({"user:42"}));
    ASSERT_TRUE(ws.wait_subscribed("user:42"));

    struct Case {
        std::string payload;
        std::vector<std::string> sse_data_lines;
        json ws_data;
    };
    const std::vector<Case> cases = {
        {"hello world", {"data: hello world"}, "hello world"},
        // Several lines of text: several data lines, which EventSource joins.
        {"line one\nline two\nline three",
         {"data: line one", "data: line two", "data: line three"},
         "line one\nline two\nline three"},
        // CRLF and a lone CR are line breaks for EventSource too.
        {"crlf one\r\ncrlf two", {"data: crlf one", "data: crlf two"}, "crlf one\r\ncrlf two"},
        {"cr one\rcr two", {"data: cr one", "data: cr two"}, "cr one\rcr two"},
        // JSON that is not an envelope: the data as is.
        {R"({"foo": 1, "bar": [true, null]})",
         {R"(data: {"bar":[true,null],"foo":1})"},
         {{"foo", 1}, {"bar", {true, nullptr}}}},
        {"[1,2,3]", {"data: [1,2,3]"}, {1, 2, 3}},
        {"42", {"data: 42"}, 42},
        {R"("a JSON string")", {"data: a JSON string"}, "a JSON string"},
        {"{not json", {"data: {not json"}, "{not json"},
        {"caf\xC3\xA9 \xE2\x82\xAC",
         {"data: caf\xC3\xA9 \xE2\x82\xAC"},
         "caf\xC3\xA9 \xE2\x82\xAC"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(node.redis.cli("PUBLISH", "user:42", c.payload), "1\n");

    for (const auto& c : cases) {
        SCOPED_TRACE("payload: " + c.payload);
        auto event = sse.next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->type, "message");
        ASSERT_TRUE(event->id);
        ASSERT_FALSE(event->id->empty());
        std::vector<std::string> data_lines;
        for (const auto& line : event->lines)
            if (line.rfind("data:", 0) == 0)
                data_lines.push_back(line);
        EXPECT_EQ(data_lines, c.sse_data_lines);
        EXPECT_EQ(std::find(event->lines.begin(), event->lines.end(), "event: message"),
                  event->lines.end())
            << "the default event name is left out";

        auto frame = ws.next_json();
        ASSERT_TRUE(frame);
        EXPECT_EQ(frame->value("channel", ""), "user:42");
        EXPECT_EQ(frame->value("event", ""), "message");
        EXPECT_EQ(frame->value("id", ""), *event->id);
        EXPECT_EQ((*frame)["data"], c.ws_data);
    }
    expect_quiet(sse, ws);
    EXPECT_GE(metric_value(node.port(), "herald_redis_messages_received_total").value_or(0),
              static_cast<double>(cases.size()));
}

TEST(RedisBridge, InvalidUtf8IsDroppedCountedAndLogged) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"user:42"}));
    WsClient ws(node.port(), ws_target({"user:42"}));
    ASSERT_TRUE(ws.wait_subscribed("user:42"));
    RedisConnection redis(node.redis.port());

    EXPECT_EQ(redis.publish("user:42", "bad \xFF\xFE bytes"), 1);
    EXPECT_EQ(redis.publish("user:42", "{\"data\":\"\xC3\x28\"}"), 1); // inside an envelope
    EXPECT_EQ(redis.publish("user:42", std::string("nul \0 ok \xED\xA0\x80", 12)), 1); // surrogate
    EXPECT_TRUE(wait_until([&] {
        return metric_value(node.port(), "herald_redis_bad_payloads_total").value_or(0) >= 3;
    })) << "herald_redis_bad_payloads_total: "
        << metric_value(node.port(), "herald_redis_bad_payloads_total").value_or(-1);
    // At warn level ("warning" in spdlog's words), naming the channel.
    EXPECT_TRUE(node.herald.wait_for_log(" warn", Millis{1000}));
    EXPECT_TRUE(wait_until([&] {
        const auto log = node.herald.log();
        const auto at = log.find("redis: dropped a message on user:42");
        const auto line_start = at == std::string::npos ? at : log.rfind('\n', at) + 1;
        return at != std::string::npos &&
               log.substr(line_start, at - line_start).find(" warn") != std::string::npos;
    })) << "a warning should name the channel";

    EXPECT_EQ(redis.publish("user:42", R"({"id":"after-bad","data":"ok"})"), 1);
    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, "after-bad")
        << "the bad payloads must not be delivered; got data=" << event->data;
    auto frame = ws.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("id", ""), "after-bad");
    expect_quiet(sse, ws);
    EXPECT_EQ(metric_value(node.port(), "herald_redis_bad_payloads_total"), 3.0);
}

TEST(RedisBridge, EventsOfOneChannelArriveInPublishOrder) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"room:order"}));
    WsClient ws(node.port(), ws_target({"room:order"}));
    ASSERT_TRUE(ws.wait_subscribed("room:order"));

    constexpr int count = 500;
    std::vector<std::string> payloads;
    for (int i = 0; i < count; ++i) // alternate envelope and raw forms
        payloads.push_back(i % 2 ? "raw " + std::to_string(i)
                                 : R"({"id":"o-)" + std::to_string(i) + R"(","data":)" +
                                       std::to_string(i) + "}");
    RedisConnection redis(node.redis.port());
    for (auto receivers : redis.publish_pipelined("room:order", payloads))
        ASSERT_EQ(receivers, 1);

    auto events = sse.next_events(count, Millis{10'000});
    ASSERT_EQ(events.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const auto expected = i % 2 ? "raw " + std::to_string(i) : std::to_string(i);
        ASSERT_EQ(events[i].data, expected) << "SSE event #" << i;
        if (i % 2 == 0) {
            ASSERT_EQ(events[i].id, "o-" + std::to_string(i));
        }
    }
    for (int i = 0; i < count; ++i) {
        auto frame = ws.next_json();
        ASSERT_TRUE(frame) << "WS message #" << i;
        const json expected = i % 2 ? json("raw " + std::to_string(i)) : json(i);
        ASSERT_EQ((*frame)["data"], expected) << "WS message #" << i;
        ASSERT_EQ(frame->value("id", ""), *events[i].id) << "WS message #" << i;
    }
    expect_quiet(sse, ws);
}

TEST(RedisBridge, BurstOf20000WithLargeMessagesArrivesCompleteInOrderUncorrupted) {
    RedisHerald node({"--max-queued-bytes", "64MiB"});
    SseClient sse(node.port(), events_target({"burst"}));
    WsClient ws(node.port(), ws_target({"burst"}));
    ASSERT_TRUE(ws.wait_subscribed("burst"));

    constexpr int count = 20'000;
    // Every 1000th message carries 20 KiB (over 16 KiB, more than one TLS
    // record or read chunk anywhere on the way); its content depends on the
    // sequence number so that a mixed-up or truncated message shows.
    auto pad_of = [](int seq) {
        if (seq % 1000 != 999)
            return std::string("p") + std::to_string(seq % 7);
        std::string pad(20 * 1024, 'x');
        for (std::size_t i = 0; i < pad.size(); ++i)
            pad[i] = static_cast<char>('a' + (i * 7 + static_cast<std::size_t>(seq)) % 26);
        return pad;
    };
    auto data_of = [&](int seq) { return json{{"seq", seq}, {"pad", pad_of(seq)}}; };
    std::vector<std::string> payloads;
    payloads.reserve(count);
    std::size_t large = 0;
    for (int seq = 0; seq < count; ++seq) {
        payloads.push_back(
            json{{"event", "burst"}, {"id", "b-" + std::to_string(seq)}, {"data", data_of(seq)}}
                .dump());
        large += payloads.back().size() > 16 * 1024;
    }
    ASSERT_EQ(large, 20u);

    RedisConnection redis(node.redis.port(), {}, Millis{30'000});
    const auto start = std::chrono::steady_clock::now();
    auto receivers = redis.publish_pipelined("burst", payloads);
    ASSERT_EQ(std::count(receivers.begin(), receivers.end(), 1), count);

    auto events = sse.next_events(count, Millis{30'000});
    EXPECT_EQ(events.size(), static_cast<std::size_t>(count)) << "SSE events received";
    for (std::size_t i = 0; i < events.size(); ++i) {
        const int seq = static_cast<int>(i);
        ASSERT_EQ(events[i].id, "b-" + std::to_string(seq))
            << "SSE event #" << i << " out of order";
        ASSERT_EQ(events[i].type, "burst");
        ASSERT_EQ(json::parse(events[i].data, nullptr, false), data_of(seq))
            << "SSE event #" << i << " corrupted (" << events[i].data.size() << " bytes)";
    }
    int ws_received = 0;
    for (int seq = 0; seq < count; ++seq) {
        auto frame = ws.next_json(Millis{10'000});
        if (!frame)
            break;
        ++ws_received;
        ASSERT_EQ(frame->value("id", ""), "b-" + std::to_string(seq)) << "WS message #" << seq;
        ASSERT_EQ(frame->value("event", ""), "burst");
        ASSERT_EQ((*frame)["data"], data_of(seq)) << "WS message #" << seq << " corrupted";
    }
    EXPECT_EQ(ws_received, count) << "WS messages received";
    EXPECT_FALSE(ws.closed()) << "close code " << ws.close_code() << " " << ws.close_reason();
    EXPECT_FALSE(sse.ended());
    const auto elapsed =
        std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
    RecordProperty("burst_ms", static_cast<int>(elapsed.count()));
    EXPECT_EQ(metric_value(node.port(), "herald_slow_consumer_disconnects_total{transport=\"sse\"}")
                  .value_or(0),
              0.0);
}

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

TEST(RedisPublish, PostPublishIsDeliveredExactlyOnce) {
    RedisHerald node;
    SseClient sse(node.port(), events_target({"user:5"}));
    WsClient ws(node.port(), ws_target({"user:5"}));
    ASSERT_TRUE(ws.wait_subscribed("user:5"));
    const auto received_before =
        metric_value(node.port(), "herald_redis_messages_received_total").value_or(0);

    auto response =
        publish(node.port(),
                {{"channel", "user:5"}, {"event", "notification"}, {"data", {{"text", "Hello"}}}});
    ASSERT_EQ(response.status, 202u) << response.body;
    const auto ids = response.json()["ids"];
    ASSERT_EQ(ids.size(), 1u);
    const std::string id = ids[0];

    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
    EXPECT_EQ(event->type, "notification");
    EXPECT_EQ(event->data, R"({"text":"Hello"})");
    auto frame = ws.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(*frame, json({{"channel", "user:5"},
                            {"event", "notification"},
                            {"id", id},
                            {"data", {{"text", "Hello"}}}}));

    // A batch, with ids given by the publisher, in order.
    auto batch =
        publish_batch(node.port(), json::array({
                                       {{"channel", "user:5"}, {"data", 1}, {"id", "p-1"}},
                                       {{"channel", "user:5"}, {"data", "two"}, {"id", "p-2"}},
                                       {{"channel", "other"}, {"data", 3}},
                                   }));
    EXPECT_EQ(batch.size(), 3u);
    auto e1 = sse.next_event();
    auto e2 = sse.next_event();
    ASSERT_TRUE(e1 && e2);
    EXPECT_EQ(e1->id, "p-1");
    EXPECT_EQ(e1->data, "1");
    EXPECT_EQ(e2->id, "p-2");
    EXPECT_EQ(e2->data, "two");
    auto f1 = ws.next_json();
    auto f2 = ws.next_json();
    ASSERT_TRUE(f1 && f2);
    EXPECT_EQ(f1->value("id", ""), "p-1");
    EXPECT_EQ(f2->value("id", ""), "p-2");

    // Exactly once: nothing else within half a second.
    expect_quiet(sse, ws, Millis{500});
    // The events made the round trip through Redis.
    EXPECT_GE(metric_value(node.port(), "herald_redis_messages_received_total").value_or(0),
              received_before + 3);
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
    const auto reload_wait = std::chrono::duration_cast<Millis>(Clock::now() - start);
    // For comparison, a channel never subscribed before.
    start = Clock::now();
    SseClient fresh(node.port(), events_target({"fresh"}), {}, Millis{3000});
    const auto fresh_wait = std::chrono::duration_cast<Millis>(Clock::now() - start);
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
