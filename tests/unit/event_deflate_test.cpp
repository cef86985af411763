// Event::ws_deflate_frame: made once per event, by whichever thread asks
// first, and shared; small events keep their plain frame.
#include "herald/hub/event.hpp"
#include "herald/wire/ws_frame.hpp"
#include "herald/wire/ws_inflater.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace {

std::shared_ptr<herald::Event> big_event() {
    std::string data = "[";
    for (int i = 0; i < 40; ++i)
        data += R"({"user":"ann","text":"hello again )" + std::to_string(i) + R"("},)";
    data.back() = ']';
    return herald::make_event("room", "message", "id-1", data, data);
}

} // namespace

TEST(EventDeflateFrame, SmallEventKeepsItsPlainFrame) {
    auto event = herald::make_event("a", "message", "id-1", R"("hi")", "hi");
    bool built = false;
    EXPECT_EQ(&event->ws_deflate_frame(&built), &event->ws_frame);
    EXPECT_FALSE(built);
}

TEST(EventDeflateFrame, CompressedOnceAndInflatesToThePlainPayload) {
    auto event = big_event();
    bool built = false;
    const auto& frame = event->ws_deflate_frame(&built);
    EXPECT_TRUE(built);
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0xC1u); // FIN, RSV1, text
    EXPECT_LT(frame.size() * 3, event->ws_frame.size());
    std::string inflated;
    ASSERT_EQ(herald::ws::Inflater().inflate(herald::ws::frame_payload(frame), 1 << 20, inflated),
              herald::ws::Inflater::Result::ok);
    EXPECT_EQ(inflated, herald::ws::frame_payload(event->ws_frame));
    bool again = false;
    EXPECT_EQ(&event->ws_deflate_frame(&again), &frame);
    EXPECT_FALSE(again);
}

// Workers race for the first compression: exactly one makes it, every one
// gets the same bytes (each thread has its own deflate stream).
TEST(EventDeflateFrame, OneCompressionAcrossThreads) {
    auto event = big_event();
    std::atomic<int> builds{0};
    std::vector<const std::string*> seen(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i)
        threads.emplace_back([&, i] {
            bool built = false;
            seen[i] = &event->ws_deflate_frame(&built);
            builds += built;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(builds, 1);
    for (const auto* s : seen)
        EXPECT_EQ(s, seen[0]);
}
