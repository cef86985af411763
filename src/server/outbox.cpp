#include "herald/server/outbox.hpp"

namespace herald {

QueueResult Outbox::push(SharedBuffer buffer, bool force) {
    if (!force && unsent_bytes() + buffer->size() > limit_)
        return QueueResult::dropped;
    pending_bytes_ += buffer->size();
    pending_.push_back(std::move(buffer));
    return QueueResult::queued;
}

Outbox::BufferRange Outbox::begin_write() {
    writing_.swap(pending_);
    writing_bytes_ = pending_bytes_;
    pending_bytes_ = 0;
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
        std::vector<SharedBuffer>().swap(pending_);
        std::vector<boost::asio::const_buffer>().swap(iov_);
    }
    return n;
}

void Outbox::discard_pending() {
    pending_.clear();
    pending_bytes_ = 0;
}

} // namespace herald
