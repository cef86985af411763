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

const Reply& never_sent() {
    static const Reply reply{Reply::Type::error, "Redis is unavailable", 0, {}};
    return reply;
}

} // namespace

bool CommandQueue::lost(const Reply& reply) {
    return reply == connection_lost();
}

bool CommandQueue::failed_here(const Reply& reply) {
    return lost(reply) || reply == never_sent();
}

std::size_t CommandQueue::fail_all(bool sent) {
    const auto& lost = sent ? connection_lost() : never_sent();
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
