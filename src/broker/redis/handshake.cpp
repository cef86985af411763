#include "herald/broker/redis/handshake.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/sentinel_wire.hpp"

namespace herald::redis {

Handshake::Commands Handshake::start(const RedisEndpoint& endpoint, std::string_view canary_channel,
                                     Clock::time_point now, bool require_master) {
    *this = Handshake(timeout_);
    started_ = true;
    require_master_ = require_master;
    started_at_ = now;
    Commands out;
    if (!endpoint.password.empty()) {
        out.subscriber.push_back(auth_command(endpoint.user, endpoint.password));
        out.commands.push_back(auth_command(endpoint.user, endpoint.password));
    }
    // Pub/sub ignores the database; SELECT still catches a wrong db number early.
    if (endpoint.db != 0) {
        out.commands.push_back(format_command({"SELECT", std::to_string(endpoint.db)}));
    }
    // Last, so that its reply is the last one claimed on each connection.
    // On both: they connect separately, and a failover may come between.
    if (require_master) {
        out.subscriber.push_back(format_command({"ROLE"}));
        out.commands.push_back(format_command({"ROLE"}));
    }
    // Counted before the SUBSCRIBE is added: its ack is a pub/sub message,
    // routed by channel, not a reply the handshake claims by position.
    subscriber_pending_ = static_cast<int>(out.subscriber.size());
    commands_pending_ = static_cast<int>(out.commands.size());
    out.subscriber.push_back(format_command({"SUBSCRIBE", canary_channel}));
    return out;
}

void Handshake::stop() {
    *this = Handshake(timeout_);
}

Handshake::Step Handshake::claim(const Reply& reply, int& pending) {
    if (!started_ || pending == 0) {
        return {};
    }
    --pending;
    if (reply.type == Reply::Type::error) {
        // Nothing on this connection can work (wrong password, no such db):
        // stop here rather than let later replies be mistaken for these.
        stop();
        return {Step::Kind::refused, "Redis refused the handshake: " + reply.str};
    }
    if (require_master_ && pending == 0) {
        // A sentinel may name a server that is no longer (or not yet) the
        // master while a failover is under way. A replica would take our
        // SUBSCRIBE and PUBLISH, and even echo the canary, while the
        // application's PUBLISHes to the real master never reached us.
        auto role = sentinel_wire::parse_role(reply);
        if (role != "master") {
            stop();
            return {Step::Kind::refused, "the server the sentinels named is not a master (ROLE: " +
                                             role.value_or("unreadable") +
                                             "); a failover may be under way"};
        }
    }
    return {try_complete() ? Step::Kind::complete : Step::Kind::consumed, {}};
}

Handshake::Step Handshake::on_subscriber_reply(const Reply& reply) {
    return claim(reply, subscriber_pending_);
}

Handshake::Step Handshake::on_command_reply(const Reply& reply) {
    return claim(reply, commands_pending_);
}

bool Handshake::on_canary_subscribed() {
    if (!started_ || canary_subscribed_) {
        return false;
    }
    canary_subscribed_ = true;
    return try_complete();
}

bool Handshake::try_complete() {
    // The canary's SUBSCRIBE is written after the subscriber's AUTH, so its
    // ack implies that AUTH succeeded; only the command side is checked.
    if (complete_ || !canary_subscribed_ || commands_pending_ > 0) {
        return false;
    }
    complete_ = true;
    return true;
}

std::optional<std::string> Handshake::check(Clock::time_point now) const {
    if (!started_ || complete_ || now - started_at_ <= timeout_) {
        return std::nullopt;
    }
    return "no answer from Redis while connecting";
}

} // namespace herald::redis
