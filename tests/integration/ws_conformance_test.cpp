// RFC 6455 conformance from the wire, for what a polite client never sends:
// each case expects the close code the RFC asks for (1002 protocol error,
// 1007 invalid payload, 1009 too big) or the normal echo, and ends by checking
// that an SSE and a WebSocket subscriber connected before are still served.
// Cases already covered elsewhere: bad_ws_input_test.cpp (unmasked frame,
// RSV1, unknown data opcode, invalid UTF-8 in one frame, 1009 through Beast's
// client), ws_protocol_test.cpp (client ping, fragments with an interleaved
// ping, close echo) and ws_test.cpp (server pings, missing pongs).
#include "bad_input_fixture.hpp"

using namespace herald_test;

namespace {

constexpr std::uint8_t kContinuation = 0x0;

std::string frame(std::uint8_t op, std::string_view payload, bool fin = true) {
    return encode_client_frame(op, payload, /*mask=*/true, /*rsv1=*/false, fin);
}

// A compressed message's first frame: RSV1 (RFC 7692 6).
std::string deflated(std::uint8_t op, std::string_view compressed, bool fin = true) {
    return encode_client_frame(op, compressed, /*mask=*/true, /*rsv1=*/true, fin);
}

std::string close_payload(unsigned code, std::string_view reason = {}) {
    std::string out{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    out.append(reason);
    return out;
}

// BadInput (max_message_size 1 KiB, an SSE bystander) plus a WebSocket
// bystander, so that each case shows both transports unharmed.
class WsConformance : public BadInput {
protected:
    void SetUp() override {
        BadInput::SetUp();
        ws_bystander_.emplace(port(), ws_target({"bystander"}));
        ASSERT_TRUE(ws_bystander_->wait_subscribed("bystander"));
    }

    // Sends `bytes` after a raw handshake (with `headers`, e.g. kDeflateOffer);
    // returns the server's close code (0 if no close frame came) and expects
    // the TCP connection to end.
    unsigned CloseCodeAfter(const std::string& bytes, const std::string& headers = {}) {
        RawWsClient raw(port(), ws_target({"victim"}), 0, kTimeout, headers);
        EXPECT_TRUE(raw.wait_text("subscribed"));
        EXPECT_FALSE(raw.send(bytes));
        auto close = raw.wait_close_frame();
        EXPECT_TRUE(raw.wait_closed()) << "TCP connection left open after the close frame";
        if (!close)
            return 0;
        EXPECT_FALSE(close->masked) << "server frames are never masked";
        return close->close_code();
    }

    void ExpectBothBystandersServed() {
        ASSERT_NO_FATAL_FAILURE(ExpectBystanderStillServed());
        auto event = ws_bystander_->next_json();
        ASSERT_TRUE(event) << "the WebSocket bystander got nothing";
        EXPECT_EQ(event->value("data", ""), "still served");
    }

    std::optional<WsClient> ws_bystander_;
};

} // namespace

// RFC 6455 5.4: control frames MUST NOT be fragmented.
TEST_F(WsConformance, FragmentedPingCloses1002) {
    EXPECT_EQ(CloseCodeAfter(frame(opcode::ping, "part", /*fin=*/false)), 1002u);
    ExpectBothBystandersServed();
}

// RFC 6455 5.5: control frame payloads are at most 125 bytes.
TEST_F(WsConformance, OversizedPingCloses1002) {
    EXPECT_EQ(CloseCodeAfter(frame(opcode::ping, std::string(126, 'p'))), 1002u);
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, OversizedCloseFrameCloses1002) {
    EXPECT_EQ(CloseCodeAfter(frame(opcode::close, close_payload(1000, std::string(124, 'r')))),
              1002u);
    ExpectBothBystandersServed();
}

// RFC 6455 5.4: a continuation frame needs an unfinished message to continue.
TEST_F(WsConformance, ContinuationWithoutStartCloses1002) {
    EXPECT_EQ(CloseCodeAfter(frame(kContinuation, R"({"type":"ping"})")), 1002u);
    ExpectBothBystandersServed();
}

// ...and a new data frame may not start while one is unfinished.
TEST_F(WsConformance, NewMessageInsideFragmentedOneCloses1002) {
    EXPECT_EQ(CloseCodeAfter(frame(opcode::text, R"({"type")", false) +
                             frame(opcode::text, R"({"type":"ping"})")),
              1002u);
    ExpectBothBystandersServed();
}

// RFC 6455 5.2: RSV2 and RSV3 too, with no extension negotiated.
TEST_F(WsConformance, Rsv2AndRsv3Close1002) {
    for (unsigned bit : {0x20u, 0x10u}) {
        auto bytes = frame(opcode::text, R"({"type":"ping"})");
        bytes[0] = static_cast<char>(static_cast<unsigned char>(bytes[0]) | bit);
        EXPECT_EQ(CloseCodeAfter(bytes), 1002u) << "reserved bit " << bit;
    }
    ExpectBothBystandersServed();
}

// RFC 6455 5.2: opcodes 0xB-0xF are reserved control frames.
TEST_F(WsConformance, ReservedControlOpcodeCloses1002) {
    EXPECT_EQ(CloseCodeAfter(frame(0xB, "x")), 1002u);
    ExpectBothBystandersServed();
}

// RFC 6455 7.4: 1005, 1006, 1015 and unassigned codes never go on the wire;
// a one-byte close payload cannot hold a code.
TEST_F(WsConformance, BadCloseCodesClose1002) {
    for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2999u})
        EXPECT_EQ(CloseCodeAfter(frame(opcode::close, close_payload(code))), 1002u)
            << "close code " << code;
    EXPECT_EQ(CloseCodeAfter(frame(opcode::close, std::string(1, '\x03'))), 1002u)
        << "one-byte close payload";
    ExpectBothBystandersServed();
}

// RFC 6455 5.5.1: the close reason is UTF-8 text. A close frame is not a
// text message, so 1007 (7.4.1) does not strictly apply: Beast failed the
// connection with 1002, which Autobahn (case 7.5.1) also accepts, and so
// does herald's FrameReader.
TEST_F(WsConformance, CloseReasonWithInvalidUtf8Closes1002) {
    EXPECT_EQ(CloseCodeAfter(frame(opcode::close, close_payload(1000, "bad \xC3\x28"))), 1002u);
    ExpectBothBystandersServed();
}

// RFC 6455 5.5.1: the endpoint answers a close with a close, echoing the
// code; registered (1000-1003, 1007-1011) and private (3000-4999) codes.
TEST_F(WsConformance, ValidCloseCodesAreEchoed) {
    for (unsigned code : {1000u, 1001u, 1003u, 1011u, 3000u, 4999u})
        EXPECT_EQ(CloseCodeAfter(frame(opcode::close, close_payload(code, "bye"))), code)
            << "close code " << code;
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, EmptyCloseIsAnsweredWithNormalClose) {
    RawWsClient raw(port(), ws_target({"victim"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    ASSERT_FALSE(raw.send(frame(opcode::close, "")));
    auto close = raw.wait_close_frame();
    ASSERT_TRUE(close);
    // An empty close, or 1000: both say "no error" (RFC 6455 7.1.5).
    EXPECT_TRUE(close->payload.empty() || close->close_code() == 1000u) << close->close_code();
    EXPECT_TRUE(raw.wait_closed());
    ExpectBothBystandersServed();
}

// RFC 6455 8.1: UTF-8 is checked across fragment boundaries.
TEST_F(WsConformance, InvalidUtf8SplitAcrossFragmentsCloses1007) {
    // "\xC3" opens a two-byte sequence that "(" does not continue.
    EXPECT_EQ(CloseCodeAfter(frame(opcode::text, "{\"type\":\"\xC3", false) +
                             frame(kContinuation, "(\"}")),
              1007u);
    ExpectBothBystandersServed();
}

// A valid code point split across fragments is reassembled, not refused.
TEST_F(WsConformance, ValidUtf8SplitAcrossFragmentsIsAccepted) {
    RawWsClient raw(port(), ws_target({"victim"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    // {"type":"ping","pad":"é€😀"}, cut inside each multi-byte sequence.
    ASSERT_FALSE(raw.send(frame(opcode::text, "{\"type\":\"ping\",\"pad\":\"\xC3", false) +
                          frame(kContinuation, "\xA9\xE2\x82", false) +
                          frame(kContinuation, "\xAC\xF0\x9F", false) +
                          frame(kContinuation, "\x98\x80\"}")));
    ASSERT_TRUE(raw.wait_text(R"("type":"pong")"));
    ExpectBothBystandersServed();
}

// Fail fast: an impossible byte in the first fragment closes the connection
// without waiting for the rest of the message.
TEST_F(WsConformance, InvalidUtf8InFirstFragmentClosesAtOnce1007) {
    EXPECT_EQ(CloseCodeAfter(frame(opcode::text, "{\"type\":\"\xFF", false)), 1007u);
    ExpectBothBystandersServed();
}

// RFC 6455 7.4.1: 1009 for a message too big to process, whether the frame
// header announces it or fragments add up to it (max_message_size is 1 KiB).
TEST_F(WsConformance, FrameHeaderOverMaxMessageSizeCloses1009) {
    // Only the header of a 1 MiB frame: herald must not wait for its payload.
    auto header = frame(opcode::text, std::string(1 << 20, 'x')).substr(0, 14);
    EXPECT_EQ(CloseCodeAfter(header), 1009u);
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, FragmentsOverMaxMessageSizeClose1009) {
    std::string bytes = frame(opcode::text, std::string(600, ' '), false);
    bytes += frame(kContinuation, std::string(600, ' '), false);
    EXPECT_EQ(CloseCodeAfter(bytes), 1009u);
    ExpectBothBystandersServed();
}

// RFC 6455 5.5.2/5.5.3: a ping gets a pong with its payload (up to 125
// bytes), and an unsolicited pong is simply ignored.
TEST_F(WsConformance, PingPongAtTheLimits) {
    RawWsClient raw(port(), ws_target({"victim"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    const std::string payload(125, 'z');
    ASSERT_FALSE(raw.send(frame(opcode::pong, "unsolicited") + frame(opcode::ping, payload)));
    auto pong = raw.next_frame();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->opcode, opcode::pong);
    EXPECT_TRUE(pong->fin);
    EXPECT_EQ(pong->payload, payload);
    ASSERT_FALSE(raw.send(frame(opcode::text, R"({"type":"ping"})")));
    EXPECT_TRUE(raw.wait_text(R"("type":"pong")")) << "the connection did not stay open";
    ExpectBothBystandersServed();
}

// RFC 6455 5.5.1: after its close frame an endpoint sends no more data, even
// when events are published to its channel meanwhile.
TEST_F(WsConformance, NothingFollowsTheServersCloseFrame) {
    RawWsClient raw(port(), ws_target({"victim"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    ASSERT_FALSE(raw.send(frame(opcode::close, close_payload(1000, "done"))));
    publish_event(port(), "victim", "too late", "", "", kKey);
    auto close = raw.wait_close_frame();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1000u);
    const auto frames_before = raw.frames_read();
    while (auto next = raw.next_frame(Millis{500}))
        ADD_FAILURE() << "frame with opcode " << int(next->opcode) << " after the close frame";
    EXPECT_EQ(raw.frames_read(), frames_before);
    EXPECT_TRUE(raw.wait_closed());
    ExpectBothBystandersServed();
}

// permessage-deflate (RFC 7692), negotiated by kDeflateOffer. herald closes
// invalid deflate data with 1007: the frames are well formed, their payload
// is not what the message type says (README "Compression").
TEST_F(WsConformance, DeflateCompressedTextIsInflatedAndHandled) {
    RawWsClient raw(port(), ws_target({"victim"}), 0, kTimeout, kDeflateOffer);
    ASSERT_TRUE(raw.wait_text("subscribed"));
    ASSERT_FALSE(raw.send(deflated(opcode::text, reference_deflate(R"({"type":"ping"})"))));
    ASSERT_TRUE(raw.wait_text(R"("type":"pong")"));
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, DeflateFragmentedMessageWithRsv1OnFirstFrameOnly) {
    RawWsClient raw(port(), ws_target({"victim"}), 0, kTimeout, kDeflateOffer);
    ASSERT_TRUE(raw.wait_text("subscribed"));
    const auto compressed = reference_deflate(R"({"type":"ping","pad":"é€😀 é€😀 é€😀 é€😀"})");
    const auto third = compressed.size() / 3;
    ASSERT_FALSE(raw.send(deflated(opcode::text, compressed.substr(0, third), false) +
                          frame(kContinuation, compressed.substr(third, third), false) +
                          frame(opcode::ping, "mid") +
                          frame(kContinuation, compressed.substr(2 * third))));
    ASSERT_TRUE(raw.wait_text(R"("type":"pong")"));
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, DeflateRsv1OnControlFrameCloses1002) {
    EXPECT_EQ(CloseCodeAfter(deflated(opcode::ping, ""), kDeflateOffer), 1002u);
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, DeflateRsv1OnContinuationCloses1002) {
    const auto compressed = reference_deflate(R"({"type":"ping"})");
    EXPECT_EQ(CloseCodeAfter(deflated(opcode::text, compressed.substr(0, 4), false) +
                                 deflated(kContinuation, compressed.substr(4)),
                             kDeflateOffer),
              1002u);
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, DeflateRsv1WithoutNegotiationCloses1002) {
    EXPECT_EQ(CloseCodeAfter(deflated(opcode::text, reference_deflate(R"({"type":"ping"})"))), 1002u);
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, DeflateInvalidDataCloses1007) {
    EXPECT_EQ(CloseCodeAfter(deflated(opcode::text, "\xff\xff\xff\xff"), kDeflateOffer), 1007u);
    ExpectBothBystandersServed();
}

// 512 KiB of spaces in about 500 bytes, under the 1 KiB max_message_size on
// the wire: refused once the inflated text passes 1 KiB.
TEST_F(WsConformance, DeflateZipBombCloses1009) {
    const auto bomb = reference_deflate(std::string(512 << 10, ' '), Z_SYNC_FLUSH, 9);
    ASSERT_LT(bomb.size(), 1000u);
    EXPECT_EQ(CloseCodeAfter(deflated(opcode::text, bomb), kDeflateOffer), 1009u);
    EXPECT_GE(Rejections("message_too_large"), 1);
    ExpectBothBystandersServed();
}

TEST_F(WsConformance, DeflateInflatedInvalidUtf8Closes1007) {
    EXPECT_EQ(CloseCodeAfter(deflated(opcode::text, reference_deflate("{\"type\":\"\xC3(\"}")),
                             kDeflateOffer),
              1007u);
    ExpectBothBystandersServed();
}
