// Subscriptions, per-connection queues and the batched writes of one loop.
#include "loop.hpp"

#include <cerrno>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

namespace epoll_limit {

void Loop::subscribe(Conn& c, const std::string& channel) {
    auto [it, added] = channels_.try_emplace(channel);
    if (added)
        it->second.name = &it->first;
    c.channel = &it->second;
    c.index = c.channel->subscribers.size();
    c.channel->subscribers.push_back(&c);
}

void Loop::unsubscribe(Conn& c) {
    if (!c.channel)
        return;
    auto& subs = c.channel->subscribers;
    // Swap-remove: the last subscriber takes c's place.
    subs[c.index] = subs.back();
    subs[c.index]->index = c.index;
    subs.pop_back();
    if (subs.empty())
        channels_.erase(*c.channel->name);
    c.channel = nullptr;
}

void Loop::publish(std::string_view channel, std::string_view body) {
    // Encoded once here; every thread writes the same immutable bytes.
    auto event = std::make_shared<const Event>(
        Event{std::string(channel), std::make_shared<const std::string>(sse_event(body)),
              std::make_shared<const std::string>(ws_text_frame(body))});
    for (auto* loop : loops_) {
        if (loop == this)
            deliver(*event);
        else
            loop->post(event);
    }
}

void Loop::post(const EventPtr& event) {
    bool wake;
    {
        std::lock_guard lock(inbox_mutex_);
        wake = inbox_.empty(); // a non-empty inbox has its wake-up pending already
        inbox_.push_back(event);
    }
    if (wake) {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = write(event_fd_, &one, sizeof one);
    }
}

void Loop::on_inbox() {
    std::uint64_t count;
    [[maybe_unused]] auto n = read(event_fd_, &count, sizeof count);
    std::vector<EventPtr> events;
    {
        std::lock_guard lock(inbox_mutex_);
        events.swap(inbox_);
    }
    for (auto& event : events)
        deliver(*event);
}

void Loop::deliver(const Event& event) {
    auto it = channels_.find(event.channel);
    if (it == channels_.end())
        return;
    auto& subs = it->second.subscribers;
    // Backwards: dropping a subscriber swap-removes it, moving one already served into its
    // place. The channel itself goes away with its last subscriber, so stop there.
    for (std::size_t i = subs.size(); i-- > 0;) {
        bool last = subs.size() == 1;
        auto& c = *subs[i];
        enqueue(c, c.kind == Conn::Kind::ws ? event.ws : event.sse);
        if (last && c.dead)
            return;
    }
}

void Loop::enqueue(Conn& c, const Bytes& bytes) {
    if (c.queued + bytes->size() > max_queued_bytes) {
        close(c); // too far behind: dropped, as a bounded queue must
        return;
    }
    c.out.push_back(bytes);
    c.queued += bytes->size();
    if (!c.dirty) {
        c.dirty = true;
        dirty_.push_back(&c);
    }
}

void Loop::flush(Conn& c) {
    constexpr std::size_t max_iov = 64;
    while (c.out_head < c.out.size()) {
        iovec iov[max_iov];
        std::size_t n = 0, total = 0;
        for (auto i = c.out_head; i < c.out.size() && n < max_iov; ++i, ++n) {
            std::size_t skip = i == c.out_head ? c.out_offset : 0;
            iov[n].iov_base = const_cast<char*>(c.out[i]->data() + skip);
            iov[n].iov_len = c.out[i]->size() - skip;
            total += iov[n].iov_len;
        }
        ssize_t written = writev(c.fd, iov, static_cast<int>(n));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                close(c);
            return; // EAGAIN: EPOLLOUT's edge brings c back
        }
        c.queued -= static_cast<std::size_t>(written);
        for (auto left = static_cast<std::size_t>(written); left > 0;) {
            std::size_t rest = c.out[c.out_head]->size() - c.out_offset;
            if (left < rest) {
                c.out_offset += left;
                break;
            }
            left -= rest;
            c.out[c.out_head++].reset();
            c.out_offset = 0;
        }
        if (static_cast<std::size_t>(written) < total)
            break; // the socket buffer is full
    }
    if (c.out_head == c.out.size()) {
        c.out.clear();
        c.out_head = 0;
    } else if (c.out_head > 64 && c.out_head * 2 > c.out.size()) {
        c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(c.out_head));
        c.out_head = 0;
    }
}

} // namespace epoll_limit
