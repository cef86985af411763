#include "herald/server/worker_inbox.hpp"

#include <utility>
#include <variant>

namespace herald {

WorkerInbox::Offered WorkerInbox::offer(Batch batch) {
    Offered out;
    std::lock_guard lock(mutex_);
    Batch run; // the events queued since the last shed
    auto end_run = [&] {
        if (run.empty())
            return;
        items_.emplace_back(std::in_place_type<Batch>, std::move(run));
        run.clear();
    };
    for (auto& f : batch) {
        if (!room_for(f.recipients)) {
            count_shed(f.event->channel);
            ++out.shed;
            continue;
        }
        if (!shed_.empty()) {
            // The events shed so far came before this one.
            end_run();
            close_shed();
        }
        deliveries_ += f.recipients;
        ++events_;
        run.push_back(std::move(f));
    }
    end_run();
    out.wake = wake();
    return out;
}

bool WorkerInbox::post(Task task) {
    std::lock_guard lock(mutex_);
    close_shed();
    items_.emplace_back(std::move(task));
    return wake();
}

bool WorkerInbox::has_room(std::uint32_t recipients) const {
    std::lock_guard lock(mutex_);
    return room_for(recipients);
}

bool WorkerInbox::shed(const std::string& channel) {
    std::lock_guard lock(mutex_);
    count_shed(channel);
    return wake();
}

bool WorkerInbox::room_for(std::uint32_t recipients) const {
    if (deliveries_ == 0 && events_ == 0)
        return true; // one event of any size always goes
    return deliveries_ + recipients <= max_deliveries_ && events_ < max_events_;
}

void WorkerInbox::count_shed(const std::string& channel) {
    auto [it, added] = shed_index_.try_emplace(channel, shed_.size());
    if (added)
        shed_.push_back({channel, 0});
    ++shed_[it->second].events;
}

bool WorkerInbox::wake() {
    // Once per take: the worker takes everything there is when it wakes.
    return !std::exchange(woken_, true);
}

void WorkerInbox::take(std::deque<Item>& into) {
    std::lock_guard lock(mutex_);
    close_shed();
    for (auto& item : items_)
        into.push_back(std::move(item));
    items_.clear();
    woken_ = false;
}

void WorkerInbox::done(std::size_t events, std::size_t deliveries) {
    std::lock_guard lock(mutex_);
    events_ -= events;
    deliveries_ -= deliveries;
}

std::size_t WorkerInbox::pending_deliveries() const {
    std::lock_guard lock(mutex_);
    return deliveries_;
}

std::size_t WorkerInbox::pending_events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

void WorkerInbox::close_shed() {
    for (auto& shed : shed_)
        items_.emplace_back(std::move(shed));
    shed_.clear();
    shed_index_.clear();
}

} // namespace herald
