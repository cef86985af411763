// permessage-deflate end to end (README "Compression"): the offer is answered
// with no context takeover both ways, each event is compressed once and the
// same frame goes to every deflate client, plain clients get plain frames,
// and compressed client messages are inflated. The raw client checks
// herald's bytes with zlib itself; Beast's client is a second, independent
// implementation. Raw-frame edge cases are in ws_conformance_test.cpp.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

namespace {

constexpr const char* kAnswer = "Sec-WebSocket-Extensions: permessage-deflate; "
                                "server_no_context_takeover; client_no_context_takeover";
constexpr std::uint8_t kRsv1 = 0x4; // RawFrame::rsv holds RSV1..3 as bits 2..0

// About 1 KiB of chat-like JSON.
json chat_data() {
    json messages = json::array();
    for (int i = 0; i < 12; ++i)
        messages.push_back({{"user", "user" + std::to_string(i % 3)},
                            {"text", "hello everyone, this is message " + std::to_string(i)},
                            {"ts", 1733300000 + i}});
    return {{"room", "lobby"}, {"messages", messages}};
}

// The next text frame other than a "subscribed", inflated if it has RSV1.
std::optional<std::pair<RawFrame, std::string>> next_event(RawWsClient& raw) {
    while (auto frame = raw.next_frame()) {
        if (frame->opcode != opcode::text)
            continue;
        auto text = (frame->rsv & kRsv1) ? reference_inflate(frame->payload) : frame->payload;
        if (text.find(R"("type":"subscribed")") == std::string::npos)
            return std::make_pair(*frame, text);
    }
    return std::nullopt;
}

} // namespace

// Two encodings of one event: the deflate client's frame has RSV1 and
// inflates to exactly the JSON the plain client gets.
TEST(WsDeflateIntegration, OneEventTwoEncodings) {
    HeraldProcess herald;
    RawWsClient deflated(herald.port(), ws_target({"room"}), 0, kTimeout, kDeflateOffer);
    EXPECT_NE(deflated.handshake_response().find(kAnswer), std::string::npos)
        << deflated.handshake_response();
    RawWsClient second(herald.port(), ws_target({"room"}), 0, kTimeout, kDeflateOffer);
    RawWsClient plain(herald.port(), ws_target({"room"}));
    EXPECT_EQ(plain.handshake_response().find("Sec-WebSocket-Extensions"), std::string::npos);
    ASSERT_TRUE(deflated.wait_text("subscribed"));
    ASSERT_TRUE(second.wait_text("subscribed"));
    ASSERT_TRUE(plain.wait_text("subscribed"));

    const auto id = publish_event(herald.port(), "room", chat_data());
    auto compressed = next_event(deflated);
    auto uncompressed = next_event(plain);
    ASSERT_TRUE(compressed && uncompressed);
    EXPECT_EQ(compressed->first.rsv, kRsv1);
    EXPECT_EQ(uncompressed->first.rsv, 0);
    EXPECT_EQ(compressed->second, uncompressed->second);
    EXPECT_NE(compressed->second.find(id), std::string::npos);
    EXPECT_LT(compressed->first.payload.size() * 3, uncompressed->first.payload.size())
        << "chat JSON should compress at least 3x";
    auto again = next_event(second);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->first.payload, compressed->first.payload) << "the same compressed frame";

    // A small event gains nothing from deflate: plain to both.
    publish_event(herald.port(), "room", "hi");
    auto small = next_event(deflated);
    ASSERT_TRUE(small);
    EXPECT_EQ(small->first.rsv, 0);
    EXPECT_NE(small->second.find(R"("data":"hi")"), std::string::npos);

    // Compressed once, for both deflate clients; the small event never.
    EXPECT_EQ(metric_value(herald.port(), "herald_ws_deflate_sessions_total"), 2);
    EXPECT_EQ(metric_value(herald.port(), "herald_ws_deflate_in_bytes_total"),
              static_cast<double>(uncompressed->first.payload.size() + 4));
    EXPECT_EQ(metric_value(herald.port(), "herald_ws_deflate_out_bytes_total"),
              static_cast<double>(compressed->first.payload.size() +
                                  (compressed->first.payload.size() < 126 ? 2 : 4)));
}

// Messages the client compresses (RSV1) are inflated and handled.
TEST(WsDeflateIntegration, CompressedClientMessagesAreUnderstood) {
    HeraldProcess herald;
    RawWsClient raw(herald.port(), ws_target({"a"}), 0, kTimeout, kDeflateOffer);
    ASSERT_TRUE(raw.wait_text("subscribed"));
    ASSERT_FALSE(raw.send(encode_client_frame(
        opcode::text, reference_deflate(R"({"type":"subscribe","channel":"b"})"), true, true)));
    ASSERT_TRUE(raw.wait_text(R"("channel":"b")"));
    publish_event(herald.port(), "b", chat_data());
    auto event = next_event(raw);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->first.rsv, kRsv1);
    EXPECT_NE(event->second.find(R"("channel":"b")"), std::string::npos);
}

// Beast's client negotiates deflate with herald, inflates herald's frames
// and compresses its own publish, which a plain client receives.
TEST(WsDeflateIntegration, BeastClientBothWays) {
    HeraldProcess herald;
    WsClient deflated(herald.port(), ws_target({"room"}), {}, kTimeout, /*deflate=*/true);
    // Beast offers server_max_window_bits=15, herald's own window: echoed.
    EXPECT_EQ(std::string(deflated.response()["Sec-WebSocket-Extensions"]),
              std::string(kAnswer).substr(std::string("Sec-WebSocket-Extensions: ").size()) +
                  "; server_max_window_bits=15");
    WsClient plain(herald.port(), ws_target({"room"}));
    ASSERT_TRUE(deflated.wait_subscribed("room"));
    ASSERT_TRUE(plain.wait_subscribed("room"));

    publish_event(herald.port(), "room", chat_data());
    auto a = deflated.next_message();
    auto b = plain.next_message();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);

    ASSERT_FALSE(deflated.send_json({{"type", "subscribe"}, {"channel", "other"}}));
    EXPECT_TRUE(deflated.wait_subscribed("other"));
    EXPECT_GE(metric_value(herald.port(), "herald_ws_deflate_sessions_total").value_or(0), 1);
}

// ws_deflate = false: the offer is ignored, and RSV1 is a protocol error.
TEST(WsDeflateIntegration, DisabledByConfig) {
    HeraldProcess herald({"--ws-deflate=false"}); // a flag takes its value after "="
    RawWsClient raw(herald.port(), ws_target({"a"}), 0, kTimeout, kDeflateOffer);
    EXPECT_EQ(raw.handshake_response().find("Sec-WebSocket-Extensions"), std::string::npos)
        << raw.handshake_response();
    ASSERT_TRUE(raw.wait_text("subscribed"));
    publish_event(herald.port(), "a", chat_data());
    auto event = next_event(raw);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->first.rsv, 0);
    ASSERT_FALSE(raw.send(
        encode_client_frame(opcode::text, reference_deflate(R"({"type":"ping"})"), true, true)));
    auto close = raw.wait_close_frame();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1002u);
}
