// POST /publish on a herald bridged through Redis: the event makes the round
// trip through Redis and reaches each subscriber exactly once.
#include "redis_server.hpp"

#include <gtest/gtest.h>

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
