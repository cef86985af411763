// max_queued_age: a subscriber that reads, only slower than events come, is
// neither cut off nor fed ever older events. When a write can start, what
// waited longer than max_queued_age is dropped and the client is told how
// many with a reset; every event is either received or counted there.
#include "harness.hpp"
#include "sse_parser.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>

using namespace herald_test;

namespace {

constexpr int kSmallReceiveBuffer = 4096;
const std::string kAgeSeries = "herald_events_dropped_total{policy=\"max_queued_age\"}";

struct Outcome {
    std::size_t published = 0;
    std::size_t received = 0;
    std::size_t announced_drops = 0; // the sum of the resets' "dropped"
    std::size_t resets = 0;
    bool in_order = true;
};

// Publishes `events` events of 8 KB, 16 per pass, while the subscriber reads
// one chunk (a few KiB) per pass, then publishes "last" and reads everything
// up to it at full speed. The flood is sized by volume, not time, so that a
// slow (sanitized) build floods as much: about 10 MB, beyond what the kernel
// buffers on loopback (a send buffer grows to 4 MiB), so the rest waits in
// herald's queue behind a write that cannot complete until the catch-up,
// over a second of passes at least.
Outcome flood_a_slow_reader(HeraldProcess& herald, std::size_t events) {
    TimedSocket slow(herald.port(), kSmallReceiveBuffer);
    EXPECT_FALSE(slow.write("GET /events?channel=feed HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string bytes;
    const auto body = slow.read_until(bytes, "\r\n\r\n");
    EXPECT_NE(body, std::string::npos) << bytes;
    bytes.erase(0, body);

    Outcome out;
    std::map<std::string, std::size_t> order; // id -> publish index
    const std::string payload(8000, 'x');
    while (out.published < events) {
        json batch = json::array();
        for (int i = 0; i < 16; ++i)
            batch.push_back({{"channel", "feed"}, {"data", payload}});
        for (const auto& id : publish_batch(herald.port(), batch))
            order.emplace(id, out.published++);
        slow.read_some(bytes, Millis{20});
        std::this_thread::sleep_for(Millis{15});
    }
    const auto last = publish_event(herald.port(), "feed", "last");
    order.emplace(last, out.published++);

    SseParser parser;
    std::size_t previous = 0;
    bool seen_last = false;
    const auto deadline = std::chrono::steady_clock::now() + 4 * kTimeout;
    while (!seen_last && std::chrono::steady_clock::now() < deadline) {
        parser.feed(bytes);
        bytes.clear();
        while (parser.has_event()) {
            auto event = parser.pop_event();
            if (event.type == "reset") {
                ++out.resets;
                out.announced_drops += json::parse(event.data).at("dropped").get<std::size_t>();
                continue;
            }
            ++out.received;
            const auto at = order.find(event.id.value_or(""));
            EXPECT_NE(at, order.end()) << "unknown id " << event.id.value_or("(none)");
            if (at == order.end())
                continue;
            out.in_order = out.in_order && (out.received == 1 || at->second > previous);
            previous = at->second;
            seen_last = event.id == last;
        }
        if (!seen_last && slow.read_some(bytes, kTimeout))
            break; // closed or silent: the checks below say what was missing
    }
    EXPECT_TRUE(seen_last) << "the stream must stay open and deliver the newest event";
    return out;
}

} // namespace

TEST(QueuedAge, ASlowReaderGetsFreshEventsAndAResetForWhatWaitedTooLong) {
    // Bytes cannot end it (64 MiB): only the age drops anything here.
    HeraldProcess herald({"--max-queued-age", "200ms", "--max-queued-bytes", "64MiB"});
    const auto out = flood_a_slow_reader(herald, 1200);
    RecordProperty("published", static_cast<int>(out.published));
    RecordProperty("received", static_cast<int>(out.received));
    RecordProperty("dropped", static_cast<int>(out.announced_drops));
    EXPECT_GT(out.resets, 0u) << "the reader was slower than the flood: something must age";
    EXPECT_TRUE(out.in_order);
    // Nothing lost silently: each event was received or counted in a reset.
    EXPECT_EQ(out.received + out.announced_drops, out.published);
    EXPECT_EQ(metric_value(herald.port(), kAgeSeries), double(out.announced_drops));
    EXPECT_EQ(
        metric_value(herald.port(), "herald_slow_consumer_disconnects_total{transport=\"sse\"}"),
        0.0);
}

TEST(QueuedAge, ZeroTurnsItOff) {
    HeraldProcess herald({"--max-queued-age", "0", "--max-queued-bytes", "64MiB"});
    const auto out = flood_a_slow_reader(herald, 1200);
    EXPECT_EQ(out.resets, 0u);
    EXPECT_EQ(out.received, out.published);
    EXPECT_TRUE(out.in_order);
    EXPECT_EQ(metric_value(herald.port(), kAgeSeries), 0.0);
}
