#include "herald/broker/redis/command_queue.hpp"

#include <utility>

namespace herald::redis {

void CommandQueue::push(Completion done) {
    pending_.push_back(std::move(done));
}

bool CommandQueue::on_reply(const Reply& reply) {
    if (pending_.empty()) {
        return false;
    }
    // Popped before it runs, so a completion that pushes (or fails the
    // queue) sees a consistent queue.
    auto done = std::move(pending_.front());
    pending_.pop_front();
    if (done) {
        done(reply);
    }
    return true;
}

void CommandQueue::fail_all(const std::string& reason) {
    Reply lost;
    lost.type = Reply::Type::error;
    lost.str = reason;
    while (!pending_.empty()) {
        auto done = std::move(pending_.front());
        pending_.pop_front();
        if (done) {
            done(lost);
        }
    }
}

} // namespace herald::redis
