// Token lifetimes (README "Token lifetimes"): a WebSocket is asked for a new
// token before exp and closed with 4001 at exp + leeway without one; an SSE
// stream ends at exp with an "expired" event; enforce_token_expiry = false
// keeps streams open. Tokens of a few seconds and a 1 s leeway keep it short.
#include "auth_fixture.hpp"

#include <thread>

using namespace herald_test;
using namespace std::chrono_literals;

namespace {

// Reads until a message of `type` (pongs, subscribed and the like dropped).
std::optional<nlohmann::json> next_of_type(WsClient& ws, const std::string& type,
                                           Millis timeout = kTimeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
        auto message = ws.next_json(std::max(left, Millis{1}));
        if (!message)
            return std::nullopt;
        if (message->value("type", "") == type)
            return message;
    }
    return std::nullopt;
}

double expired_streams(std::uint16_t port) {
    return metric_value(port, "herald_rejections_total{reason=\"token_expired\"}").value_or(-1);
}

} // namespace

class TokenExpiry : public ::testing::Test {
protected:
    HeraldProcess herald{secure_flags({"--jwt-leeway", "1s"}), Security::as_configured};
    nlohmann::json claims = {{"sub", "42"}, {"channels", {"room:*"}}};
};

TEST_F(TokenExpiry, WebSocketWithoutANewTokenIsClosedWith4001) {
    WsClient ws(herald.port(), ws_target({"room:1"}, "token=" + make_token(claims, 2)));
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    // A 2 s token is asked about half-way, then ends at exp + 1 s.
    auto ask = next_of_type(ws, "refresh", 3s);
    ASSERT_TRUE(ask) << "no refresh request";
    ASSERT_TRUE(ws.wait_closed(4s));
    EXPECT_EQ(ws.close_code(), 4001u);
    EXPECT_EQ(ws.close_reason(), "token expired");
    EXPECT_GE(expired_streams(herald.port()), 1);
}

TEST_F(TokenExpiry, WebSocketRefreshedInTimeStaysOpen) {
    WsClient ws(herald.port(), ws_target({"room:1"}, "token=" + make_token(claims, 2)));
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    ASSERT_TRUE(next_of_type(ws, "refresh", 3s));
    ws.send_json({{"type", "refresh"}, {"token", make_token(claims, 300)}});
    auto done = next_of_type(ws, "refreshed");
    ASSERT_TRUE(done);
    EXPECT_GT(done->value("exp", 0LL), 0);
    // Past the first token's exp + leeway, the connection still delivers.
    std::this_thread::sleep_for(3s);
    publish_event(herald.port(), "room:1", "still here", {}, "r-1");
    auto event = next_of_type(ws, "", 3s); // events have no type
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), "r-1");
    EXPECT_FALSE(ws.closed());
}

TEST_F(TokenExpiry, RefreshIsVerifiedLikeTheFirstToken) {
    WsClient ws(herald.port(), ws_target({"room:1"}, "token=" + make_token(claims, 300)));
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("room:1"));

    ws.send_json({{"type", "refresh"}, {"token", "x.y.z"}});
    auto bad = next_of_type(ws, "error");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->value("code", ""), "unauthorized") << bad->dump();

    auto expired = claims;
    expired["exp"] = 1'000'000'000;
    ws.send_json({{"type", "refresh"}, {"token", make_token(expired)}});
    auto old = next_of_type(ws, "error");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->value("code", ""), "unauthorized") << old->dump();

    // Another user's token does not make this their connection.
    ws.send_json({{"type", "refresh"},
                  {"token", make_token({{"sub", "43"}, {"channels", {"room:*"}}}, 300)}});
    auto other = next_of_type(ws, "error");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->value("code", ""), "forbidden") << other->dump();
    EXPECT_GE(auth_failures(herald.port(), "other_user"), 1);
    EXPECT_FALSE(ws.closed());

    // Nothing of it changed the connection: it still gets room:1.
    publish_event(herald.port(), "room:1", "kept", {}, "k-1");
    auto event = next_of_type(ws, "");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), "k-1");
}

TEST_F(TokenExpiry, NarrowerTokenUnsubscribesWhatItNoLongerAllows) {
    auto wide = claims;
    wide["channels"] = {"room:*", "news:*"};
    WsClient ws(herald.port(), ws_target({"room:1", "news:1"}, "token=" + make_token(wide, 300)));
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("news:1"));

    ws.send_json({{"type", "refresh"}, {"token", make_token(claims, 300)}}); // room:* only
    auto error = next_of_type(ws, "error");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->value("code", ""), "forbidden");
    EXPECT_EQ(error->value("message", ""), "token no longer allows channel news:1");
    auto left = next_of_type(ws, "unsubscribed");
    ASSERT_TRUE(left);
    EXPECT_EQ(left->value("channel", ""), "news:1");
    EXPECT_EQ(left->value("reason", ""), "token");
    ASSERT_TRUE(next_of_type(ws, "refreshed"));

    publish_event(herald.port(), "news:1", "gone", {}, "n-1");
    publish_event(herald.port(), "room:1", "kept", {}, "r-2");
    auto event = next_of_type(ws, "");
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), "r-2") << "news:1 is no longer delivered";
    // A later subscribe follows the new grants.
    ws.send_json({{"type", "subscribe"}, {"channel", "news:2"}});
    auto refused = next_of_type(ws, "error");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->value("code", ""), "forbidden");
}

TEST_F(TokenExpiry, AnonymousConnectionCannotRefreshAndDoesNotExpire) {
    WsClient ws(herald.port(), ws_target({"broadcast"}));
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("broadcast"));
    ws.send_json({{"type", "refresh"}, {"token", make_token(claims, 300)}});
    auto error = next_of_type(ws, "error");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->value("code", ""), "bad_message");
}

TEST_F(TokenExpiry, SseStreamEndsAtExpWithAnExpiredEvent) {
    SseClient sse(herald.port(), events_target({"room:1"}, "token=" + make_token(claims, 2)));
    ASSERT_EQ(sse.status(), 200u);
    publish_event(herald.port(), "room:1", "before", {}, "b-1");
    auto first = sse.next_event();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id.value_or(""), "b-1");
    auto expired = sse.next_event(4s);
    ASSERT_TRUE(expired);
    EXPECT_EQ(expired->type, "expired");
    EXPECT_FALSE(expired->id) << "the last event id stays where the reconnect resumes";
    EXPECT_EQ(expired->last_event_id, "b-1");
    EXPECT_TRUE(sse.wait_closed(2s));
}

TEST_F(TokenExpiry, SseClientModeGetsExpiredMessage) {
    SseClient sse(herald.port(),
                  events_target({"room:1"}, "client=1&token=" + make_token(claims, 2)));
    ASSERT_EQ(sse.status(), 200u);
    const auto until = std::chrono::steady_clock::now() + 4s;
    std::optional<nlohmann::json> expired;
    while (!expired && std::chrono::steady_clock::now() < until) {
        auto event = sse.next_event(1s);
        if (!event)
            continue;
        auto json = nlohmann::json::parse(event->data, nullptr, false);
        if (json.value("type", "") == "expired")
            expired = json;
    }
    ASSERT_TRUE(expired);
    EXPECT_TRUE(sse.wait_closed(2s));
}

TEST(TokenExpiryOff, StreamsOutliveTheirToken) {
    HeraldProcess herald{secure_flags({"--jwt-leeway", "0s", "--enforce-token-expiry=false"}),
                         Security::as_configured};
    nlohmann::json claims = {{"sub", "42"}, {"channels", {"room:*"}}};
    WsClient ws(herald.port(), ws_target({"room:1"}, "token=" + make_token(claims, 2)));
    SseClient sse(herald.port(), events_target({"room:1"}, "token=" + make_token(claims, 2)));
    ASSERT_TRUE(ws.upgraded());
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    ASSERT_EQ(sse.status(), 200u);
    std::this_thread::sleep_for(2500ms);
    publish_event(herald.port(), "room:1", "after exp", {}, "a-1");
    auto event = next_of_type(ws, "", 3s);
    ASSERT_TRUE(event) << "no refresh asked, no close";
    EXPECT_EQ(event->value("id", ""), "a-1");
    auto sse_event = sse.next_event();
    ASSERT_TRUE(sse_event);
    EXPECT_EQ(sse_event->id.value_or(""), "a-1");
}
