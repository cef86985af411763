// The Redis bridge's share of the Admin API (README "Admin API"): the
// relay's payloads go out as PUBLISH on the command connection, and the
// reply (how many subscribers got it) goes back to the relay. Everything
// else, asks, waits and reports, is AdminRelay's.
#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/redis/command.hpp"

namespace herald {

using redis::Reply;

bool RedisBridge::admin_publish(const std::string& channel, std::string payload,
                                AdminRelay::Receivers done) {
    if (!commands_usable())
        return false;
    commands_->send(
        redis::format_command({"PUBLISH", config_.channel_prefix + channel, std::move(payload)}));
    if (!done) {
        command_queue_.push();
        return true;
    }
    command_queue_.push([done = std::move(done)](const Reply& reply) {
        if (reply.type != Reply::Type::integer)
            return done(std::nullopt); // the connection went
        done(reply.integer);
    });
    return true;
}

} // namespace herald
