// A subscriber that stops reading is disconnected once max_queued_bytes of
// events pile up for it, without holding back a fast subscriber of the same
// channel.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

namespace {

constexpr int kSmallReceiveBuffer = 4096;
constexpr std::size_t kBatch = 8;        // 8 x 4 KiB = 32 KiB per publish, under the limit
constexpr std::size_t kMaxEvents = 4000; // ~16 MiB: far beyond any kernel buffering

std::string slow_series(const std::string& transport) {
    return "herald_slow_consumer_disconnects_total{transport=\"" + transport + "\"}";
}

// Publishes ~4 KiB events to `channel` in batches; after each batch the fast
// subscriber reads them all (so it never lags) and checks ids and order. Stops
// once the slow-consumer counter of `transport` went up. Returns the number of
// events published, or 0 if the counter never moved.
std::size_t flood_until_disconnect(HeraldProcess& herald, SseClient& fast,
                                   const std::string& channel, const std::string& transport) {
    const std::string payload(4000, 'x');
    const double before = metric_value(herald.port(), slow_series(transport)).value_or(-1);
    EXPECT_EQ(before, 0.0);
    std::size_t published = 0;
    while (published < kMaxEvents) {
        json batch = json::array();
        for (std::size_t i = 0; i < kBatch; ++i)
            batch.push_back({{"channel", channel}, {"data", payload}});
        const auto ids = publish_batch(herald.port(), batch);
        published += ids.size();
        const auto events = fast.next_events(ids.size());
        EXPECT_EQ(events.size(), ids.size()) << "the fast subscriber fell behind";
        if (events.size() != ids.size())
            return 0;
        for (std::size_t i = 0; i < ids.size(); ++i)
            EXPECT_EQ(events[i].id, ids[i]);
        if (metric_value(herald.port(), slow_series(transport)).value_or(0) > before)
            return published;
    }
    return 0;
}

void expect_fast_subscriber_still_served(HeraldProcess& herald, SseClient& fast,
                                         const std::string& channel) {
    const auto id = publish_event(herald.port(), channel, "after the flood");
    auto event = fast.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
    // Nothing stays accounted as queued once the slow consumer is gone.
    double queued = -1;
    EXPECT_TRUE(wait_until([&] {
        queued = metric_value(herald.port(), "herald_queued_bytes").value_or(-1);
        return queued == 0;
    })) << "herald_queued_bytes = "
        << queued;
}

} // namespace

TEST(SlowConsumer, SseSubscriberThatNeverReadsIsDisconnected) {
    HeraldProcess herald({"--max-queued-bytes", "65536"});
    SseClient fast(herald.port(), events_target({"feed"}));

    TimedSocket slow(herald.port(), kSmallReceiveBuffer);
    ASSERT_FALSE(slow.write("GET /events?channel=feed HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string head;
    // Read up to the retry field only: from now on this client never reads.
    ASSERT_NE(slow.read_until(head, "retry: 3000\n\n"), std::string::npos) << head;

    const auto published = flood_until_disconnect(herald, fast, "feed", "sse");
    ASSERT_GT(published, 0u) << "no slow-consumer disconnect after " << kMaxEvents << " events";
    RecordProperty("events_until_disconnect", static_cast<int>(published));
    EXPECT_EQ(metric_value(herald.port(), slow_series("sse")), 1.0);

    // The server ended the stream: what is left in the buffers drains, then EOF.
    EXPECT_TRUE(slow.wait_closed(kTimeout));
    expect_fast_subscriber_still_served(herald, fast, "feed");
}

TEST(SlowConsumer, WsSubscriberThatNeverReadsGetsClose1008) {
    HeraldProcess herald({"--max-queued-bytes", "65536"});
    SseClient fast(herald.port(), events_target({"feed"}));

    RawWsClient slow(herald.port(), ws_target({"feed"}), kSmallReceiveBuffer);
    ASSERT_TRUE(slow.wait_text("subscribed"));

    const auto published = flood_until_disconnect(herald, fast, "feed", "ws");
    ASSERT_GT(published, 0u) << "no slow-consumer disconnect after " << kMaxEvents << " events";
    RecordProperty("events_until_disconnect", static_cast<int>(published));
    EXPECT_EQ(metric_value(herald.port(), slow_series("ws")), 1.0);

    // Reading now: whole event frames that were already in flight, then the
    // close frame, then the end of the connection.
    auto close = slow.wait_close_frame(kTimeout);
    ASSERT_TRUE(close) << "no close frame after " << slow.frames_read() << " frames";
    EXPECT_EQ(close->close_code(), 1008u);
    EXPECT_EQ(close->close_reason(), "slow consumer");
    EXPECT_LT(slow.frames_read(), published + 2) << "more frames than events";
    EXPECT_TRUE(slow.wait_closed(kTimeout));
    expect_fast_subscriber_still_served(herald, fast, "feed");
}

TEST(SlowConsumer, WsClientThatSendsButNeverReadsIsBounded) {
    // Every {"type":"ping"} is answered with a pong; a client that floods
    // requests without reading must not make herald queue without bound
    // (with the rate limit off, which would otherwise close it first).
    HeraldProcess herald({"--max-queued-bytes", "65536", "--client-message-rate", "0"});
    RawWsClient flooder(herald.port(), ws_target({}), kSmallReceiveBuffer);
    std::string burst;
    for (int i = 0; i < 1000; ++i)
        burst += encode_client_frame(0x1, R"({"type":"ping"})");
    auto cut_off = [&] {
        return metric_value(herald.port(), slow_series("ws")).value_or(0) >= 1.0;
    };
    // Keep sending (a send may time out while a slow, sanitized herald works
    // through the backlog) until herald cuts the client off; bounded by time.
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    bool ended = false;
    while (!ended && std::chrono::steady_clock::now() < deadline) {
        for (int round = 0; round < 20; ++round) {
            auto ec = flooder.send(burst);
            if (ec && ec != boost::asio::error::timed_out &&
                ec != boost::asio::error::operation_aborted) {
                ended = true; // reset or broken pipe: herald closed the connection
                break;
            }
        }
        ended = ended || cut_off();
    }
    EXPECT_TRUE(wait_until(cut_off, 30s)) << "a client that never reads was never cut off";
    EXPECT_EQ(metric_value(herald.port(), "herald_queued_bytes").value_or(-1) <= 65536 + 4096,
              true);
    // Others are unaffected.
    SseClient other(herald.port(), events_target({"x"}));
    const auto id = publish_event(herald.port(), "x", "still served");
    auto event = other.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
}
