#pragma once
// What a reply on the subscriber connection means. In RESP2 subscribed mode
// Redis sends arrays: ["message", channel, payload], ["subscribe", channel,
// count], ["unsubscribe", channel, count], ["pong", text].
#include "herald/broker/redis/reply_reader.hpp"

#include <string>
#include <variant>

namespace herald::redis {

struct Message {
    std::string channel;
    std::string payload;
};

struct SubscribeAck {
    enum class Kind { subscribe, unsubscribe };
    Kind kind = Kind::subscribe;
    std::string channel;
    long long count = 0; // channels this connection is subscribed to now
};

struct Pong {};

// An error reply, e.g. "-NOPERM" for a SUBSCRIBE the ACL forbids: that
// SUBSCRIBE will never be acknowledged, so the caller should reconnect.
struct ErrorReply {
    std::string message;
};

// Anything else (pmessage, replies to other commands): ignored by the bridge.
struct Other {};

using PubSubEvent = std::variant<Message, SubscribeAck, Pong, ErrorReply, Other>;

// Takes the reply by value so that payloads are moved, not copied.
PubSubEvent classify_pubsub(Reply reply);

} // namespace herald::redis
