// GET /ws: subscription messages, event frames, client requests, protocol
// pings and the heartbeat timeout.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

TEST(Ws, SubscribedThenEventFrames) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"user:42", "room:1"}));
    ASSERT_TRUE(client.upgraded());
    auto first = client.next_json();
    auto second = client.next_json();
    ASSERT_TRUE(first && second);
    // Each carries the position where the subscription went live.
    const auto position = first->value("position", "");
    EXPECT_TRUE(position.starts_with("@")) << first->dump();
    EXPECT_EQ(*first,
              json({{"type", "subscribed"}, {"channel", "user:42"}, {"position", position}}));
    EXPECT_EQ(*second,
              json({{"type", "subscribed"}, {"channel", "room:1"}, {"position", position}}));

    publish_event(herald.port(), "user:42", {{"n", 1}}, "notification", "f-1");
    auto frame = client.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(*frame, json({{"channel", "user:42"},
                            {"event", "notification"},
                            {"id", "f-1"},
                            {"data", {{"n", 1}}}}));

    publish_event(herald.port(), "room:1", "plain", "", "f-2");
    frame = client.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(
        *frame,
        json({{"channel", "room:1"}, {"event", "message"}, {"id", "f-2"}, {"data", "plain"}}));
}

TEST(Ws, SubscribeAndUnsubscribeMessages) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"home"}));
    ASSERT_TRUE(client.wait_subscribed("home"));

    client.send_json({{"type", "subscribe"}, {"channel", "room:1"}});
    auto reply = client.next_json();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->value("type", ""), "subscribed");
    EXPECT_EQ(reply->value("channel", ""), "room:1");
    EXPECT_TRUE(reply->value("position", "").starts_with("@")) << reply->dump();
    const auto in_room = publish_event(herald.port(), "room:1", "in room");
    auto event = client.next_json();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), in_room);

    client.send_json({{"type", "unsubscribe"}, {"channel", "room:1"}});
    reply = client.next_json();
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, json({{"type", "unsubscribed"}, {"channel", "room:1"}}));
    // A later room:1 event must not arrive: the next frame is the home event
    // published after it.
    publish_event(herald.port(), "room:1", "not for us");
    const auto home = publish_event(herald.port(), "home", "sentinel");
    event = client.next_json();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), home);
}

TEST(Ws, PingMessageGetsPong) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.wait_subscribed("a"));
    client.send_json({{"type", "ping"}});
    auto reply = client.next_json();
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, json({{"type", "pong"}}));
}

TEST(Ws, BadClientMessagesGetErrorsAndConnectionStaysOpen) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.wait_subscribed("a"));
    for (const std::string bad :
         {"not json", "[1,2]", R"({"type":"dance"})", R"({"type":"subscribe"})",
          R"({"type":"subscribe","channel":"a b"})", R"({"no":"type"})"}) {
        ASSERT_FALSE(client.send(bad));
        auto reply = client.next_json();
        ASSERT_TRUE(reply) << bad;
        EXPECT_EQ(reply->value("type", ""), "error") << bad;
        EXPECT_TRUE(reply->contains("message") && (*reply)["message"].is_string()) << bad;
    }
    ASSERT_FALSE(client.send("\x01\x02", /*binary=*/true));
    auto binary_reply = client.next_json();
    ASSERT_TRUE(binary_reply);
    EXPECT_EQ(binary_reply->value("type", ""), "error");

    EXPECT_FALSE(client.closed());
    client.send_json({{"type", "ping"}});
    auto pong = client.next_json();
    ASSERT_TRUE(pong);
    EXPECT_EQ(*pong, json({{"type", "pong"}}));
    const auto id = publish_event(herald.port(), "a", 1);
    auto event = client.next_json();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), id);
}

TEST(Ws, InvalidChannelInQueryIsRejected) {
    HeraldProcess herald;
    WsClient client(herald.port(), "/ws?channel=bad%20name");
    EXPECT_FALSE(client.upgraded());
    EXPECT_EQ(client.response().result_int(), 400u);
    auto body = json::parse(client.response().body(), nullptr, false);
    EXPECT_EQ(body.value("field", ""), "channel") << client.response().body();
}

TEST(Ws, ServerSendsProtocolPingsThatBeastAnswers) {
    HeraldProcess herald(fast_flags({"--heartbeat-timeout", "1s"}));
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.wait_subscribed("a"));
    // Nothing but pings arrives; the pending read answers them.
    const auto start = std::chrono::steady_clock::now();
    // One ping a second; the bound leaves room for a loaded (sanitized) run.
    while (client.pings_received() < 3 && std::chrono::steady_clock::now() - start < 15s)
        EXPECT_FALSE(client.next_message(200ms));
    EXPECT_GE(client.pings_received(), 3u);
    ASSERT_FALSE(client.closed()) << "closed with " << client.close_code();
    const auto id = publish_event(herald.port(), "a", "still here");
    auto event = client.next_json();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), id);
}

TEST(Ws, ClientThatNeverAnswersPingsIsClosed) {
    HeraldProcess herald(fast_flags({"--heartbeat-timeout", "1s"}));
    RawWsClient raw(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    const auto start = std::chrono::steady_clock::now();
    bool saw_ping = false;
    while (auto frame = raw.next_frame(10s))
        saw_ping = saw_ping || frame->opcode == opcode::ping;
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(saw_ping);
    EXPECT_TRUE(raw.ended()) << "still open after 10 s";
    // One interval until the ping, one timeout for the pong, sweep slack (and
    // slack for a loaded, sanitized run).
    EXPECT_LT(elapsed, 8s);
}
