// POST /publish on a herald bridged through Redis: the event makes the round
// trip through Redis and reaches each subscriber exactly once.
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace herald_test;

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

// Redis dies holding a publish it has read but not answered: herald cannot
// know whether it ran, says so (502 with the ids over HTTP, code "uncertain"
// over WebSocket) rather than 503's "nothing went out, retry", and serves
// again once Redis is back.
TEST(RedisPublish, AReplyLostWithTheConnectionIsAnsweredUncertainWithTheIds) {
    RedisHerald node;
    WsClient ws(node.port(), ws_target({"lost:1"}));
    ASSERT_TRUE(ws.wait_subscribed("lost:1"));
    // Start right after a canary came back, so that it does not fail meanwhile.
    ASSERT_TRUE(wait_ready(node.port()));

    node.redis.pause(); // reads nothing, answers nothing
    auto http = std::async(std::launch::async, [&] {
        return publish(node.port(), {{"channel", "lost:1"}, {"id", "maybe-1"}, {"data", 1}});
    });
    ASSERT_FALSE(ws.send_json({{"type", "publish"}, {"channel", "lost:1"}, {"data", 2}}));
    std::this_thread::sleep_for(Millis{300}); // both commands written to Redis' socket
    node.redis.kill();

    const auto response = http.get();
    EXPECT_EQ(response.status, 502u) << response.body;
    const auto body = response.json();
    EXPECT_EQ(body["ids"], json::array({"maybe-1"}));
    EXPECT_NE(body.value("error", "").find("may or may not have been delivered"), std::string::npos)
        << response.body;
    std::optional<json> error;
    while ((error = ws.next_json()) && error->value("type", "") != "error") {
    }
    ASSERT_TRUE(error);
    EXPECT_EQ(error->value("code", ""), "uncertain") << error->dump();
    EXPECT_EQ(error->value("channel", ""), "lost:1");
    EXPECT_FALSE(error->value("id", "").empty()) << "the id herald gave the event";
    EXPECT_EQ(metric_value(node.port(), R"(herald_rejections_total{reason="publish_uncertain"})")
                  .value_or(0),
              2);

    // While Redis is down, nothing is sent: a plain 503, safe to retry.
    ASSERT_TRUE(wait_until([&] { return readyz(node.port()).status == 503; }));
    EXPECT_EQ(publish(node.port(), {{"channel", "lost:1"}, {"data", 3}}).status, 503u);
    node.redis.start();
    ASSERT_TRUE(wait_ready(node.port()));
    const auto retried =
        publish(node.port(), {{"channel", "lost:1"}, {"id", "maybe-1"}, {"data", 1}});
    ASSERT_EQ(retried.status, 202u) << retried.body;
    std::optional<json> event;
    while ((event = ws.next_json()) && !event->contains("event")) {
    }
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), "maybe-1");
}
