#pragma once
// What each reply on the subscriber connection asks of the bridge, sans-io.
// Redis channels are herald channels behind `channel_prefix`, plus one
// node-private canary channel; the router maps names back, hands the
// subscription acks to the SubscriptionTracker, and turns everything that
// leaves the subscription state unknowable into a Reconnect, so that the
// bridge's only choice is which socket or timer to touch.
//
// Feed it the replies the Handshake passed on, in order.
#include "herald/broker/redis/reply_reader.hpp"
#include "herald/broker/redis/subscription_tracker.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace herald::redis {

class SubscriberRouter {
public:
    // An event for a herald channel (prefix removed).
    struct Deliver {
        std::string channel;
        std::string payload;
    };
    // A message on the canary channel: for Canary::on_echo.
    struct CanaryEcho {
        std::string payload;
    };
    // Redis confirmed the canary subscription: for Handshake::on_canary_subscribed.
    struct CanarySubscribed {};
    // The tracker took an ack: send what it wants now, and tell the hub.
    struct Confirmed {
        std::string channel; // the name the tracker knows it by (prefix removed)
    };
    // The subscription state can no longer be trusted: rebuild the connection.
    struct Reconnect {
        std::string reason;
    };
    // Nothing to do (PONG, a channel outside the prefix, other replies).
    struct Ignore {};
    using Action =
        std::variant<Deliver, CanaryEcho, CanarySubscribed, Confirmed, Reconnect, Ignore>;

    // A node-private canary channel: behind the prefix (so that ACLs written
    // for the prefix cover it), with a '!' that no herald channel name may
    // contain (so that no client can collide with it), and `random` in hex
    // so that every node, and every restart, has its own.
    static std::string canary_channel_for(std::string_view prefix, std::uint64_t random);

    SubscriberRouter(std::string prefix, std::string canary_channel)
        : prefix_(std::move(prefix)), canary_channel_(std::move(canary_channel)) {}

    // Takes the reply by value so that payloads are moved, not copied.
    Action route(Reply reply, SubscriptionTracker& tracker) const;

    const std::string& prefix() const { return prefix_; }
    const std::string& canary_channel() const { return canary_channel_; }

private:
    std::string prefix_;
    std::string canary_channel_;
};

} // namespace herald::redis
