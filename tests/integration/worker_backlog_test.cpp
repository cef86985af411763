// A publisher that outruns the fan-out: what a worker is too far behind to
// queue is shed at its inbox (WorkerInbox), and every subscriber is told how
// many events it missed with a reset in their place. Nobody is cut off, and
// every event is either received, in order, or counted.
#include "harness.hpp"
#include "redis_server.hpp"
#include "sse_client.hpp"

#include <gtest/gtest.h>

#include <memory>

using namespace herald_test;

namespace {

const std::string kBacklogSeries = "herald_events_dropped_total{policy=\"backlog\"}";

struct Seen {
    std::size_t received = 0;
    std::size_t dropped = 0; // the sum of the resets' "dropped"
    std::size_t resets = 0;
    bool in_order = true;
    bool reset_last = true; // no event came after a reset
};

// Reads one subscriber's stream until `published` events are received or
// counted. Each event's data is its publish index.
Seen read_all(SseClient& client, std::size_t published) {
    Seen seen;
    long long previous = -1;
    while (seen.received + seen.dropped < published) {
        auto event = client.next_event();
        if (!event)
            break;
        if (event->type == "reset") {
            ++seen.resets;
            seen.dropped += json::parse(event->data).at("dropped").get<std::size_t>();
            continue;
        }
        const auto index = std::stoll(event->data);
        seen.in_order = seen.in_order && index > previous;
        seen.reset_last = seen.reset_last && seen.resets == 0;
        previous = index;
        ++seen.received;
    }
    return seen;
}

std::vector<std::unique_ptr<SseClient>> subscribe(std::uint16_t port, std::size_t count) {
    std::vector<std::unique_ptr<SseClient>> clients;
    for (std::size_t i = 0; i < count; ++i)
        clients.push_back(std::make_unique<SseClient>(port, "/events?channel=feed"));
    return clients;
}

} // namespace

TEST(WorkerBacklog, ABatchBeyondWhatAWorkerMayQueueIsShedAfterWhatFitsAndCounted) {
    HeraldProcess herald;
    // 300 subscribers x 1,000 events is 300,000 deliveries, more than the
    // two workers' inboxes hold together (2 x 131,072, worker.cpp), so one
    // worker at least sheds, whatever the kernel's split of the connections.
    auto clients = subscribe(herald.port(), 300);
    json batch = json::array();
    for (int i = 0; i < 1000; ++i)
        batch.push_back({{"channel", "feed"}, {"data", i}});
    ASSERT_EQ(publish_batch(herald.port(), batch).size(), 1000u);

    std::size_t resets = 0, dropped = 0;
    for (auto& client : clients) {
        const auto seen = read_all(*client, 1000);
        ASSERT_EQ(seen.received + seen.dropped, 1000u) << "an event neither received nor counted";
        EXPECT_TRUE(seen.in_order);
        // One batch, offered at once: what fits goes, the rest is counted
        // once, after it.
        EXPECT_LE(seen.resets, 1u);
        EXPECT_TRUE(seen.reset_last);
        EXPECT_GT(seen.received, 0u) << "a worker with nothing pending always takes one event";
        resets += seen.resets;
        dropped += seen.dropped;
    }
    EXPECT_GT(resets, 0u);
    EXPECT_EQ(metric_value(herald.port(), kBacklogSeries), double(dropped));
    EXPECT_EQ(
        metric_value(herald.port(), "herald_slow_consumer_disconnects_total{transport=\"sse\"}"),
        0.0);

    // The stream goes on: the next event reaches everyone.
    publish_event(herald.port(), "feed", "1000");
    for (auto& client : clients) {
        auto next = client->next_event();
        ASSERT_TRUE(next);
        EXPECT_EQ(next->data, "1000");
    }
}

TEST(WorkerBacklog, AFloodThroughRedisIsShedUnparsedAndEveryLossIsCounted) {
    // A pipelined PUBLISH outruns any fan-out. herald must read on (or Redis
    // cuts its subscription for every channel), and shed what its workers
    // cannot take without parsing it. One worker with 300 subscribers: its
    // fan-out of an event costs far more than the hub's reading of it, in
    // any build, and 437 events fill its inbox (131,072 deliveries).
    RedisHerald node({"--threads", "1"});
    auto clients = subscribe(node.port(), 300);
    constexpr std::size_t kEvents = 20'000;
    std::vector<std::string> payloads;
    for (std::size_t i = 0; i < kEvents; ++i)
        payloads.push_back(std::to_string(i));
    RedisConnection redis(node.redis.port());
    for (const auto receivers : redis.publish_pipelined("feed", payloads))
        ASSERT_EQ(receivers, 1) << "herald's subscription must hold through the flood";

    std::size_t dropped = 0;
    for (auto& client : clients) {
        const auto seen = read_all(*client, kEvents);
        ASSERT_EQ(seen.received + seen.dropped, kEvents) << "an event neither received nor counted";
        EXPECT_TRUE(seen.in_order);
        dropped += seen.dropped;
    }
    EXPECT_GT(dropped, 0u);
    EXPECT_GT(metric_value(node.port(), "herald_events_shed_total").value_or(0), 0.0);
    EXPECT_EQ(metric_value(node.port(), kBacklogSeries), double(dropped));
    EXPECT_EQ(metric_value(node.port(), "herald_redis_reconnects_total"), 0.0);
}
