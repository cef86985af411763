// Authentication on GET /ws: refused upgrades, Origin, subscribe and publish
// messages checked against the token's claims.
#include "auth_fixture.hpp"

using namespace herald_test;

namespace {
std::string body_of(const WsClient& ws) {
    return ws.response().body();
}
} // namespace

class AuthWs : public ::testing::Test {
protected:
    HeraldProcess herald{secure_flags(), Security::as_configured};
    std::string token =
        make_token({{"sub", "42"}, {"channels", {"room:*"}}, {"publish", {"room:*"}}});
};

TEST_F(AuthWs, UpgradeRefusalsAre401And403WithJson) {
    WsClient anonymous(herald.port(), ws_target({"room:1"}));
    ASSERT_FALSE(anonymous.upgraded());
    expect_refused(anonymous.response().result_int(), body_of(anonymous), 401, "channel");

    WsClient bad(herald.port(), ws_target({"broadcast"}, "token=x.y.z"));
    ASSERT_FALSE(bad.upgraded());
    expect_refused(bad.response().result_int(), body_of(bad), 401, "token");

    WsClient forbidden(herald.port(), ws_target({"admin"}, "token=" + token));
    ASSERT_FALSE(forbidden.upgraded());
    expect_refused(forbidden.response().result_int(), body_of(forbidden), 403, "channel");
}

TEST_F(AuthWs, ForeignOriginIsRefusedSameOriginAndListedAreNot) {
    WsClient evil(herald.port(), ws_target({"broadcast"}), {{"Origin", "https://evil.example"}});
    ASSERT_FALSE(evil.upgraded());
    expect_refused(evil.response().result_int(), body_of(evil), 403, "origin");

    WsClient listed(herald.port(), ws_target({"broadcast"}), {{"Origin", "https://app.example"}});
    EXPECT_TRUE(listed.upgraded());
    // The client sends Host: 127.0.0.1:<port>; a page served from there is same-origin.
    WsClient same(herald.port(), ws_target({"broadcast"}),
                  {{"Origin", "http://127.0.0.1:" + std::to_string(herald.port())}});
    EXPECT_TRUE(same.upgraded());
    // No Origin: not a browser page.
    WsClient tool(herald.port(), ws_target({"broadcast"}));
    EXPECT_TRUE(tool.upgraded());
}

TEST_F(AuthWs, SubscribesUserChannelAndChecksSubscribeMessages) {
    WsClient ws(herald.port(), "/ws", {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("user:42"));

    ws.send_json({{"type", "subscribe"}, {"channel", "room:7"}});
    ASSERT_TRUE(ws.wait_subscribed("room:7"));

    ws.send_json({{"type", "subscribe"}, {"channel", "admin"}});
    auto error = ws.next_json();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->value("type", ""), "error");
    EXPECT_EQ(error->value("code", ""), "forbidden") << error->dump();
    EXPECT_FALSE(ws.closed());
    EXPECT_GE(auth_failures(herald.port(), "forbidden_channel"), 1);

    publish_event(herald.port(), "user:42", "for you", {}, "u-1");
    auto event = ws.next_json();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), "u-1");
}

TEST_F(AuthWs, PublishIsAllowedOnlyByThePublishClaim) {
    SseClient room(herald.port(), events_target({"room:1"}, "token=" + token));
    ASSERT_EQ(room.status(), 200u);
    WsClient ws(herald.port(), ws_target({"room:1"}, "token=" + token));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));

    ws.send_json({{"type", "publish"},
                  {"channel", "room:1"},
                  {"event", "typing"},
                  {"data", {{"user", 42}}}});
    auto event = room.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->type, "typing");
    // A client's publish names its sender, which SSE carries in the data.
    EXPECT_EQ(event->data, R"({"from":"42","data":{"user":42}})");
    bool acknowledged = false;
    for (int i = 0; i < 3 && !acknowledged; ++i) // the event itself may come first
        if (auto m = ws.next_json())
            acknowledged =
                m->value("type", "") == "published" && m->value("channel", "") == "room:1";
    EXPECT_TRUE(acknowledged);
    EXPECT_EQ(metric_value(herald.port(), "herald_ws_published_total"), 1);

    ws.send_json({{"type", "publish"}, {"channel", "broadcast"}, {"data", 1}});
    auto error = ws.next_json();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->value("code", ""), "forbidden") << error->dump();
    EXPECT_GE(auth_failures(herald.port(), "forbidden_publish"), 1);
    ws.send_json({{"type", "publish"}, {"channel", "room:1"}});
    auto bad = ws.next_json();
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->value("code", ""), "bad_message") << bad->dump();
    EXPECT_FALSE(room.next_event(Millis{300})); // nothing else was published
}

TEST(AuthWsInsecure, AnyoneMayPublish) {
    HeraldProcess herald;
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    ws.send_json({{"type", "publish"}, {"channel", "room:1"}, {"data", "hi"}, {"id", "p-1"}});
    bool got_event = false, acknowledged = false;
    for (int i = 0; i < 2; ++i)
        if (auto m = ws.next_json()) {
            got_event = got_event || m->value("id", "") == "p-1";
            acknowledged = acknowledged || m->value("type", "") == "published";
        }
    EXPECT_TRUE(got_event);
    EXPECT_TRUE(acknowledged);
}
