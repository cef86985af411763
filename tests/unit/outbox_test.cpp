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
    EXPECT_EQ(box.push(bytes(2, 'a')), QueueResult::queued);
    EXPECT_EQ(box.push(bytes(3, 'b')), QueueResult::queued);
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
    EXPECT_EQ(box.push(bytes(6)), QueueResult::queued);
    box.begin_write(); // in flight still counts: the kernel has not taken it
    EXPECT_EQ(box.push(bytes(5)), QueueResult::dropped);
    EXPECT_EQ(box.push(bytes(4)), QueueResult::queued);
    EXPECT_EQ(box.unsent_bytes(), 10u);
}

TEST(Outbox, ForcedControlBytesBypassTheLimit) {
    Outbox box(4);
    box.push(bytes(4));
    EXPECT_EQ(box.push(bytes(2), /*force=*/true), QueueResult::queued);
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
