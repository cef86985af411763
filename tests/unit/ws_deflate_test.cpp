// The per-message codec of permessage-deflate: herald's Deflater against
// zlib's own inflate, and the bounded Inflater against zlib's deflate.
#include "herald/wire/ws_deflater.hpp"
#include "herald/wire/ws_inflater.hpp"

#include "../zlib_reference.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using herald::ws::Deflater;
using herald::ws::Inflater;
using Result = Inflater::Result;
using herald_test::reference_deflate;
using herald_test::reference_inflate;

namespace {

std::string json_event(std::size_t bytes) {
    std::string out = R"({"type":"event","channel":"room:42","id":"1733300000000-0","data":[)";
    for (int i = 0; out.size() < bytes; ++i)
        out += R"({"user":"user)" + std::to_string(i % 17) + R"(","text":"hello there, message )" +
               std::to_string(i) + R"(","ts":17333000)" + std::to_string(i) + "},";
    out.back() = ']';
    return out + "}";
}

std::string random_bytes(std::size_t n) {
    std::mt19937 rng(7);
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(rng());
    return out;
}

} // namespace

TEST(WsDeflate, RoundTripThroughZlibAndBack) {
    Deflater deflater;
    Inflater inflater;
    for (const auto& payload : {std::string(), std::string("{}"), json_event(1024),
                                json_event(300 << 10), random_bytes(100 << 10)}) {
        const auto compressed = deflater.compress(payload);
        ASSERT_FALSE(compressed.size() >= 4 &&
                     compressed.compare(compressed.size() - 4, 4, "\x00\x00\xff\xff", 4) == 0)
            << "the flush's tail must be removed";
        EXPECT_EQ(reference_inflate(compressed), payload);
        std::string out;
        ASSERT_EQ(inflater.inflate(compressed, 1 << 20, out), Result::ok);
        EXPECT_EQ(out, payload);
        ASSERT_EQ(inflater.inflate(reference_deflate(payload), 1 << 20, out), Result::ok);
        EXPECT_EQ(out, payload);
    }
}

TEST(WsDeflate, JsonShrinks) {
    const auto payload = json_event(1024);
    EXPECT_LT(Deflater().compress(payload).size(), payload.size() / 3);
}

// No context takeover: a message's bytes never depend on what went before,
// so one compressed frame is right for every client.
TEST(WsDeflate, EachMessageStandsAlone) {
    Deflater fresh, used;
    used.compress(json_event(4096));
    const auto payload = json_event(2048);
    EXPECT_EQ(used.compress(payload), fresh.compress(payload));
}

TEST(WsDeflate, FinalBlockIsAccepted) {
    const auto payload = json_event(5000);
    std::string out;
    ASSERT_EQ(Inflater().inflate(reference_deflate(payload, Z_FINISH), 1 << 20, out), Result::ok);
    EXPECT_EQ(out, payload);
}

TEST(WsDeflate, BoundIsExact) {
    const auto payload = json_event(5000);
    const auto compressed = reference_deflate(payload);
    Inflater inflater;
    std::string out;
    EXPECT_EQ(inflater.inflate(compressed, payload.size(), out), Result::ok);
    EXPECT_EQ(out, payload);
    EXPECT_EQ(inflater.inflate(compressed, payload.size() - 1, out), Result::too_big);
}

// 64 MiB of zeros deflate to about 64 KiB; against a 64 KiB bound the
// inflater stops at once and never holds more than the bound.
TEST(WsDeflate, ZipBombStopsAtTheBound) {
    const auto bomb = reference_deflate(std::string(64 << 20, '\0'), Z_SYNC_FLUSH, 9);
    ASSERT_LT(bomb.size(), 100u << 10);
    Inflater inflater;
    std::string out;
    constexpr std::size_t bound = 64 << 10;
    EXPECT_EQ(inflater.inflate(bomb, bound, out), Result::too_big);
    EXPECT_LE(out.size(), bound + 1);
    EXPECT_LE(out.capacity(), 2 * (bound + 1));
    // The worker's inflater is reset, not spoiled, for the next message.
    ASSERT_EQ(inflater.inflate(reference_deflate("{\"ok\":1}"), bound, out), Result::ok);
    EXPECT_EQ(out, "{\"ok\":1}");
}

TEST(WsDeflate, BadDataIsRefused) {
    Inflater inflater;
    std::string out;
    // Block type 3 is reserved (RFC 1951 3.2.3).
    EXPECT_EQ(inflater.inflate("\xff\xff\xff\xff", 1 << 20, out), Result::bad_data);
    EXPECT_EQ(inflater.inflate(random_bytes(4096), 1 << 20, out), Result::bad_data);
    // A message cut inside a block does not end where its tail says it does.
    const auto compressed = reference_deflate(json_event(4096));
    EXPECT_NE(inflater.inflate(compressed.substr(0, compressed.size() / 2), 1 << 20, out),
              Result::ok);
    ASSERT_EQ(inflater.inflate(compressed, 1 << 20, out), Result::ok);
    EXPECT_EQ(out, json_event(4096));
}

TEST(WsDeflate, FrameHasRsv1AndTheCompressedPayload) {
    const auto payload = json_event(1024);
    const auto frame = herald::ws::encode_deflated_text_frame(payload);
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0xC1u); // FIN, RSV1, text
    const auto length = static_cast<unsigned char>(frame[1]);
    const std::size_t header = length < 126 ? 2 : 4;
    EXPECT_EQ(reference_inflate(frame.substr(header)), payload);
}
