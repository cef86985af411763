#include "herald/broker/redis/sentinel_resolver.hpp"

#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/pubsub_message.hpp"

namespace herald::redis {

using sentinel_wire::to_string;
using Kind = SentinelResolver::Outcome::Kind;

SentinelResolver::SentinelResolver(Options options) : options_(std::move(options)) {}

std::vector<std::string> SentinelResolver::auth() const {
    if (options_.password.empty())
        return {};
    return {auth_command(options_.user, options_.password)};
}

void SentinelResolver::begin_round() {
    round_start_ = preferred_;
    asked_ = 0;
    errors_.clear();
    query_pending_ = 0;
}

std::optional<SentinelResolver::Ask> SentinelResolver::next_query(Clock::time_point now) {
    const auto count = options_.sentinels.size();
    if (asked_ >= count)
        return std::nullopt;
    query_index_ = (round_start_ + asked_++) % count;
    Ask ask{options_.sentinels[query_index_], auth()};
    ask.commands.push_back(
        format_command({"SENTINEL", "get-master-addr-by-name", options_.master_name}));
    query_pending_ = static_cast<int>(ask.commands.size());
    query_started_ = now;
    return ask;
}

SentinelResolver::Outcome SentinelResolver::fail_query(std::string reason) {
    query_pending_ = 0;
    reason = "sentinel " + to_string(options_.sentinels[query_index_]) + ": " + reason;
    errors_.push_back(reason);
    return {Kind::failed, {}, std::move(reason)};
}

SentinelResolver::Outcome SentinelResolver::on_query_reply(const Reply& reply) {
    // Nothing more was asked after the answer or the failure.
    if (query_pending_ == 0)
        return {};
    if (--query_pending_ > 0) { // the AUTH reply
        if (reply.type == Reply::Type::error)
            return fail_query("AUTH refused: " + reply.str);
        return {};
    }
    auto parsed = sentinel_wire::parse_master_addr(reply);
    using Addr = sentinel_wire::MasterAddr::Kind;
    if (parsed.kind == Addr::unknown)
        return fail_query("does not know a master named '" + options_.master_name + "'");
    if (parsed.kind == Addr::bad)
        return fail_query(parsed.reason);
    preferred_ = query_index_;
    watch_index_ = query_index_; // the next watch goes where the answers come from
    master_ = parsed.address;
    return {Kind::master, parsed.address, {}};
}

SentinelResolver::Outcome SentinelResolver::on_query_lost(const std::string& reason) {
    if (query_pending_ == 0)
        return {}; // closed after it answered, or already counted as failed
    return fail_query(reason);
}

std::optional<SentinelResolver::Outcome> SentinelResolver::check(Clock::time_point now) {
    if (query_pending_ == 0 || now - query_started_ <= options_.timeout)
        return std::nullopt;
    return fail_query("no answer within " + std::to_string(options_.timeout.count()) + " ms");
}

std::string SentinelResolver::round_failure() const {
    std::string out = "no sentinel named the master '" + options_.master_name + "'";
    for (std::size_t i = 0; i < errors_.size(); ++i)
        out += (i == 0 ? " (" : "; ") + errors_[i];
    return errors_.empty() ? out : out + ")";
}

SentinelResolver::Ask SentinelResolver::watch() {
    watch_index_ %= options_.sentinels.size();
    Ask ask{options_.sentinels[watch_index_], auth()};
    watch_auth_pending_ = !ask.commands.empty();
    ask.commands.push_back(format_command({"SUBSCRIBE", sentinel_wire::switch_channel}));
    return ask;
}

void SentinelResolver::on_watch_lost() {
    // Try the one after it; a query that answers moves the next watch to
    // whichever sentinel answered.
    watch_index_ = (watch_index_ + 1) % options_.sentinels.size();
}

SentinelResolver::Outcome SentinelResolver::on_watch_reply(const Reply& reply) {
    const std::string who = "sentinel " + to_string(options_.sentinels[watch_index_]);
    if (watch_auth_pending_) {
        watch_auth_pending_ = false;
        if (reply.type == Reply::Type::error)
            return {Kind::failed, {}, who + ": AUTH refused: " + reply.str};
        return {};
    }
    auto event = classify_pubsub(reply);
    if (auto* error = std::get_if<ErrorReply>(&event))
        return {Kind::failed, {}, who + ": " + error->message};
    if (auto* ack = std::get_if<SubscribeAck>(&event)) {
        if (ack->kind == SubscribeAck::Kind::subscribe &&
            ack->channel == sentinel_wire::switch_channel)
            return {Kind::subscribed, {}, {}};
        return {};
    }
    auto* message = std::get_if<Message>(&event);
    if (!message || message->channel != sentinel_wire::switch_channel)
        return {};
    auto moved = sentinel_wire::parse_switch(message->payload);
    // Other masters of the same sentinels, or a malformed message: not ours.
    if (!moved || moved->name != options_.master_name)
        return {};
    master_ = moved->to;
    return {Kind::switched, moved->to,
            "Sentinel failover of '" + moved->name + "': master moved from " +
                to_string(moved->from) + " to " + to_string(moved->to)};
}

} // namespace herald::redis
