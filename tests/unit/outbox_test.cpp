#include "herald/server/outbox.hpp"

#include <gtest/gtest.h>

using namespace herald;

namespace {
SharedBuffer bytes(std::size_t n, char c = 'x') {
    return std::make_shared<const std::string>(n, c);
}
std::string joined(Outbox::BufferRange range) {
    std::string out;
    for (const auto& b : range)
        out.append(static_cast<const char*>(b.data()), b.size());
    return out;
}
} // namespace

TEST(Outbox, CoalescesEverythingPendingIntoOneWrite) {
    Outbox box(100);
    EXPECT_EQ(box.push(bytes(2, 'a')).result, QueueResult::queued);
    EXPECT_EQ(box.push(bytes(3, 'b')).result, QueueResult::queued);
    auto range = box.begin_write();
    EXPECT_EQ(joined(range), "aabbb");
    EXPECT_TRUE(box.writing());
    EXPECT_FALSE(box.has_pending());
    // Queued while the write is in flight: waits for the next write.
    box.push(bytes(1, 'c'));
    EXPECT_EQ(box.unsent_bytes(), 6u);
    EXPECT_EQ(box.end_write(), 2u);
    EXPECT_EQ(box.unsent_bytes(), 1u);
    EXPECT_EQ(joined(box.begin_write()), "c");
}

TEST(Outbox, DropsWhenUnsentBytesWouldExceedTheLimit) {
    Outbox box(10);
    EXPECT_EQ(box.push(bytes(6)).result, QueueResult::queued);
    box.begin_write(); // in flight still counts: the kernel has not taken it
    EXPECT_EQ(box.push(bytes(5)).result, QueueResult::over_limit);
    EXPECT_EQ(box.push(bytes(4)).result, QueueResult::queued);
    EXPECT_EQ(box.unsent_bytes(), 10u);
}

TEST(Outbox, ForcedControlBytesBypassTheLimit) {
    Outbox box(4);
    box.push(bytes(4));
    EXPECT_EQ(box.push(bytes(2), /*force=*/true).result, QueueResult::queued);
    EXPECT_EQ(box.unsent_bytes(), 6u);
}

TEST(Outbox, SharesBuffersInsteadOfCopying) {
    Outbox a(100), b(100);
    auto shared = bytes(10);
    a.push(shared);
    b.push(shared);
    EXPECT_EQ(shared.use_count(), 3);
    auto ra = a.begin_write();
    EXPECT_EQ(ra.begin()->data(), shared->data());
}

TEST(Outbox, DiscardPendingKeepsTheWriteInFlight) {
    Outbox box(100);
    box.push(bytes(3));
    box.begin_write();
    box.push(bytes(4));
    box.discard_pending();
    EXPECT_EQ(box.unsent_bytes(), 3u);
    EXPECT_TRUE(box.writing());
    EXPECT_EQ(box.end_write(), 1u);
    EXPECT_EQ(box.unsent_bytes(), 0u);
}

TEST(Outbox, AnIdleOutboxGivesBackWhatABurstGrew) {
    Outbox box(1 << 20);
    for (int i = 0; i < 1000; ++i)
        box.push(bytes(10));
    box.begin_write();
    for (int i = 0; i < 1000; ++i)
        box.push(bytes(10)); // pending grows while the write is in flight
    box.end_write();
    box.begin_write();
    box.end_write();
    // Nothing left to send: the vectors (buffer lists) must be released.
    EXPECT_EQ(box.retained_capacity(), 0u);
}

// Slow-consumer policies. Each event carries its channel's policy, as the hub
// stamps it; the outbox applies it without knowing about namespaces.
namespace {

struct Queued {
    EventPtr event;
    SharedBuffer buffer; // the SSE encoding, sharing ownership of the event
};

Queued event(const std::string& channel, SlowConsumer policy, std::string body,
             std::size_t size = 10, std::string key = {}) {
    auto e = std::make_shared<Event>();
    e->channel = channel;
    e->key = std::move(key);
    e->slow_consumer = policy;
    e->latest_hash = latest_key_hash(channel, e->key);
    body.resize(size, '.');
    e->sse = std::move(body);
    EventPtr shared = e;
    return {shared, SharedBuffer(shared, &shared->sse)};
}

PushResult push(Outbox& box, const Queued& q) {
    return box.push(q.buffer, q.event.get());
}

SharedBuffer marker() {
    return std::make_shared<const std::string>("GAP.......");
}

} // namespace

TEST(OutboxPolicies, DropOldestDropsPendingEventsOldestFirstUntilTheNewOneFits) {
    Outbox box(40);
    ASSERT_EQ(push(box, event("f", SlowConsumer::drop_oldest, "a")).result, QueueResult::queued);
    box.begin_write(); // "a" is being written: never touched
    push(box, event("f", SlowConsumer::drop_oldest, "b"));
    push(box, event("f", SlowConsumer::drop_oldest, "c"));
    push(box, event("f", SlowConsumer::drop_oldest, "d")); // 40 bytes: full
    const auto r = push(box, event("f", SlowConsumer::drop_oldest, "e", 20));
    EXPECT_EQ(r.result, QueueResult::queued);
    EXPECT_EQ(r.dropped, 2u); // b and c, not a
    EXPECT_EQ(r.freed_bytes, 20u);
    EXPECT_EQ(box.unsent_bytes(), 40u);
    EXPECT_EQ(box.unreported_drops(), 2u);
    EXPECT_EQ(box.end_write(), 1u);
    EXPECT_EQ(joined(box.begin_write(marker())),
              "GAP......." + std::string("d.........") + "e" + std::string(19, '.'));
    EXPECT_EQ(box.unreported_drops(), 0u);
}

TEST(OutboxPolicies, TheGapMarkerGoesBeforeTheFirstEventNotBeforeControlBytes) {
    Outbox box(30);
    box.push(std::make_shared<const std::string>("HEAD|"));
    push(box, event("f", SlowConsumer::drop_oldest, "a"));
    push(box, event("f", SlowConsumer::drop_oldest, "b"));
    push(box, event("f", SlowConsumer::drop_oldest, "c")); // drops a
    EXPECT_EQ(joined(box.begin_write(marker())), "HEAD|GAP.......b.........c.........");
}

TEST(OutboxPolicies, ControlFramesAndDisconnectEventsAreNeverDropped) {
    Outbox box(30);
    box.push(std::make_shared<const std::string>(std::string(10, 'C')));
    push(box, event("chat", SlowConsumer::disconnect, "x"));
    push(box, event("f", SlowConsumer::drop_oldest, "a"));
    // Room for a 10-byte event: only "a" may go.
    auto r = push(box, event("f", SlowConsumer::drop_oldest, "b"));
    EXPECT_EQ(r.result, QueueResult::queued);
    EXPECT_EQ(r.dropped, 1u);
    // Room for 20 bytes: "b" is not enough, so nothing is dropped and the
    // session is a slow consumer (today's fallback).
    r = push(box, event("f", SlowConsumer::drop_oldest, "big", 20));
    EXPECT_EQ(r.result, QueueResult::over_limit);
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(box.unsent_bytes(), 30u);
    // A disconnect event may use the room that drop_oldest events leave.
    r = push(box, event("chat", SlowConsumer::disconnect, "y"));
    EXPECT_EQ(r.result, QueueResult::queued);
    EXPECT_EQ(r.dropped, 1u);
    EXPECT_EQ(joined(box.begin_write()), std::string(10, 'C') + "x.........y.........");
}

TEST(OutboxPolicies, AnEventLargerThanTheLimitStillDisconnects) {
    Outbox box(30);
    push(box, event("f", SlowConsumer::drop_oldest, "a"));
    EXPECT_EQ(push(box, event("f", SlowConsumer::drop_oldest, "huge", 31)).result,
              QueueResult::over_limit);
    EXPECT_EQ(push(box, event("t", SlowConsumer::latest, "huge", 31)).result,
              QueueResult::over_limit);
    EXPECT_EQ(box.unsent_bytes(), 10u);
    EXPECT_EQ(box.unreported_drops(), 0u);
}

TEST(OutboxPolicies, LatestQueuesWholeWhileThereIsRoom) {
    // A subscriber that keeps up loses nothing, whatever the policy.
    Outbox box(1000);
    push(box, event("t1", SlowConsumer::latest, "t1-1"));
    push(box, event("t1", SlowConsumer::latest, "t1-2"));
    EXPECT_EQ(push(box, event("t1", SlowConsumer::latest, "t1-3")).replaced, 0u);
    EXPECT_EQ(joined(box.begin_write()), "t1-1......t1-2......t1-3......");
}

TEST(OutboxPolicies, LatestKeepsOnePendingEventPerChannelOnceRoomIsShort) {
    Outbox box(50);
    push(box, event("t1", SlowConsumer::latest, "t1-1"));
    box.begin_write(); // t1-1 is being written: never replaced
    push(box, event("t1", SlowConsumer::latest, "t1-2"));
    push(box, event("t2", SlowConsumer::latest, "t2-1"));
    push(box, event("t1", SlowConsumer::latest, "t1-3"));
    push(box, event("c", SlowConsumer::disconnect, "c-1")); // 50 bytes: full
    // Room is short: t1-2 goes, then t2-1 is replaced by t2-2.
    auto r = push(box, event("t2", SlowConsumer::latest, "t2-2"));
    EXPECT_EQ(r.result, QueueResult::queued);
    EXPECT_EQ(r.replaced, 2u);
    EXPECT_EQ(r.freed_bytes, 20u);
    // From now on, until the queue empties, one pending event per channel.
    r = push(box, event("t1", SlowConsumer::latest, "t1-4"));
    EXPECT_EQ(r.replaced, 1u);
    EXPECT_EQ(box.unsent_bytes(), 40u);
    EXPECT_EQ(box.unreported_drops(), 0u) << "latest is not a gap: no marker";
    box.end_write();
    // The newest of each channel, in the order they were published.
    EXPECT_EQ(joined(box.begin_write()), "c-1.......t2-2......t1-4......");
    // Still behind (the queue was not empty after the write): one per channel.
    push(box, event("t1", SlowConsumer::latest, "t1-5"));
    EXPECT_EQ(push(box, event("t1", SlowConsumer::latest, "t1-6")).replaced, 1u);
    box.end_write();
    box.begin_write();
    box.end_write(); // caught up: events queue whole again
    push(box, event("t1", SlowConsumer::latest, "t1-7"));
    EXPECT_EQ(push(box, event("t1", SlowConsumer::latest, "t1-8")).replaced, 0u);
}

TEST(OutboxPolicies, LatestKeepsOnePendingEventPerChannelAndKey) {
    Outbox box(40);
    push(box, event("px", SlowConsumer::latest, "btc-1", 10, "BTC"));
    box.begin_write(); // being written: never replaced
    push(box, event("px", SlowConsumer::latest, "btc-2", 10, "BTC"));
    push(box, event("px", SlowConsumer::latest, "eth-1", 10, "ETH"));
    push(box, event("px", SlowConsumer::latest, "any-1", 10)); // no key: the channel's own
    // Full: each newer event replaces only its own key's.
    auto r = push(box, event("px", SlowConsumer::latest, "eth-2", 10, "ETH"));
    EXPECT_EQ(r.replaced, 1u);
    r = push(box, event("px", SlowConsumer::latest, "btc-3", 10, "BTC"));
    EXPECT_EQ(r.replaced, 1u);
    r = push(box, event("px", SlowConsumer::latest, "any-2", 10));
    EXPECT_EQ(r.replaced, 1u);
    box.end_write();
    EXPECT_EQ(joined(box.begin_write()), "eth-2.....btc-3.....any-2.....");
}

TEST(OutboxPolicies, EachEventKeepsItsOwnPolicyInOneSession) {
    Outbox box(40);
    push(box, event("feed", SlowConsumer::drop_oldest, "f1"));
    push(box, event("tick", SlowConsumer::latest, "k1"));
    push(box, event("chat", SlowConsumer::disconnect, "c1"));
    push(box, event("feed", SlowConsumer::drop_oldest, "f2")); // full now
    // Room is short: k1 is superseded by k2, which makes the room.
    auto r = push(box, event("tick", SlowConsumer::latest, "k2"));
    EXPECT_EQ(r.replaced, 1u);
    EXPECT_EQ(r.dropped, 0u);
    r = push(box, event("feed", SlowConsumer::drop_oldest, "f3")); // drops f1
    EXPECT_EQ(r.dropped, 1u);
    // Only f2 and f3 are droppable (20 bytes), and 30 are needed.
    EXPECT_EQ(push(box, event("chat", SlowConsumer::disconnect, "c2", 30)).result,
              QueueResult::over_limit);
    EXPECT_EQ(joined(box.begin_write(marker())),
              "GAP.......c1........f2........k2........f3........");
}

TEST(OutboxPolicies, ALatestChannelThatNeverDrainsStaysBounded) {
    // A writer that never finishes: replacements leave holes, which must
    // not accumulate without bound.
    Outbox box(100);
    push(box, event("x", SlowConsumer::disconnect, "w"));
    box.begin_write();
    for (int i = 0; i < 10'000; ++i) {
        push(box, event("t1", SlowConsumer::latest, "a" + std::to_string(i)));
        push(box, event("t2", SlowConsumer::latest, "b" + std::to_string(i)));
    }
    EXPECT_LT(box.retained_capacity(), 200u);
    EXPECT_EQ(box.unsent_bytes(), 30u);
    box.end_write();
    EXPECT_EQ(joined(box.begin_write()), "a9999.....b9999.....");
}

TEST(OutboxPolicies, DropOldestOnAWriterThatNeverFinishesStaysBounded) {
    Outbox box(100);
    box.push(std::make_shared<const std::string>("HEAD"));
    for (int i = 0; i < 10'000; ++i)
        ASSERT_EQ(push(box, event("f", SlowConsumer::drop_oldest, std::to_string(i))).result,
                  QueueResult::queued);
    EXPECT_LT(box.retained_capacity(), 200u);
    EXPECT_EQ(box.unreported_drops(), 10'000u - 9u);
    auto out = joined(box.begin_write(marker()));
    EXPECT_EQ(out.substr(0, 14), "HEADGAP.......");
    EXPECT_EQ(out.substr(14, 10), "9991......");
}

namespace {
const Clock::time_point t0{std::chrono::seconds(1000)};
PushResult push_at(Outbox& box, const Queued& q, int ms) {
    return box.push(q.buffer, q.event.get(), false, t0 + std::chrono::milliseconds(ms));
}
} // namespace

TEST(OutboxAge, EventsDueBeforeTheCutoffAreDroppedWhateverThePolicy) {
    Outbox box(1000);
    box.push(std::make_shared<const std::string>("HEAD|")); // control: never ages
    push_at(box, event("c", SlowConsumer::disconnect, "a"), 0);
    push_at(box, event("f", SlowConsumer::drop_oldest, "b"), 100);
    push_at(box, event("t", SlowConsumer::latest, "c"), 200);
    push_at(box, event("c", SlowConsumer::disconnect, "d"), 300);
    const auto r = box.drop_stale(t0 + std::chrono::milliseconds(250));
    EXPECT_EQ(r.dropped, 3u);
    EXPECT_EQ(r.freed_bytes, 30u);
    EXPECT_EQ(box.unreported_drops(), 3u);
    EXPECT_EQ(box.unsent_bytes(), 15u);
    // The client hears of it in front of the first event it still gets.
    EXPECT_EQ(joined(box.begin_write(marker())), "HEAD|GAP.......d.........");
}

TEST(OutboxAge, NothingStaleNothingDroppedAndTheInFlightBatchIsNeverTouched) {
    Outbox box(1000);
    push_at(box, event("c", SlowConsumer::disconnect, "a"), 0);
    box.begin_write();
    push_at(box, event("c", SlowConsumer::disconnect, "b"), 500);
    EXPECT_EQ(box.drop_stale(t0 + std::chrono::milliseconds(400)).dropped, 0u);
    EXPECT_EQ(box.unsent_bytes(), 20u) << "a is being written: not pending, not dropped";
    // Pushed without a time (a test, a control frame): never stale.
    const auto z = event("c", SlowConsumer::disconnect, "z");
    box.push(z.buffer, z.event.get());
    EXPECT_EQ(box.drop_stale(t0 + std::chrono::hours(1)).dropped, 1u) << "only b";
    box.end_write();
    EXPECT_EQ(joined(box.begin_write(marker())), "GAP.......z.........");
}

TEST(OutboxAge, WhenEverythingPendingIsStaleTheMarkerStillGoesOut) {
    Outbox box(1000);
    push_at(box, event("c", SlowConsumer::disconnect, "a"), 0);
    push_at(box, event("c", SlowConsumer::disconnect, "b"), 10);
    box.drop_stale(t0 + std::chrono::seconds(5));
    EXPECT_FALSE(box.has_pending());
    EXPECT_TRUE(box.has_output()) << "the drop itself must reach the client";
    EXPECT_EQ(joined(box.begin_write(marker())), "GAP.......");
    EXPECT_FALSE(box.has_output());
}

TEST(OutboxAge, AStaleLatestEventLeavesNoIndexBehind) {
    // Once lagging, latest events are indexed by key; dropping one for age
    // must unindex it, or the next of its key would replace a hole.
    Outbox box(30);
    push_at(box, event("t", SlowConsumer::latest, "t-1"), 0);
    box.begin_write();
    push_at(box, event("t", SlowConsumer::latest, "t-2"), 10);
    push_at(box, event("u", SlowConsumer::latest, "u-1"), 20);
    push_at(box, event("t", SlowConsumer::latest, "t-3"), 30); // full: lagging, t-2 replaced
    EXPECT_EQ(box.drop_stale(t0 + std::chrono::milliseconds(35)).dropped, 2u);
    const auto r = push_at(box, event("t", SlowConsumer::latest, "t-4"), 40);
    EXPECT_EQ(r.result, QueueResult::queued);
    EXPECT_EQ(r.replaced, 0u);
    box.end_write();
    EXPECT_EQ(joined(box.begin_write(marker())), "GAP.......t-4.......");
}
