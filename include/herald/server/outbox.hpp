#pragma once
// A session's bounded outgoing queue. Buffers are shared, immutable encodings
// (one per event and transport), so queuing an event costs a reference count,
// not a copy. While one gather write is in flight, newly queued buffers wait
// and all go out together in the next write.
//
// When a buffer does not fit within max_queued_bytes, each pending event's
// own slow-consumer policy (resolved once per event by the hub) says what may
// happen to it: a `drop_oldest` event may be dropped, oldest first, to make
// room; a `latest` event is replaced by the next one with the same key
// from the first time room is short until the session has caught up (an
// empty queue after a write), so a subscriber that keeps up loses nothing; a
// `disconnect` event and a control frame are never dropped. If that does not
// make room, push says so and the session is a slow consumer, as before. The
// in-flight batch is never touched.
//
// Bytes bound memory, not lateness: a session that reads, only slower than
// events come (a server beyond its capacity, a slow link), could send
// max_queued_bytes of ever older events. drop_stale() lets the session shed,
// whatever the policy, the pending events that waited longer than
// max_queued_age; the client learns of it like of a drop_oldest drop.
#include "herald/hub/event.hpp"
#include "herald/util/net.hpp"

#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald {

using SharedBuffer = std::shared_ptr<const std::string>;

// uWebSockets-style explicit result instead of a silent drop.
enum class QueueResult {
    queued,     // accepted; it goes out with the next write
    over_limit, // does not fit even after the drops policies allow: a slow consumer
};

struct PushResult {
    QueueResult result = QueueResult::queued;
    std::size_t dropped = 0;     // drop_oldest events dropped to make room
    std::size_t replaced = 0;    // latest events superseded by newer ones of their key
    std::size_t freed_bytes = 0; // bytes those drops and replacements released
};

class Outbox {
public:
    explicit Outbox(std::size_t max_queued_bytes) : limit_(max_queued_bytes) {}

    // `event` is the event whose encoding `buffer` is (it lives as long as the
    // buffer), or null for a control frame. `force` bypasses the limit, for
    // small control frames that must not be lost. `since` is when the event
    // became due for this session (drop_stale measures from it); events are
    // pushed in that order. The default, never, keeps it from ageing.
    PushResult push(SharedBuffer buffer, const Event* event, bool force = false,
                    Clock::time_point since = Clock::time_point::max());
    // A control frame.
    PushResult push(SharedBuffer buffer, bool force = false) {
        return push(std::move(buffer), nullptr, force);
    }

    // Drops the pending events due before `cutoff` (never a control frame),
    // counted in unreported_drops() like drop_oldest drops. O(what it drops).
    PushResult drop_stale(Clock::time_point cutoff);

    bool writing() const { return !writing_.empty(); }
    bool has_pending() const { return pending_.size() > holes_; }
    // Something to write: pending buffers, or a drop the client must hear of.
    bool has_output() const { return has_pending() || unreported_drops_ > 0; }
    // Bytes accepted but not yet confirmed written by the kernel.
    std::size_t unsent_bytes() const { return pending_bytes_ + writing_bytes_; }
    // Events dropped since the client was last told (the next write tells it).
    std::size_t unreported_drops() const { return unreported_drops_; }
    // Slots allocated by the buffer lists (memory an idle session should not hold).
    std::size_t retained_capacity() const {
        // The latest index counts as one slot while it exists (only while lagging).
        return pending_.capacity() + writing_.capacity() + iov_.capacity() + (latest_ ? 1 : 0);
    }

    // A contiguous range of const_buffer that Asio can gather-write without
    // copying the buffer sequence into the operation.
    struct BufferRange {
        const boost::asio::const_buffer* first;
        const boost::asio::const_buffer* last;
        const boost::asio::const_buffer* begin() const { return first; }
        const boost::asio::const_buffer* end() const { return last; }
    };

    // Moves every pending buffer into the in-flight batch. `gap_marker`, given
    // when unreported_drops() > 0, goes just before the batch's first event
    // (the dropped events were all older than it), or last when the batch has
    // none (drop_stale dropped them all). Precondition: !writing().
    BufferRange begin_write(SharedBuffer gap_marker = {});
    // Releases the in-flight batch; returns how many buffers it held.
    std::size_t end_write();
    // Forgets what has not started writing (used when closing).
    void discard_pending();

private:
    struct Entry {
        SharedBuffer buffer; // null once dropped or replaced: a hole
        const Event* event;  // null for control frames; owned through `buffer`
        Clock::time_point since;
    };
    // Pending latest events by key, to find the one a new event replaces in
    // O(1). Kept while lagging_ only.
    struct LatestHash {
        std::size_t operator()(const Event* e) const { return e->latest_hash; }
    };
    struct LatestEq {
        bool operator()(const Event* a, const Event* b) const { return a->same_latest_key(*b); }
    };
    using LatestIndex = std::unordered_map<const Event*, std::size_t, LatestHash, LatestEq>;

    static bool droppable(const Entry& e) {
        return e.buffer && e.event && e.event->slow_consumer == SlowConsumer::drop_oldest;
    }
    void make_hole(std::size_t index);
    void forget_latest(std::size_t index);
    void collapse_latest(PushResult& result);
    void drop_oldest(std::size_t bytes, PushResult& result);
    void compact();

    std::size_t limit_;
    std::size_t pending_bytes_ = 0;
    std::size_t writing_bytes_ = 0;
    std::size_t droppable_bytes_ = 0; // pending drop_oldest events
    std::size_t holes_ = 0;
    std::size_t drop_cursor_ = 0; // no droppable entry before it
    std::size_t unreported_drops_ = 0;
    bool lagging_ = false; // room was short since the queue was last empty
    std::vector<Entry> pending_;
    std::unique_ptr<LatestIndex> latest_; // only while lagging_
    std::vector<SharedBuffer> writing_;
    std::vector<boost::asio::const_buffer> iov_;
};

} // namespace herald
