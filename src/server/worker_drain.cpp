// The worker's share of a drain (README "Drain and reload"): every worker
// closes its own connections on its own thread, in the slices DrainSchedule
// gives, so no session is ever touched from a foreign thread.
#include "herald/server/worker.hpp"

#include "herald/server/listener.hpp"

#include <spdlog/spdlog.h>

namespace herald {

void Worker::begin_drain(Millis window) {
    net::post(context_, [this, window] { do_drain(window); });
}

void Worker::drain_now() {
    net::post(context_, [this] {
        if (!drain_)
            return do_drain(Millis{0});
        drain_timer_.cancel();
        close_the_rest();
    });
}

void Worker::do_drain(Millis window) {
    if (drain_)
        return;
    shutting_down_ = true;
    listener_->stop();
    jitter_.emplace(window);
    // Snapshot first (as sweep does): a close unlinks its connection.
    for (auto& c : connections_)
        due_.push_back(c.shared_from_this());
    for (auto& c : due_) {
        // A poll answers now (empty, with its cursor) and plain HTTP closes:
        // both are cheap to redo elsewhere, and answering them late would
        // only hold their clients. The streams are what must be spread.
        if (c->transport() == Transport::ws || c->transport() == Transport::sse)
            draining_.push_back(c);
        else
            c->shutdown(Millis{0});
    }
    due_.clear();
    drain_.emplace(draining_.size(), window);
    drain_started_ = Clock::now();
    spdlog::debug("worker {}: draining {} streams in {} slices", index_, draining_.size(),
                  drain_->ticks());
    if (window.count() == 0)
        return close_the_rest();
    on_drain_tick();
}

void Worker::on_drain_tick() {
    close_drained(drain_->due(drain_tick_));
    if (drain_tick_ >= drain_->ticks())
        return close_the_rest();
    ++drain_tick_;
    // Timed from the start, not from the last tick: late ticks do not add up.
    drain_timer_.expires_at(drain_started_ + drain_->tick() * static_cast<int>(drain_tick_));
    drain_timer_.async_wait([this](error_code ec) {
        if (!ec)
            on_drain_tick();
    });
}

void Worker::close_drained(std::size_t upto) {
    for (; drain_closed_ < std::min(upto, draining_.size()); ++drain_closed_)
        if (auto c = draining_[drain_closed_].lock())
            c->shutdown(jitter_->next());
}

void Worker::close_the_rest() {
    close_drained(draining_.size());
    draining_.clear();
    drain_closed_ = 0;
    // Streams that opened during the drain (an upgrade under way when it
    // began) have not been told yet; Connection::shutdown skips the others.
    for (auto& c : connections_)
        due_.push_back(c.shared_from_this());
    for (auto& c : due_)
        c->shutdown(jitter_ ? jitter_->next() : RetryJitter::floor);
    due_.clear();
}

} // namespace herald
