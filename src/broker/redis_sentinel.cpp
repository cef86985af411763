// The Redis bridge's share of Sentinel: it asks the sentinels where the
// master is, keeps one sentinel connection subscribed to +switch-master, and
// moves the two data connections when the master moves. Which sentinel to
// ask, what the answers mean and when a switch concerns us are
// SentinelResolver's calls; this file only opens, closes and reconnects.
#include "herald/broker/redis_bridge.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;
using Outcome = redis::SentinelResolver::Outcome;
using redis::sentinel_wire::to_string;

namespace {

redis::RedisEndpoint tcp_endpoint(const redis::sentinel_wire::HostPort& address) {
    redis::RedisEndpoint endpoint;
    endpoint.host = address.host;
    endpoint.port = address.port;
    return endpoint;
}

} // namespace

redis::SentinelResolver::Options RedisBridge::sentinel_options() const {
    redis::SentinelResolver::Options options;
    for (const auto& address : config_.redis_sentinels) // checked with the configuration
        options.sentinels.push_back(
            std::get<HostPort>(redis::sentinel_wire::parse_host_port(address)));
    options.master_name = config_.redis_master_name;
    options.user = config_.redis_sentinel_username;
    options.password = config_.redis_sentinel_password;
    // As the handshake's: a query is one round trip, a slow connect included.
    options.timeout = std::max(config_.canary_timeout, Millis{1000});
    return options;
}

void RedisBridge::ask_sentinels() {
    cancel_query();
    ask_next_sentinel();
}

void RedisBridge::cancel_query() {
    if (query_)
        query_->close();
    ++query_generation_; // its callbacks, should any still come, are ignored
    sentinels_->begin_round();
}

void RedisBridge::ask_next_sentinel() {
    auto ask = sentinels_->next_query(Clock::now());
    if (!ask) {
        auto reason = sentinels_->round_failure();
        if (state_ == State::resolving)
            return on_down(reason); // backoff, then a new round
        // The data connections still work (this was a check): keep them.
        spdlog::warn("redis: {}", reason);
        return;
    }
    auto generation = ++query_generation_;
    query_ = std::make_shared<redis::Connection>(
        hub_.context(),
        [this, generation](std::vector<Reply>& replies) {
            if (generation == query_generation_ && !stopped_)
                on_query_replies(replies);
        },
        [this, generation](const std::string& reason) {
            if (generation == query_generation_ && !stopped_)
                on_query_outcome(sentinels_->on_query_lost(reason));
        });
    query_->connect(tcp_endpoint(ask->sentinel));
    for (auto& command : ask->commands)
        query_->send(std::move(command));
}

void RedisBridge::on_query_replies(std::vector<Reply>& replies) {
    const auto generation = query_generation_;
    for (const auto& reply : replies) {
        on_query_outcome(sentinels_->on_query_reply(reply));
        if (generation != query_generation_)
            return; // closed or replaced meanwhile: the rest is not for us
    }
}

void RedisBridge::on_query_outcome(const Outcome& outcome) {
    using Kind = Outcome::Kind;
    if (outcome.kind == Kind::failed) {
        spdlog::debug("redis: {}", outcome.reason);
        query_->close();
        return ask_next_sentinel();
    }
    if (outcome.kind != Kind::master)
        return;
    query_->close();
    ++query_generation_;
    if (!watch_)
        open_watch();
    if (state_ == State::down)
        return; // a check that ended after the connections failed: the backoff asks again
    follow_master(outcome.master, "the sentinels name " + to_string(outcome.master) +
                                      " as the master '" + config_.redis_master_name + "'");
}

void RedisBridge::follow_master(const HostPort& master, const std::string& why) {
    if (data_up() && data_master_ == master)
        return;
    if (data_up()) {
        // The connections work but lead to the old master (now a replica,
        // or about to be): they must move even though nothing failed.
        spdlog::warn("redis: {}; moving both connections there", why);
        info_.set_ready(false, "Redis failover: " + why + "; reconnecting");
        drop_connections();
    }
    reconnect_timer_.cancel(); // a known master is worth more than waiting out a backoff
    if (data_master_ && *data_master_ != master)
        info_.redis_stats.master_switches.add();
    if (data_master_ != master)
        spdlog::info("redis: master '{}' is at {}", config_.redis_master_name, to_string(master));
    data_master_ = master;
    auto endpoint = endpoint_; // user, password and db from redis_url
    endpoint.kind = redis::RedisEndpoint::tcp;
    endpoint.host = master.host;
    endpoint.port = master.port;
    connect_to(endpoint);
}

void RedisBridge::open_watch() {
    auto ask = sentinels_->watch();
    auto generation = ++watch_generation_;
    watch_ = std::make_shared<redis::Connection>(
        hub_.context(),
        [this, generation](std::vector<Reply>& replies) {
            if (generation == watch_generation_ && !stopped_)
                on_watch_replies(replies);
        },
        [this, generation, sentinel = ask.sentinel](const std::string& reason) {
            if (generation == watch_generation_ && !stopped_)
                on_watch_down("sentinel " + to_string(sentinel) + ": " + reason);
        });
    watch_->connect(tcp_endpoint(ask.sentinel));
    for (auto& command : ask.commands)
        watch_->send(std::move(command));
}

void RedisBridge::on_watch_replies(std::vector<Reply>& replies) {
    const auto generation = watch_generation_;
    for (const auto& reply : replies) {
        auto outcome = sentinels_->on_watch_reply(reply);
        using Kind = Outcome::Kind;
        if (outcome.kind == Kind::failed)
            return on_watch_down(outcome.reason);
        if (outcome.kind == Kind::subscribed) {
            watch_backoff_.reset();
            // A switch announced while no watch listened would be missed:
            // ask once more now that one does. Not while the data side is
            // down (its reconnect asks anyway) or a query is in flight.
            if (data_up() && !sentinels_->querying())
                ask_sentinels();
        } else if (outcome.kind == Kind::switched) {
            info_.redis_stats.failovers_seen.add();
            spdlog::warn("redis: {}", outcome.reason);
            if (state_ == State::resolving)
                cancel_query(); // the announcement is newer than any answer
            follow_master(outcome.master, outcome.reason);
        }
        if (generation != watch_generation_)
            return;
    }
}

void RedisBridge::on_watch_down(const std::string& reason) {
    ++watch_generation_;
    watch_->close();
    sentinels_->on_watch_lost();
    auto delay = watch_backoff_.next(std::uniform_real_distribution<double>(0, 1)(rng_));
    spdlog::warn("redis: lost the Sentinel watch ({}); another in {} ms", reason, delay.count());
    watch_timer_.expires_after(delay);
    watch_timer_.async_wait([this](error_code ec) {
        if (!ec && !stopped_)
            open_watch();
    });
}

} // namespace herald
