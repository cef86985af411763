// WebSocket protocol details seen from the wire: client pings, fragmented
// messages, the client-initiated closing handshake.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

TEST(WsProtocol, ClientPingFrameGetsPongWithSamePayload) {
    HeraldProcess herald;
    RawWsClient raw(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    ASSERT_FALSE(raw.send(encode_client_frame(opcode::ping, "are you there")));
    auto frame = raw.next_frame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, opcode::pong);
    EXPECT_EQ(frame->payload, "are you there");
    EXPECT_FALSE(frame->masked) << "server frames are never masked";
}

TEST(WsProtocol, FragmentedMessageIsReassembled) {
    HeraldProcess herald;
    RawWsClient raw(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    // "{"type":"ping"}" in three fragments, with a ping control frame between.
    ASSERT_FALSE(raw.send(encode_client_frame(opcode::text, R"({"type")", true, false, false) +
                          encode_client_frame(0x0, R"(:"pi)", true, false, false) +
                          encode_client_frame(opcode::ping, "mid") +
                          encode_client_frame(0x0, R"(ng"})", true, false, true)));
    auto pong = raw.next_frame();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->opcode, opcode::pong);
    EXPECT_EQ(pong->payload, "mid");
    auto reply = raw.next_frame();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->opcode, opcode::text);
    EXPECT_EQ(json::parse(reply->payload, nullptr, false), json({{"type", "pong"}}));
}

TEST(WsProtocol, ClientCloseIsEchoedAndConnectionEnds) {
    HeraldProcess herald;
    RawWsClient raw(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    ASSERT_FALSE(raw.send(encode_client_frame(opcode::close, std::string("\x03\xe8"
                                                                         "bye",
                                                                         5))));
    auto close = raw.wait_close_frame();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1000u);
    EXPECT_TRUE(raw.wait_closed());
    ConnectionCounts counts;
    EXPECT_TRUE(wait_until([&] {
        counts = connection_counts(herald.port());
        return counts.ws == 0;
    })) << "ws connections: "
        << counts.ws;
}

TEST(WsProtocol, BeastClientCloseHandshake) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.wait_subscribed("a"));
    client.close();
    EXPECT_TRUE(client.closed());
    EXPECT_EQ(client.close_code(), 1000u) << client.read_error().message();
    // The daemon keeps serving others.
    WsClient next(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(next.wait_subscribed("a"));
    const auto id = publish_event(herald.port(), "a", 1);
    auto event = next.next_json();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->value("id", ""), id);
}

TEST(WsProtocol, UpgradeResponseHeaders) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.upgraded());
    EXPECT_EQ(client.response().result_int(), 101u);
    EXPECT_TRUE(
        boost::beast::iequals(client.response()[boost::beast::http::field::upgrade], "websocket"));

    // A plain GET of /ws without the upgrade headers is refused.
    auto plain = http_get(herald.port(), ws_target({"a"}));
    EXPECT_EQ(plain.status, 400u);
}
