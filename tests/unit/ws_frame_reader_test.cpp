#include "ws_client_frames.hpp"

#include <gtest/gtest.h>

using herald::ws::FrameReader;
using herald::ws::ReadResult;
using Kind = ReadResult::Kind;
using namespace herald_test;

TEST(WsFrameReader, TextMessagesWholeAndByteByByte) {
    auto bytes = client_frame(0x81, R"({"type":"ping"})") + client_frame(0x81, "");
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, bytes.size()}) {
        FrameReader reader(1024);
        auto seen = feed(reader, bytes, chunk);
        ASSERT_EQ(seen.size(), 2u) << "chunk " << chunk;
        EXPECT_EQ(seen[0].kind, Kind::text);
        EXPECT_EQ(seen[0].payload, R"({"type":"ping"})");
        EXPECT_EQ(seen[1].kind, Kind::text);
        EXPECT_EQ(seen[1].payload, "");
    }
}

TEST(WsFrameReader, LengthForms) {
    std::string medium(300, 'm'), large(70'000, 'L');
    FrameReader reader(1 << 20);
    auto seen = feed(reader, client_frame(0x82, medium) + client_frame(0x81, large), 4096);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].kind, Kind::binary);
    EXPECT_EQ(seen[0].payload, medium);
    EXPECT_EQ(seen[1].payload, large);
}

TEST(WsFrameReader, FragmentsWithControlFramesBetween) {
    auto bytes = client_frame(0x01, "hel") + client_frame(0x89, "p1") + client_frame(0x00, "lo ") +
                 client_frame(0x8A, "") + client_frame(0x80, "world");
    FrameReader reader(1024);
    auto seen = feed(reader, bytes, 2);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].kind, Kind::ping);
    EXPECT_EQ(seen[0].payload, "p1");
    EXPECT_EQ(seen[1].kind, Kind::pong);
    EXPECT_EQ(seen[2].kind, Kind::text);
    EXPECT_EQ(seen[2].payload, "hello world");
}

TEST(WsFrameReader, UnicodeSplitAcrossFragmentsIsValid) {
    std::string euro = "\xE2\x82\xAC";
    FrameReader reader(1024);
    auto seen =
        feed(reader, client_frame(0x01, euro.substr(0, 1)) + client_frame(0x80, euro.substr(1)));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].payload, euro);
}

TEST(WsFrameReader, BadTextFailsAtTheFirstFragment) {
    FrameReader reader(1024);
    auto seen = feed(reader, client_frame(0x01, "ok \xFF"));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Kind::error);
    EXPECT_EQ(seen[0].code, 1007);
}

TEST(WsFrameReader, CloseFrames) {
    FrameReader empty(64);
    auto seen = feed(empty, client_frame(0x88, ""));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Kind::close);
    EXPECT_EQ(seen[0].code, 1005);

    FrameReader with_reason(64);
    seen = feed(with_reason, client_frame(0x88, std::string("\x03\xE8", 2) + "bye") +
                                 client_frame(0x81, "ignored after close"));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].code, 1000);
    EXPECT_EQ(seen[0].payload, "bye");
    EXPECT_TRUE(with_reason.finished());
}

// Each case: bytes a polite client never sends, and the close code the RFC asks for.
TEST(WsFrameReader, ProtocolViolationsGetTheirCloseCodes) {
    struct Case {
        const char* name;
        std::string bytes;
        std::uint16_t code;
    };
    std::string unmasked = client_frame(0x81, "hi");
    unmasked[1] = static_cast<char>(unmasked[1] & 0x7F);
    std::vector<Case> cases = {
        {"unmasked", unmasked, 1002},
        {"rsv1", client_frame(0xC1, "x"), 1002},
        {"rsv3", client_frame(0x91, "x"), 1002},
        {"opcode 3", client_frame(0x83, "x"), 1002},
        {"opcode 0xB", client_frame(0x8B, ""), 1002},
        {"fragmented ping", client_frame(0x09, "x"), 1002},
        {"oversized ping", client_frame(0x89, std::string(126, 'p')), 1002},
        {"continuation first", client_frame(0x80, "x"), 1002},
        {"text inside text", client_frame(0x01, "a") + client_frame(0x81, "b"), 1002},
        {"16-bit length under 126", client_frame(0x81, "short", 126), 1002},
        {"64-bit length under 65536", client_frame(0x81, "short", 127), 1002},
        {"close with one byte", client_frame(0x88, "x"), 1002},
        {"close code 1005", client_frame(0x88, std::string("\x03\xED", 2)), 1002},
        {"close code 999", client_frame(0x88, std::string("\x03\xE7", 2)), 1002},
        {"close code 5000", client_frame(0x88, std::string("\x13\x88", 2)), 1002},
        {"close reason not UTF-8", client_frame(0x88, std::string("\x03\xE8\xFF", 3)), 1002},
        {"text not UTF-8", client_frame(0x81, "\xC0\xAF"), 1007},
        {"text not UTF-8 across fragments",
         client_frame(0x01, "\xE2\x82") + client_frame(0x80, "x"), 1007},
        {"too big", client_frame(0x81, std::string(65, 'x')), 1009},
        {"too big over fragments",
         client_frame(0x01, std::string(40, 'x')) + client_frame(0x80, std::string(40, 'x')), 1009},
    };
    for (const auto& c : cases) {
        FrameReader reader(64);
        auto seen = feed(reader, c.bytes + client_frame(0x81, "after"));
        ASSERT_FALSE(seen.empty()) << c.name;
        EXPECT_EQ(seen.back().kind, Kind::error) << c.name;
        EXPECT_EQ(seen.back().code, c.code) << c.name;
        EXPECT_EQ(seen.size(), 1u) << c.name << ": nothing is read after an error";
        EXPECT_TRUE(reader.finished()) << c.name;
    }
}

TEST(WsFrameReader, ValidCloseCodes) {
    for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999})
        EXPECT_TRUE(herald::ws::is_valid_close_code(code)) << code;
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
        EXPECT_FALSE(herald::ws::is_valid_close_code(code)) << code;
}
