// Bad WebSocket input: the connection is closed with the RFC 6455 status
// code, and a subscriber that was already connected keeps receiving events.
#include "bad_input_fixture.hpp"

using namespace herald_test;

namespace {

// Sends `frame` after a raw handshake and returns the server's close frame.
std::optional<RawFrame> close_after(std::uint16_t port, const std::string& frame) {
    RawWsClient raw(port, ws_target({"victim"}));
    EXPECT_TRUE(raw.wait_text("subscribed"));
    EXPECT_FALSE(raw.send(frame));
    auto close = raw.wait_close_frame();
    EXPECT_TRUE(raw.wait_closed()) << "TCP connection left open after the close frame";
    return close;
}

} // namespace

TEST_F(BadInput, WsMessageOverMaxSizeCloses1009) {
    WsClient client(port(), ws_target({"victim"}));
    ASSERT_TRUE(client.wait_subscribed("victim"));
    // Within the limit: answered normally.
    ASSERT_FALSE(client.send(json({{"type", "ping"}, {"pad", std::string(900, 'p')}}).dump()));
    auto pong = client.next_json();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->value("type", ""), "pong");

    ASSERT_FALSE(client.send(json({{"type", "ping"}, {"pad", std::string(2048, 'p')}}).dump()));
    EXPECT_TRUE(client.wait_closed());
    EXPECT_EQ(client.close_code(), 1009u) << client.read_error().message();
    EXPECT_EQ(Rejections("message_too_large"), 1);
    EXPECT_EQ(Rejections("ws_protocol_error"), 0);
    ExpectBystanderStillServed();
}

TEST_F(BadInput, WsInvalidUtf8Closes1007) {
    auto close = close_after(port(), encode_client_frame(opcode::text, "{\"type\":\"\xC3\x28\"}"));
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1007u);
    EXPECT_EQ(Rejections("ws_protocol_error"), 1);
    ExpectBystanderStillServed();
}

TEST_F(BadInput, WsReservedBitCloses1002) {
    auto close = close_after(port(), encode_client_frame(opcode::text, R"({"type":"ping"})",
                                                         /*mask=*/true, /*rsv1=*/true));
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1002u);
    ExpectBystanderStillServed();
}

TEST_F(BadInput, WsUnmaskedClientFrameCloses1002) {
    auto close = close_after(port(), encode_client_frame(opcode::text, R"({"type":"ping"})",
                                                         /*mask=*/false));
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1002u);
    ExpectBystanderStillServed();
}

TEST_F(BadInput, WsUnknownOpcodeCloses1002) {
    auto close = close_after(port(), encode_client_frame(0x3, "x"));
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1002u);
    ExpectBystanderStillServed();
}
