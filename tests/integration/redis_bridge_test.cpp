// herald bridged through a real redis-server: what a plain Redis PUBLISH
// becomes for SSE and WebSocket subscribers, bad payloads, ordering and a
// 20,000-message burst. Subscriptions: redis_subscription_test.cpp; POST
// /publish through Redis: redis_publish_test.cpp.
#include "redis_server.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

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
    {
        SCOPED_TRACE("the bad payloads must not be delivered");
        ASSERT_NO_FATAL_FAILURE(expect_next_id(sse, ws, "after-bad"));
    }
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
    RecordProperty("burst_ms", static_cast<int>(since(start).count()));
    EXPECT_EQ(metric_value(node.port(), "herald_slow_consumer_disconnects_total{transport=\"sse\"}")
                  .value_or(0),
              0.0);
}
