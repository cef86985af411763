#include "herald/hub/event.hpp"
#include "herald/wire/sse_encoder.hpp"
#include "herald/wire/ws_frame.hpp"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using herald::ws::encode_close;
using herald::ws::encode_frame;
using herald::ws::Opcode;

std::uint8_t byte_at(const std::string& s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

struct Decoded {
    std::uint8_t first = 0;
    std::string payload;
};

// Decodes one unmasked frame and checks the header uses the minimal length form.
Decoded decode(const std::string& frame) {
    Decoded out;
    EXPECT_GE(frame.size(), 2u);
    out.first = byte_at(frame, 0);
    EXPECT_EQ(byte_at(frame, 1) & 0x80, 0) << "server frames must not be masked";
    std::uint64_t length = byte_at(frame, 1) & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
        length = (std::uint64_t{byte_at(frame, 2)} << 8) | byte_at(frame, 3);
        header = 4;
        EXPECT_GT(length, 125u);
    } else if (length == 127) {
        length = 0;
        for (std::size_t i = 2; i < 10; ++i) {
            length = (length << 8) | byte_at(frame, i);
        }
        header = 10;
        EXPECT_GT(length, 0xFFFFu);
    }
    EXPECT_EQ(frame.size(), header + length);
    out.payload = frame.substr(header);
    return out;
}

bool is_valid_utf8(const std::string& s) {
    return !nlohmann::json::parse("\"" + s + "\"", nullptr, false).is_discarded();
}

TEST(WsFrame, OpcodesWithFinBit) {
    EXPECT_EQ(byte_at(encode_frame(Opcode::text, "x"), 0), 0x81);
    EXPECT_EQ(byte_at(encode_frame(Opcode::binary, "x"), 0), 0x82);
    EXPECT_EQ(byte_at(encode_frame(Opcode::close, ""), 0), 0x88);
    EXPECT_EQ(byte_at(encode_frame(Opcode::ping, ""), 0), 0x89);
    EXPECT_EQ(byte_at(encode_frame(Opcode::pong, ""), 0), 0x8A);
}

TEST(WsFrame, LengthBoundaries) {
    struct Case {
        std::size_t length;
        std::size_t header;
        std::uint8_t len7;
    };
    for (const Case c : {Case{0, 2, 0}, Case{1, 2, 1}, Case{125, 2, 125}, Case{126, 4, 126},
                         Case{65535, 4, 126}, Case{65536, 10, 127}, Case{70000, 10, 127}}) {
        const std::string payload(c.length, 'p');
        const std::string frame = encode_frame(Opcode::binary, payload);
        ASSERT_EQ(frame.size(), c.header + c.length) << c.length;
        EXPECT_EQ(byte_at(frame, 1), c.len7) << c.length;
        EXPECT_EQ(decode(frame).payload, payload) << c.length;
    }
}

TEST(WsFrame, ExtendedLengthBytesAreBigEndian) {
    const std::string f16 = encode_frame(Opcode::text, std::string(0x1234, 'a'));
    EXPECT_EQ(byte_at(f16, 2), 0x12);
    EXPECT_EQ(byte_at(f16, 3), 0x34);
    const std::string f64 = encode_frame(Opcode::text, std::string(0x012345, 'a'));
    const std::string expected("\x00\x00\x00\x00\x00\x01\x23\x45", 8);
    EXPECT_EQ(f64.substr(2, 8), expected);
}

TEST(WsFrame, CloseCarriesCodeAndReason) {
    const Decoded d = decode(encode_close(1001, "going away"));
    EXPECT_EQ(d.first, 0x88);
    ASSERT_GE(d.payload.size(), 2u);
    EXPECT_EQ(byte_at(d.payload, 0), 0x03);
    EXPECT_EQ(byte_at(d.payload, 1), 0xE9);
    EXPECT_EQ(d.payload.substr(2), "going away");
    EXPECT_EQ(decode(encode_close(4000, "")).payload, std::string("\x0f\xa0", 2));
}

TEST(WsFrame, CloseReasonTruncatedTo125BytePayload) {
    EXPECT_EQ(decode(encode_close(1000, std::string(123, 'r'))).payload.size(), 125u);
    EXPECT_EQ(decode(encode_close(1000, std::string(124, 'r'))).payload.size(), 125u);
    EXPECT_EQ(decode(encode_close(1000, std::string(5000, 'r'))).payload.size(), 125u);
}

TEST(WsFrame, CloseTruncationKeepsUtf8Whole) {
    // 122 ASCII + a 2-byte char ends at byte 124: the char must go entirely.
    const std::string two = std::string(122, 'a') + "\xc3\xa9";
    EXPECT_EQ(decode(encode_close(1000, two)).payload.substr(2), std::string(122, 'a'));
    // A 4-byte emoji straddling the limit.
    const std::string four = std::string(121, 'a') + "\xf0\x9f\x8e\x89" + "tail";
    const std::string reason = decode(encode_close(1000, four)).payload.substr(2);
    EXPECT_EQ(reason, std::string(121, 'a'));
    EXPECT_TRUE(is_valid_utf8(reason));
    // A 2-byte char ending exactly at the limit is kept.
    const std::string exact = std::string(121, 'a') + "\xc3\xa9" + "zz";
    EXPECT_EQ(decode(encode_close(1000, exact)).payload.substr(2),
              std::string(121, 'a') + "\xc3\xa9");
}

TEST(WsFrame, Utf8Prefix) {
    using herald::ws::utf8_prefix;
    EXPECT_EQ(utf8_prefix("short", 10), "short");
    EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
    EXPECT_EQ(utf8_prefix("\xe6\x97\xa5\xe6\x9c\xac", 4), "\xe6\x97\xa5");
    EXPECT_EQ(utf8_prefix("\xe6\x97\xa5", 2), "");
    EXPECT_EQ(utf8_prefix("\x80\x80\x80", 1), ""); // garbage: never reads out of range
}

TEST(MakeEvent, FillsFieldsAndEncodesBothTransports) {
    const auto before = std::chrono::steady_clock::now();
    const auto event =
        herald::make_event("user:42", "notification", "evt-1", R"({"text":"hi","n":[1,2]})",
                           R"({"text":"hi","n":[1,2]})");
    EXPECT_EQ(event->channel, "user:42");
    EXPECT_EQ(event->name, "notification");
    EXPECT_EQ(event->id, "evt-1");
    EXPECT_EQ(event->data_json, R"({"text":"hi","n":[1,2]})");
    EXPECT_GE(event->published_at, before);
    EXPECT_EQ(event->sse,
              herald::sse::encode_event("evt-1", "notification", R"({"text":"hi","n":[1,2]})"));
    EXPECT_EQ(event->wire_bytes(), event->sse.size() + event->ws_frame.size());

    const Decoded frame = decode(event->ws_frame);
    EXPECT_EQ(frame.first, 0x81);
    const auto json = nlohmann::json::parse(frame.payload, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << frame.payload;
    EXPECT_EQ(json.size(), 4u);
    EXPECT_EQ(json["channel"], "user:42");
    EXPECT_EQ(json["event"], "notification");
    EXPECT_EQ(json["id"], "evt-1");
    EXPECT_EQ(json["data"], nlohmann::json::parse(R"({"text":"hi","n":[1,2]})"));
}

TEST(MakeEvent, EscapesNameAndIdAndUsesSseDataForSse) {
    // Event names may contain quotes and backslashes (printable ASCII).
    const auto event =
        herald::make_event("room:1", R"(a"b\c)", R"(i"d)", R"("line1\nline2")", "line1\nline2");
    EXPECT_EQ(event->sse, "id: i\"d\nevent: a\"b\\c\ndata: line1\ndata: line2\n\n");
    const auto json = nlohmann::json::parse(decode(event->ws_frame).payload, nullptr, false);
    ASSERT_FALSE(json.is_discarded());
    EXPECT_EQ(json["event"], R"(a"b\c)");
    EXPECT_EQ(json["id"], R"(i"d)");
    EXPECT_EQ(json["data"], "line1\nline2");
}

TEST(MakeEvent, LargeAndNullData) {
    const std::string big = "\"" + std::string(70000, 'x') + "\"";
    const auto event = herald::make_event("c", "message", "1", big, std::string(70000, 'x'));
    const auto json = nlohmann::json::parse(decode(event->ws_frame).payload, nullptr, false);
    ASSERT_FALSE(json.is_discarded());
    EXPECT_EQ(json["data"].get<std::string>().size(), 70000u);

    const auto null_event = herald::make_event("c", "message", "2", "null", "null");
    const auto null_json = nlohmann::json::parse(decode(null_event->ws_frame).payload);
    EXPECT_TRUE(null_json["data"].is_null());
    EXPECT_EQ(null_event->sse, "id: 2\ndata: null\n\n");
}

} // namespace
