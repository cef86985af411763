#pragma once
// Judges what a crowd of one-channel subscribers received against what the
// publisher knows it published: every accepted event of the channel, from the
// start, exactly once and in publish order, except where the subscriber was
// told by a reset that it missed something (from a reset on, the expectation
// starts again at the next event it gets).
#include "resuming_crowd.hpp"
#include "steady_publisher.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace herald_test {

struct AuditCounts {
    std::size_t subscribers = 0, sse = 0, ws = 0;
    std::size_t published = 0;           // accepted (202) events
    std::size_t uncertain_published = 0; // publishes without an answer
    std::size_t refused = 0;             // 503 and other refusals while Redis was down
    std::size_t expected = 0;            // deliveries expected: accepted events x their subscribers
    std::size_t delivered = 0;           // accepted events received once, in order
    std::size_t recovered = 0;           // of those, replayed on a reconnect (published before it)
    std::size_t uncertain_delivered = 0; // receipts of uncertain events (allowed, not expected)
    std::size_t resets = 0;              // reset notices received
    std::size_t subscribers_reset = 0;   // subscribers that received at least one
    std::size_t covered_by_reset = 0;    // expected deliveries skipped right after a reset
    std::size_t reconnects = 0;          // connections beyond each subscriber's first
    std::size_t failed_attempts = 0;     // connects refused or closed before subscribing
    // Each must be 0.
    std::size_t duplicates = 0;
    std::size_t out_of_order = 0;
    std::size_t unknown = 0; // ids never published, or of another channel
    std::size_t missing_without_reset = 0;

    bool clean() const {
        return duplicates == 0 && out_of_order == 0 && unknown == 0 && missing_without_reset == 0;
    }
};

std::ostream& operator<<(std::ostream& out, const AuditCounts& counts);

// `problems` gets a line per offending subscriber (the first few only).
AuditCounts audit_deliveries(const PublishLedger& ledger,
                             const std::vector<const SubscriberRecord*>& records,
                             std::vector<std::string>& problems);

// Whether `record` has received the channel's last accepted event (or has
// nothing to wait for): the crowd has caught up once all have.
bool caught_up(const PublishLedger& ledger, const SubscriberRecord& record);

} // namespace herald_test
