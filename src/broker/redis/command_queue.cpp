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

namespace {

const Reply& connection_lost() {
    static const Reply reply{Reply::Type::error, "Redis connection lost", 0, {}};
    return reply;
}

} // namespace

bool CommandQueue::lost(const Reply& reply) {
    return reply == connection_lost();
}

std::size_t CommandQueue::fail_all() {
    const auto& lost = connection_lost();
    std::size_t failed = 0;
    for (; !pending_.empty(); ++failed) {
        auto done = std::move(pending_.front());
        pending_.pop_front();
        if (done) {
            done(lost);
        }
    }
    return failed;
}

} // namespace herald::redis
