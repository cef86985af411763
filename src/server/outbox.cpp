#include "herald/server/outbox.hpp"

namespace herald {

PushResult Outbox::push(SharedBuffer buffer, const Event* event, bool force,
                        Clock::time_point since) {
    PushResult result;
    const std::size_t size = buffer->size();
    const bool latest = event && event->slow_consumer == SlowConsumer::latest;
    std::size_t replaced_bytes = 0;
    LatestIndex::iterator same; // valid when `replaces`: the pending entry of this key
    bool replaces = false;
    // Once the session is behind, a latest event replaces the pending one
    // with its key: waiting, the older one is already stale.
    auto find_same = [&] {
        replaces = false;
        if (lagging_ && latest) {
            same = latest_->find(event);
            replaces = same != latest_->end();
        }
        replaced_bytes = replaces ? pending_[same->second].buffer->size() : 0;
    };
    find_same();
    if (!force && unsent_bytes() - replaced_bytes + size > limit_ && !lagging_) {
        // The first time room is short: from now until the session has
        // caught up, keep only the newest pending event of each key. A
        // subscriber that keeps up never gets here and loses nothing.
        lagging_ = true;
        collapse_latest(result);
        find_same();
    }
    const std::size_t after = unsent_bytes() - replaced_bytes + size;
    if (!force && after > limit_) {
        // Checked before dropping anything: a session about to be cut off
        // should not first lose drop_oldest events for nothing.
        if (after - limit_ > droppable_bytes_)
            return {QueueResult::over_limit};
        drop_oldest(after - limit_, result);
    }
    const std::size_t index = pending_.size();
    if (replaces) {
        make_hole(same->second);
        ++result.replaced;
        result.freed_bytes += replaced_bytes;
        // Re-keyed in place, by iterator: the old key points into the event
        // just released, so it must not be compared again.
        auto node = latest_->extract(same);
        node.key() = event;
        node.mapped() = index;
        latest_->insert(std::move(node));
    } else if (latest && lagging_) {
        latest_->emplace(event, index);
    }
    pending_.push_back({std::move(buffer), event, since});
    pending_bytes_ += size;
    if (droppable(pending_.back()))
        droppable_bytes_ += size;
    // Holes are skipped by begin_write; squeezed out once they are the
    // majority, so a writer that never finishes cannot grow the list forever.
    if (holes_ > 16 && holes_ * 2 > pending_.size())
        compact();
    return result;
}

void Outbox::collapse_latest(PushResult& result) {
    // Newest first: the first event seen of a key is the one kept. O(n)
    // once per lag, for the n pushes that filled the queue. The index exists
    // only while lagging: most sessions never lag, and it costs 56 bytes.
    if (latest_)
        latest_->clear();
    else
        latest_ = std::make_unique<LatestIndex>();
    for (std::size_t i = pending_.size(); i-- > 0;) {
        auto& entry = pending_[i];
        if (!entry.buffer || !entry.event || entry.event->slow_consumer != SlowConsumer::latest)
            continue;
        if (latest_->emplace(entry.event, i).second)
            continue;
        result.freed_bytes += entry.buffer->size();
        ++result.replaced;
        make_hole(i);
    }
}

PushResult Outbox::drop_stale(Clock::time_point cutoff) {
    // Entries are in the order they became due, so the stale ones are in
    // front: stop at the first event that is not. Control frames stay, and
    // so do reset notices: dropping one would lose the count it carries.
    PushResult result;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        auto& entry = pending_[i];
        if (!entry.buffer || !entry.event || entry.event->reset_notice)
            continue;
        if (entry.since >= cutoff)
            break;
        result.freed_bytes += entry.buffer->size();
        ++result.dropped;
        forget_latest(i);
        make_hole(i);
    }
    unreported_drops_ += result.dropped;
    return result;
}

void Outbox::forget_latest(std::size_t index) {
    // A hole must not stay indexed: push would measure the buffer it replaces.
    const Event* event = pending_[index].event;
    if (!latest_ || event->slow_consumer != SlowConsumer::latest)
        return;
    if (auto it = latest_->find(event); it != latest_->end() && it->second == index)
        latest_->erase(it);
}

void Outbox::make_hole(std::size_t index) {
    auto& entry = pending_[index];
    const std::size_t size = entry.buffer->size();
    pending_bytes_ -= size;
    if (droppable(entry))
        droppable_bytes_ -= size;
    entry.buffer.reset();
    ++holes_;
}

void Outbox::drop_oldest(std::size_t bytes, PushResult& result) {
    // Precondition: droppable_bytes_ >= bytes, so the scan finds enough. The
    // cursor only moves forward, so a push costs O(1) amortized however
    // many control frames or disconnect events sit at the front.
    std::size_t freed = 0;
    while (freed < bytes) {
        while (!droppable(pending_[drop_cursor_]))
            ++drop_cursor_;
        freed += pending_[drop_cursor_].buffer->size();
        make_hole(drop_cursor_++);
        ++result.dropped;
    }
    result.freed_bytes += freed;
    unreported_drops_ += result.dropped;
}

void Outbox::compact() {
    std::size_t kept = 0;
    std::size_t cursor = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        if (i == drop_cursor_)
            cursor = kept;
        auto& entry = pending_[i];
        if (!entry.buffer)
            continue;
        if (latest_ && entry.event && entry.event->slow_consumer == SlowConsumer::latest)
            if (auto it = latest_->find(entry.event); it != latest_->end()) // indexed while lagging
                it->second = kept;
        pending_[kept++] = std::move(entry);
    }
    drop_cursor_ = drop_cursor_ >= pending_.size() ? kept : cursor;
    pending_.resize(kept);
    holes_ = 0;
}

Outbox::BufferRange Outbox::begin_write(SharedBuffer gap_marker) {
    writing_.clear();
    writing_.reserve(pending_.size() - holes_ + 1);
    writing_bytes_ = pending_bytes_;
    for (auto& entry : pending_) {
        if (!entry.buffer)
            continue;
        if (gap_marker && entry.event) {
            // Before the first event, not the batch: an SSE response head or
            // a WS "subscribed" may still be in front.
            writing_bytes_ += gap_marker->size();
            writing_.push_back(std::move(gap_marker));
            unreported_drops_ = 0;
        }
        writing_.push_back(std::move(entry.buffer));
    }
    if (gap_marker) {
        writing_bytes_ += gap_marker->size();
        writing_.push_back(std::move(gap_marker));
        unreported_drops_ = 0;
    }
    pending_.clear();
    pending_bytes_ = droppable_bytes_ = holes_ = drop_cursor_ = 0;
    if (latest_)
        latest_->clear();
    iov_.clear();
    iov_.reserve(writing_.size());
    for (const auto& b : writing_)
        iov_.emplace_back(b->data(), b->size());
    return {iov_.data(), iov_.data() + iov_.size()};
}

std::size_t Outbox::end_write() {
    std::size_t n = writing_.size();
    writing_.clear();
    writing_bytes_ = 0;
    // An idle session should hold no memory beyond itself: give back what a
    // burst grew. (Swap with empties: `v = {}` would keep the capacity.)
    if (pending_.empty() && writing_.capacity() + pending_.capacity() > 16) {
        std::vector<SharedBuffer>().swap(writing_);
        std::vector<Entry>().swap(pending_);
        std::vector<boost::asio::const_buffer>().swap(iov_);
    }
    if (pending_.empty()) {
        lagging_ = false; // caught up: latest events queue whole again
        latest_.reset();
    }
    return n;
}

void Outbox::discard_pending() {
    pending_.clear();
    lagging_ = false;
    pending_bytes_ = droppable_bytes_ = holes_ = drop_cursor_ = 0;
    latest_.reset();
}

} // namespace herald
