#include "herald/broker/redis/subscriber_router.hpp"

#include "herald/broker/redis/pubsub_message.hpp"

#include <cstdio>

namespace herald::redis {

std::string SubscriberRouter::canary_channel_for(std::string_view prefix, std::uint64_t random) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(random));
    return std::string(prefix) + "!herald-canary:" + hex;
}

SubscriberRouter::Action SubscriberRouter::route(Reply reply, SubscriptionTracker& tracker) const {
    auto event = classify_pubsub(std::move(reply));
    if (auto* error = std::get_if<ErrorReply>(&event)) {
        // E.g. -NOPERM for a SUBSCRIBE the ACL forbids: that SUBSCRIBE will
        // never be acknowledged, so the tracker would wait for it forever.
        return Reconnect{"Redis error on the subscriber connection: " + error->message};
    }
    if (auto* m = std::get_if<Message>(&event)) {
        // The canary channel starts with the prefix too: test it first.
        if (m->channel == canary_channel_) {
            return CanaryEcho{std::move(m->payload)};
        }
        if (!m->channel.starts_with(prefix_)) {
            return Ignore{};
        }
        return Deliver{m->channel.substr(prefix_.size()), std::move(m->payload)};
    }
    if (auto* ack = std::get_if<SubscribeAck>(&event)) {
        if (ack->channel == canary_channel_) {
            return CanarySubscribed{};
        }
        if (!ack->channel.starts_with(prefix_)) {
            return Ignore{};
        }
        ack->channel.erase(0, prefix_.size());
        if (!tracker.on_ack(*ack)) {
            // An ack for a command the tracker never sent, or out of order:
            // what Redis holds and what the tracker believes have diverged,
            // and a channel could stay silent with no one noticing. Only a
            // new connection, on which everything wanted is replayed, gets
            // the two back in step.
            const char* kind =
                ack->kind == SubscribeAck::Kind::subscribe ? "subscribe" : "unsubscribe";
            return Reconnect{std::string("unexpected ") + kind + " ack for channel '" +
                             ack->channel + "': subscription state out of step with Redis"};
        }
        return Confirmed{std::move(ack->channel)};
    }
    return Ignore{};
}

} // namespace herald::redis
