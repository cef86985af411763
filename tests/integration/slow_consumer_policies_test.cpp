// The slow_consumer namespace option through the real binary: a subscriber
// that stops reading loses the oldest queued events of a drop_oldest channel
// (and is told so), or only the superseded ones of a latest channel, and
// stays connected; a channel outside any namespace still disconnects it. A
// fast subscriber is served throughout.
#include "harness.hpp"
#include "redis_server.hpp"

#include <gtest/gtest.h>


using namespace herald_test;

namespace {

constexpr int kSmallReceiveBuffer = 4096;
constexpr std::size_t kMaxBatches = 500; // 500 x 8 x 4 KiB = 16 MiB, beyond any kernel buffering

const char* kConfig = R"(
max_queued_bytes = 65536
[[namespace]]
pattern = "feed:*"
slow_consumer = "drop_oldest"
[[namespace]]
pattern = "tick:*"
slow_consumer = "latest"
)";

const std::string kDisconnects = "herald_slow_consumer_disconnects_total{transport=\"sse\"}";
const std::string kWsDisconnects = "herald_slow_consumer_disconnects_total{transport=\"ws\"}";

std::string dropped_series(const std::string& policy) {
    return "herald_events_dropped_total{policy=\"" + policy + "\"}";
}

struct Flood {
    std::vector<std::string> last; // ids of the last batch
    std::size_t published = 0;
};

// Publishes batches of ~4 KiB events, cycling over `channels`, until
// `done()` holds. The fast subscriber, of `fast_channel`, reads every batch
// and checks ids and order, so it never lags. `last` is empty if `done` never held or the fast
// subscriber fell behind. `keys`, when given, cycles like `channels` and
// sets each event's publish `key` ("" for none).
Flood flood(HeraldProcess& herald, SseClient& fast, const std::string& fast_channel,
            const std::vector<std::string>& channels, const std::function<bool()>& done,
            const std::vector<std::string>& keys = {}) {
    const std::string payload(4000, 'x');
    Flood result;
    for (std::size_t batch_no = 0; batch_no < kMaxBatches; ++batch_no) {
        json batch = json::array();
        for (std::size_t i = 0; i < 8; ++i) {
            batch.push_back({{"channel", channels[i % channels.size()]}, {"data", payload}});
            if (!keys.empty() && !keys[i % keys.size()].empty())
                batch.back()["key"] = keys[i % keys.size()];
        }
        const auto ids = publish_batch(herald.port(), batch);
        result.published += ids.size();
        std::vector<std::string> expected; // those of the fast subscriber's channel
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (channels[i % channels.size()] == fast_channel)
                expected.push_back(ids[i]);
        const auto events = fast.next_events(expected.size());
        EXPECT_EQ(events.size(), expected.size()) << "the fast subscriber fell behind";
        if (events.size() != expected.size())
            return {};
        for (std::size_t i = 0; i < expected.size(); ++i)
            EXPECT_EQ(events[i].id, expected[i]);
        if (done()) {
            result.last = ids;
            return result;
        }
    }
    return result;
}

std::function<bool()> metric_above(HeraldProcess& herald, const std::string& series, double v) {
    return [&herald, series, v] { return metric_value(herald.port(), series).value_or(0) > v; };
}

// An SSE subscriber that reads the response head, then nothing more.
std::unique_ptr<TimedSocket> stalled_sse(HeraldProcess& herald, const std::string& query) {
    auto slow = std::make_unique<TimedSocket>(herald.port(), kSmallReceiveBuffer);
    EXPECT_FALSE(slow->write("GET /events?" + query + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string head;
    EXPECT_NE(slow->read_until(head, "retry: 3000\n\n"), std::string::npos) << head;
    return slow;
}

std::string sse_id(const std::string& id) {
    return "id: " + id + "\n";
}
std::string ws_id(const std::string& id) {
    return "\"id\":\"" + id + "\"";
}

} // namespace

TEST(SlowConsumerPolicies, DropOldestSseKeepsTheStreamAndMarksTheGap) {
    HeraldProcess herald({"--config", write_temp_file("slow-policies.toml", kConfig)});
    SseClient fast(herald.port(), events_target({"feed:1"}));
    auto slow = stalled_sse(herald, "channel=feed:1");

    // Well past the first drops, so the gap is in the middle of the stream.
    const auto last = flood(herald, fast, "feed:1", {"feed:1"},
                            metric_above(herald, dropped_series("drop_oldest"), 100))
                          .last;
    ASSERT_FALSE(last.empty()) << "no drop_oldest drops";
    EXPECT_EQ(metric_value(herald.port(), kDisconnects), 0.0);
    EXPECT_EQ(metric_value(herald.port(), dropped_series("latest")), 0.0);

    // The client reads again: what was in flight, the marker, then what is
    // newest, up to an event published afterwards.
    const auto after = publish_event(herald.port(), "feed:1", "after the flood");
    std::string stream;
    ASSERT_NE(slow->read_until(stream, sse_id(after), 20s), std::string::npos)
        << "the slow subscriber lost its stream; read " << stream.size() << " bytes";
    const auto marker = stream.find("event: reset\ndata: {\"reason\":\"slow consumer: ");
    ASSERT_NE(marker, std::string::npos);
    EXPECT_LT(marker, stream.find(sse_id(last.back())));
    // Not the resume reset: no "id" line clears the browser's last event id,
    // and the next event sets it again.
    EXPECT_EQ(stream.find("\nid\n"), std::string::npos);
    const auto next = stream.find("\n\n", marker) + 2;
    EXPECT_EQ(stream.compare(next, 4, "id: "), 0) << stream.substr(marker, 200);
    // The marker's count is what was dropped (a single slow subscriber).
    const auto count_at = stream.find("\"dropped\":", marker) + 10;
    const auto dropped = std::stod(stream.substr(count_at, 12));
    EXPECT_GT(dropped, 0);
    EXPECT_EQ(dropped, metric_value(herald.port(), dropped_series("drop_oldest")).value_or(0));

    EXPECT_EQ(fast.next_event()->id, after);
    // Still subscribed: it gets the next event too.
    const auto later = publish_event(herald.port(), "feed:1", "later");
    std::string more;
    EXPECT_NE(slow->read_until(more, sse_id(later)), std::string::npos);
    EXPECT_EQ(metric_value(herald.port(), kDisconnects), 0.0);
}

TEST(SlowConsumerPolicies, DropOldestWsGetsAResetMessageThenLaterEvents) {
    HeraldProcess herald({"--config", write_temp_file("slow-policies.toml", kConfig)});
    SseClient fast(herald.port(), events_target({"feed:1"}));
    RawWsClient slow(herald.port(), ws_target({"feed:1"}), kSmallReceiveBuffer);
    ASSERT_TRUE(slow.wait_text("subscribed"));

    const auto last = flood(herald, fast, "feed:1", {"feed:1"},
                            metric_above(herald, dropped_series("drop_oldest"), 100))
                          .last;
    ASSERT_FALSE(last.empty()) << "no drop_oldest drops";
    EXPECT_EQ(metric_value(herald.port(), kWsDisconnects), 0.0);

    const auto after = publish_event(herald.port(), "feed:1", "after the flood");
    bool reset_seen = false, last_seen = false;
    for (;;) {
        auto frame = slow.next_frame(20s);
        ASSERT_TRUE(frame) << "the slow subscriber lost its connection after "
                           << slow.frames_read() << " frames";
        ASSERT_EQ(frame->opcode, opcode::text);
        if (frame->payload.starts_with(R"({"type":"reset","reason":"slow consumer: )")) {
            EXPECT_FALSE(last_seen) << "the marker comes before the newest events";
            reset_seen = true;
        }
        last_seen = last_seen || frame->payload.find(ws_id(last.back())) != std::string::npos;
        if (frame->payload.find(ws_id(after)) != std::string::npos)
            break;
    }
    EXPECT_TRUE(reset_seen);
    EXPECT_TRUE(last_seen);
    EXPECT_EQ(metric_value(herald.port(), kWsDisconnects), 0.0);
}

TEST(SlowConsumerPolicies, LatestEndsWithTheNewestEventOfEachChannel) {
    HeraldProcess herald({"--config", write_temp_file("slow-policies.toml", kConfig)});
    SseClient fast(herald.port(), events_target({"chat"}));
    auto slow = stalled_sse(herald, "channel=tick:a&channel=tick:b");

    // The fast subscriber's "chat" (no namespace) shares the batches.
    const auto flooded = flood(herald, fast, "chat", {"tick:a", "tick:b", "chat", "chat"},
                               metric_above(herald, dropped_series("latest"), 200));
    ASSERT_FALSE(flooded.last.empty()) << "no latest replacements";
    EXPECT_EQ(metric_value(herald.port(), kDisconnects), 0.0);
    EXPECT_EQ(metric_value(herald.port(), dropped_series("drop_oldest")), 0.0);
    const auto a = publish_event(herald.port(), "tick:a", "a-newest");
    const auto b = publish_event(herald.port(), "tick:b", "b-newest");

    std::string stream;
    ASSERT_NE(slow->read_until(stream, "data: b-newest\n\n", 20s), std::string::npos)
        << "the slow subscriber lost its stream; read " << stream.size() << " bytes";
    EXPECT_NE(stream.find("data: a-newest\n"), std::string::npos);
    // Nothing after the newest of each channel, and no gap marker: latest
    // drops only what a newer event superseded.
    EXPECT_TRUE(stream.ends_with(sse_id(b) + "data: b-newest\n\n")) << stream.substr(stream.size() - 200);
    EXPECT_EQ(stream.find("event: reset"), std::string::npos);
    EXPECT_LT(stream.find(sse_id(a)), stream.find(sse_id(b)));
    // Far fewer events than were published reached it.
    std::size_t events = 0;
    for (auto at = stream.find("\nid: "); at != std::string::npos; at = stream.find("\nid: ", at + 1))
        ++events;
    EXPECT_LT(events, flooded.published / 2) << "tick events published: " << flooded.published / 2;
}

// With the embedded broker or through Redis, whose envelope carries the key.
void expect_latest_per_key(std::vector<std::string> args) {
    HeraldProcess herald(std::move(args));
    SseClient fast(herald.port(), events_target({"chat"}));
    auto slow = stalled_sse(herald, "channel=tick:k");
    const auto flooded = flood(herald, fast, "chat", {"tick:k", "chat", "tick:k", "chat"},
                               metric_above(herald, dropped_series("latest"), 200),
                               {"BTC", "", "ETH", ""});
    ASSERT_FALSE(flooded.last.empty()) << "no latest replacements";
    // Both still pending when the reader wakes: without keys, the second
    // would replace the first.
    const auto btc = publish_batch(herald.port(), json::array({{{"channel", "tick:k"},
                                                                {"key", "BTC"},
                                                                {"data", "btc-newest"}}}));
    const auto eth = publish_batch(herald.port(), json::array({{{"channel", "tick:k"},
                                                                {"key", "ETH"},
                                                                {"data", "eth-newest"}}}));
    ASSERT_EQ(btc.size(), 1u);
    ASSERT_EQ(eth.size(), 1u);

    std::string stream;
    ASSERT_NE(slow->read_until(stream, "data: eth-newest\n\n", 20s), std::string::npos)
        << "the slow subscriber lost its stream; read " << stream.size() << " bytes";
    EXPECT_NE(stream.find(sse_id(btc[0]) + "data: btc-newest\n"), std::string::npos)
        << "the newest BTC was replaced by an ETH";
    EXPECT_LT(stream.find("btc-newest"), stream.find("eth-newest"));
    EXPECT_EQ(stream.find("event: reset"), std::string::npos);
    EXPECT_EQ(metric_value(herald.port(), kDisconnects), 0.0);
}

TEST(SlowConsumerPolicies, LatestKeepsTheNewestEventOfEachKey) {
    expect_latest_per_key({"--config", write_temp_file("slow-policies.toml", kConfig)});
}

TEST(SlowConsumerPolicies, LatestKeepsTheNewestEventOfEachKeyThroughRedis) {
    RedisServer redis;
    expect_latest_per_key(
        redis_herald_args(redis.url(), {"--config", write_temp_file("slow-policies.toml", kConfig)}));
}

TEST(SlowConsumerPolicies, ChannelsOutsideAnyNamespaceStillDisconnect) {
    HeraldProcess herald({"--config", write_temp_file("slow-policies.toml", kConfig)});
    SseClient fast(herald.port(), events_target({"plain"}));
    // Subscribed to a drop_oldest channel too: the plain channel's events
    // keep their own policy.
    auto slow = stalled_sse(herald, "channel=plain&channel=feed:1");
    const auto last =
        flood(herald, fast, "plain", {"plain"}, metric_above(herald, kDisconnects, 0)).last;
    ASSERT_FALSE(last.empty()) << "no slow-consumer disconnect";
    EXPECT_EQ(metric_value(herald.port(), dropped_series("drop_oldest")), 0.0);
    EXPECT_TRUE(slow->wait_closed(kTimeout));
    const auto id = publish_event(herald.port(), "plain", "still served");
    EXPECT_EQ(fast.next_event()->id, id);
}
