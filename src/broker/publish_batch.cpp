#include "herald/broker/publish_batch.hpp"

#include <utility>

namespace herald {

using redis::Reply;

std::shared_ptr<PublishBatch> PublishBatch::start(const std::vector<Publication>& events,
                                                  Broker::PublishHandler done) {
    PublishResult result;
    result.ids.reserve(events.size());
    for (const auto& e : events)
        result.ids.push_back(e.id);
    auto batch = std::shared_ptr<PublishBatch>(
        new PublishBatch(events.size(), std::move(result), std::move(done)));
    if (events.empty())
        batch->finish();
    return batch;
}

PublishBatch::PublishBatch(std::size_t events, PublishResult result, Broker::PublishHandler done)
    : remaining_(events), result_(std::move(result)), done_(std::move(done)) {}

redis::CommandQueue::Completion PublishBatch::completion() {
    return [self = shared_from_this()](const Reply& reply) { self->on_reply(reply); };
}

void PublishBatch::on_reply(const Reply& reply) {
    if (redis::CommandQueue::lost(reply))
        lost_ = true;
    else if (reply.type == Reply::Type::error) {
        // Redis' own refusal, or the queue's word that nothing was sent.
        if (refused_.empty())
            refused_ = redis::CommandQueue::failed_here(reply) ? reply.str : "Redis: " + reply.str;
    } else
        ++confirmed_;
    if (--remaining_ == 0)
        finish();
}

void PublishBatch::finish() {
    const auto total = result_.ids.size();
    if (lost_) {
        result_.failure = PublishResult::Failure::uncertain;
        result_.error = "the Redis connection was lost before Redis confirmed the publish: " +
                        std::to_string(confirmed_) + " of " + std::to_string(total) +
                        " event(s) confirmed, the others may or may not have been delivered";
    } else if (!refused_.empty() && confirmed_ > 0) {
        result_.failure = PublishResult::Failure::uncertain;
        result_.error = refused_ + " (" + std::to_string(confirmed_) + " of " +
                        std::to_string(total) + " event(s) were published)";
    } else if (!refused_.empty()) {
        result_.failure = PublishResult::Failure::unavailable;
        result_.error = refused_;
    }
    std::exchange(done_, {})(std::move(result_));
}

} // namespace herald
