#pragma once
// The hub's hand-off to one worker: event batches to fan out and the hub's
// answers (subscribe results), in the order the hub gave them, so that a
// subscriber enters the shard exactly between the events its replay covers
// and the ones it gets live.
//
// Bounded, because a publisher can outrun the fan-out: one event to a channel
// with 5,000 subscribers on a worker is 5,000 deliveries, and a pipelined
// PUBLISH into Redis arrives at 700,000 events a second. When the deliveries
// queued here and not yet made pass max_deliveries (or the events pass
// max_events, which bounds memory when channels are small), further events
// are shed at the door, at O(1) each rather than once per recipient, and
// counted per channel. The count reaches the channel's subscribers as a
// reset notice placed where the shed events would have been: after
// everything queued before them, before anything queued after. An event is
// never shed while nothing is pending, so one event of any size always goes.
//
// Thread-safe: the hub offers and posts on its thread, the worker takes and
// reports what it made on its own. One short lock per batch, never per event.
#include "herald/hub/event.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace herald {

class WorkerInbox {
public:
    // An event and how many of the worker's subscriptions it goes to, as the
    // hub counted them when it offered the event.
    struct Fanout {
        EventPtr event;
        std::uint32_t recipients = 0;
    };
    using Batch = std::vector<Fanout>;
    using Task = std::function<void()>;
    // `events` events of `channel` were shed here.
    struct Shed {
        std::string channel;
        std::size_t events = 0;
    };
    using Item = std::variant<Batch, Task, Shed>;

    WorkerInbox(std::size_t max_deliveries, std::size_t max_events)
        : max_deliveries_(max_deliveries), max_events_(max_events) {}

    struct Offered {
        bool wake = false;    // the worker has no wake-up coming: post one
        std::size_t shed = 0; // events shed (not queued) from this batch
    };
    // Hub thread. Queues what fits, sheds the rest (see above).
    Offered offer(Batch batch);
    // Hub thread. A task runs on the worker after everything offered before
    // it; it is never shed. Returns whether to post a wake-up.
    bool post(Task task);
    // Hub thread: whether an event worth `recipients` deliveries would be
    // queued now; and the count of one that was shed before it was even
    // made (the Redis bridges skip parsing what no worker would take).
    // shed() returns whether to post a wake-up.
    bool has_room(std::uint32_t recipients) const;
    bool shed(const std::string& channel);

    // Worker thread: appends everything queued, in order, to `into`, shed
    // counts included, and clears the wake-up flag.
    void take(std::deque<Item>& into);
    // Worker thread: `events` taken events, worth `deliveries` as offered,
    // were fanned out (or found no subscriber): room for as many again.
    void done(std::size_t events, std::size_t deliveries);

    // Queued or taken and not yet done.
    std::size_t pending_deliveries() const;
    std::size_t pending_events() const;

private:
    // Closes the open shed counts into items_ (mutex held): anything queued
    // from now on comes after them.
    void close_shed();
    // Mutex held.
    bool room_for(std::uint32_t recipients) const;
    void count_shed(const std::string& channel);
    bool wake();

    const std::size_t max_deliveries_;
    const std::size_t max_events_;
    mutable std::mutex mutex_;
    std::vector<Item> items_;
    // Channels shed since the last item was queued, in first-shed order.
    std::vector<Shed> shed_;
    std::unordered_map<std::string, std::size_t> shed_index_;
    std::size_t deliveries_ = 0;
    std::size_t events_ = 0;
    bool woken_ = false;
};

} // namespace herald
