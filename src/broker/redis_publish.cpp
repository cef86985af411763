// What goes out on the command connection for others: publishes (PUBLISH of
// the envelope, or herald_publish where it is stored in history too; every
// node, this one too, gets the event back from Redis)
// and upstream client messages (XADD). Both answer only once Redis has.
#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/publish_batch.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/payload.hpp"

namespace herald {

using redis::Reply;

void RedisBridge::publish(std::vector<Publication> publications, PublishHandler done) {
    // Not encoded here: the event is encoded once, when it comes back from Redis.
    net::post(hub_.context(), [this, events = std::move(publications), done = std::move(done)] {
        if (!commands_usable()) {
            PublishResult result;
            for (const auto& e : events)
                result.ids.push_back(e.id);
            result.failure = PublishResult::Failure::unavailable;
            result.error = "Redis is unavailable";
            return done(std::move(result));
        }
        // Every node subscribed to the channel, this one included, gets it back
        // from Redis: exactly one delivery per node.
        auto batch = PublishBatch::start(events, done);
        for (const auto& e : events) {
            commands_->send(publish_command(e));
            command_queue_.push(batch->completion());
        }
    });
}

void RedisBridge::send_upstream(upstream::Message message, upstream::Handler done) {
    net::post(hub_.context(), [this, message = std::move(message), done = std::move(done)] {
        if (!commands_usable())
            return done({false, "Redis is unavailable"});
        commands_->send(redis::format_command(
            upstream::xadd_argv(config_.upstream_stream, config_.upstream_maxlen, message)));
        // The reply is the entry id: only then is the message in the stream.
        // A lost connection fails it through command_queue_.fail_all.
        command_queue_.push([done](const Reply& reply) {
            if (reply.type == Reply::Type::error)
                return done({false, "Redis: " + reply.str});
            done({true, {}});
        });
    });
}

} // namespace herald
