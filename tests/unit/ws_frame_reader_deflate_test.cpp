// FrameReader with permessage-deflate negotiated (RFC 7692 6): RSV1 on a
// message's first frame means compressed; anywhere else it is 1002.
#include "herald/wire/ws_deflater.hpp"
#include "herald/wire/ws_frame_reader.hpp"
#include "ws_client_frames.hpp"

#include <gtest/gtest.h>

#include <vector>

using herald::ws::Deflater;
using herald::ws::FrameReader;
using herald::ws::Inflater;
using herald::ws::ReadResult;
using Kind = ReadResult::Kind;
using namespace herald_test;

namespace {

constexpr std::uint8_t kFin = 0x80, kRsv1 = 0x40, kText = 0x1, kBinary = 0x2, kPing = 0x9;

std::string deflate(std::string_view text) {
    return Deflater().compress(text);
}

class WsFrameReaderDeflate : public ::testing::Test {
protected:
    WsFrameReaderDeflate() { reader_.enable_deflate(inflater_); }

    // The close code of the only result, which must be an error.
    std::uint16_t ErrorCode(std::string_view bytes) {
        auto seen = feed(reader_, bytes);
        EXPECT_EQ(seen.size(), 1u);
        if (seen.empty() || seen.back().kind != Kind::error)
            return 0;
        return seen.back().code;
    }

    Inflater inflater_;
    FrameReader reader_{1024};
};

} // namespace

TEST_F(WsFrameReaderDeflate, CompressedTextIsInflatedWholeAndByteByByte) {
    const std::string text = R"({"type":"publish","channel":"a","data":"hello hello hello hello"})";
    const auto bytes = client_frame(kFin | kRsv1 | kText, deflate(text)) +
                       client_frame(kFin | kText, "plain") +
                       client_frame(kFin | kRsv1 | kBinary, deflate("\x01\x02"));
    for (std::size_t chunk : {std::size_t{1} << 20, std::size_t{1}}) {
        FrameReader reader(1024);
        reader.enable_deflate(inflater_);
        auto seen = feed(reader, bytes, chunk);
        ASSERT_EQ(seen.size(), 3u);
        EXPECT_EQ(seen[0].kind, Kind::text);
        EXPECT_EQ(seen[0].payload, text);
        EXPECT_EQ(seen[1].kind, Kind::text);
        EXPECT_EQ(seen[1].payload, "plain");
        EXPECT_EQ(seen[2].kind, Kind::binary);
        EXPECT_EQ(seen[2].payload, "\x01\x02");
    }
}

// RSV1 on the first frame only; a ping may come between the fragments.
TEST_F(WsFrameReaderDeflate, FragmentedCompressedMessage) {
    const std::string text = "{\"type\":\"ping\",\"pad\":\"é€😀 é€😀 é€😀\"}";
    const auto compressed = deflate(text);
    const auto cut = compressed.size() / 2;
    auto seen = feed(reader_, client_frame(kRsv1 | kText, compressed.substr(0, cut)) +
                                  client_frame(kFin | kPing, "p") +
                                  client_frame(kFin, compressed.substr(cut)));
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].kind, Kind::ping);
    EXPECT_EQ(seen[1].kind, Kind::text);
    EXPECT_EQ(seen[1].payload, text);
}

TEST_F(WsFrameReaderDeflate, Rsv1WithoutDeflateCloses1002) {
    FrameReader plain(1024);
    auto seen = feed(plain, client_frame(kFin | kRsv1 | kText, deflate("hi")));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Kind::error);
    EXPECT_EQ(seen[0].code, 1002);
}

TEST_F(WsFrameReaderDeflate, Rsv1OnControlFrameCloses1002) {
    EXPECT_EQ(ErrorCode(client_frame(kFin | kRsv1 | kPing, "")), 1002);
}

TEST_F(WsFrameReaderDeflate, Rsv1OnContinuationCloses1002) {
    EXPECT_EQ(ErrorCode(client_frame(kRsv1 | kText, deflate("ab").substr(0, 1)) +
                        client_frame(kFin | kRsv1, deflate("ab").substr(1))),
              1002);
}

TEST_F(WsFrameReaderDeflate, Rsv2StillCloses1002) {
    EXPECT_EQ(ErrorCode(client_frame(kFin | 0x20 | kText, "x")), 1002);
}

TEST_F(WsFrameReaderDeflate, InvalidDeflateDataCloses1007) {
    EXPECT_EQ(ErrorCode(client_frame(kFin | kRsv1 | kText, "\xff\xff\xff\xff")), 1007);
}

TEST_F(WsFrameReaderDeflate, InflatedInvalidUtf8Closes1007) {
    EXPECT_EQ(ErrorCode(client_frame(kFin | kRsv1 | kText, deflate("{\"a\":\"\xC3(\"}"))), 1007);
}

// The bound is max_message_size (1 KiB here) on the inflated message.
TEST_F(WsFrameReaderDeflate, InflatedOverMaxMessageSizeCloses1009) {
    const std::string exact(1024, 'a'), over(1025, 'a');
    auto seen = feed(reader_, client_frame(kFin | kRsv1 | kText, deflate(exact)));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].payload, exact);
    EXPECT_EQ(ErrorCode(client_frame(kFin | kRsv1 | kText, deflate(over))), 1009);
}

TEST_F(WsFrameReaderDeflate, ZipBombCloses1009) {
    const auto bomb = deflate(std::string(8 << 20, ' ')); // 8 MiB in about 8 KiB
    FrameReader reader(16 << 10);
    reader.enable_deflate(inflater_);
    ASSERT_LT(bomb.size(), 16u << 10);
    auto seen = feed(reader, client_frame(kFin | kRsv1 | kText, bomb));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].kind, Kind::error);
    EXPECT_EQ(seen[0].code, 1009);
    EXPECT_TRUE(reader.finished());
}
