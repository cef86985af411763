#include "herald/broker/redis/pubsub_message.hpp"

#include "herald/util/strings.hpp"

namespace herald::redis {
namespace {

// Redis writes the kinds in lower case; compare loosely all the same.
bool is_kind(const Reply& r, std::string_view kind) {
    return (r.type == Reply::Type::string || r.type == Reply::Type::status) &&
           iequals(r.str, kind);
}

} // namespace

PubSubEvent classify_pubsub(Reply reply) {
    using T = Reply::Type;
    if (reply.type == T::error) {
        return ErrorReply{std::move(reply.str)};
    }
    if (is_kind(reply, "pong")) {
        return Pong{}; // "+PONG" before the first SUBSCRIBE
    }
    if (reply.type != T::array || reply.elements.empty()) {
        return Other{};
    }
    auto& e = reply.elements;
    if (is_kind(e[0], "pong")) {
        return Pong{};
    }
    if (e.size() == 3 && is_kind(e[0], "message") && e[1].type == T::string &&
        e[2].type == T::string) {
        return Message{std::move(e[1].str), std::move(e[2].str)};
    }
    // An UNSUBSCRIBE while subscribed to nothing is acknowledged with a nil
    // channel; it names no channel, so it is not an ack the tracker can use.
    if (e.size() == 3 && e[1].type == T::string && e[2].type == T::integer) {
        if (is_kind(e[0], "subscribe")) {
            return SubscribeAck{SubscribeAck::Kind::subscribe, std::move(e[1].str), e[2].integer};
        }
        if (is_kind(e[0], "unsubscribe")) {
            return SubscribeAck{SubscribeAck::Kind::unsubscribe, std::move(e[1].str), e[2].integer};
        }
    }
    return Other{};
}

} // namespace herald::redis
