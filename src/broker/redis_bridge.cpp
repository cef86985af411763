#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/redis_event.hpp"

#include "herald/hub/channel.hpp"
#include "herald/broker/redis/admin_wire.hpp"
#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/presence_wire.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;
using Router = redis::SubscriberRouter;
using Step = redis::Handshake::Step::Kind;
using Canary = redis::Canary::Decision::Kind;

RedisBridge::RedisBridge(const Config& config, Hub& hub, ServerInfo& info,
                         redis::RedisEndpoint endpoint)
    : config_(config), hub_(hub), info_(info), endpoint_(std::move(endpoint)),
      router_(config.channel_prefix, Router::canary_channel_for(config.channel_prefix, rng_())),
      reconnect_timer_(hub.context()), tick_timer_(hub.context()),
      // A handshake is a round trip or two: a canary_timeout under a second
      // must not turn a slow TCP connect into a reconnect loop.
      handshake_(std::max(config.canary_timeout, Millis{1000})),
      canary_(config.canary_interval, config.canary_timeout), watch_timer_(hub.context()),
      history_in_redis_(history_in_redis(config)),
      history_(config, hub, info.redis_stats,
               [this](const std::string&, std::vector<std::string> argv,
                      redis::CommandQueue::Completion done) {
                   commands_->send(redis::format_command(argv));
                   command_queue_.push(std::move(done));
               }),
      presence_enabled_(std::any_of(config.namespaces.begin(), config.namespaces.end(),
                                    [](const Namespace& ns) { return ns.presence; })),
      presence_(hub.boot_id(), config.presence_ttl),
      admin_(hub, info,
             [this](const std::string& channel, std::string payload, AdminRelay::Receivers done) {
                 return admin_publish(channel, std::move(payload), std::move(done));
             }) {
    info_.redis_enabled = true;
    info_.set_ready(false, "connecting to Redis");
    if (!config.redis_sentinels.empty()) {
        sentinels_.emplace(sentinel_options());
        info_.set_ready(false, "asking the sentinels for the Redis master '" +
                                   config.redis_master_name + "'");
    }
    hub_.on_channel_active = [this](const std::string& channel) {
        tracker_.want(channel);
        history_.follow(channel, true);
        presence_follow(channel, true);
        sync_subscriptions();
    };
    hub_.on_channel_idle = [this](const std::string& channel) {
        tracker_.unwant(channel);
        history_.follow(channel, false);
        presence_follow(channel, false);
        sync_subscriptions();
    };
    hub_.is_channel_live = [this](const std::string& channel) { return tracker_.is_live(channel); };
    if (history_in_redis_)
        hub_.share_history(this);
    if (presence_enabled_) {
        hub_.share_presence(this);
        tracker_.want(std::string(redis::presence_wire::nodes_name));
    }
    if (!config.admin_key.empty()) {
        hub_.share_admin(&admin_);
        tracker_.want(std::string(redis::admin_wire::request_name));
        tracker_.want(admin_.reply_channel());
    }
}

void RedisBridge::start() {
    if (sentinels_)
        spdlog::info("redis: bridging through the master '{}' of {} sentinel(s)",
                     config_.redis_master_name, config_.redis_sentinels.size());
    else
        spdlog::info("redis: bridging through {}", redis::redacted(endpoint_));
    connect();
    schedule_tick();
}

void RedisBridge::stop() {
    stopped_ = true;
    reconnect_timer_.cancel();
    tick_timer_.cancel();
    watch_timer_.cancel();
    for (auto* connection : {&subscriber_, &commands_, &query_, &watch_})
        if (*connection)
            (*connection)->close();
}

std::string RedisBridge::redis_channel(const std::string& channel) const {
    return config_.channel_prefix + channel;
}

bool RedisBridge::commands_usable() const {
    return handshake_.commands_ready() && data_up();
}

void RedisBridge::connect() {
    if (!sentinels_)
        return connect_to(endpoint_);
    // Asked before every connect: the master of the last one may be gone.
    state_ = State::resolving;
    ask_sentinels();
}

void RedisBridge::connect_to(const redis::RedisEndpoint& endpoint) {
    state_ = State::connecting;
    canary_.on_connect();
    auto generation = ++generation_;
    // Callbacks of a connection that has since been replaced are ignored.
    auto guard = [this, generation](auto fn) {
        return [this, generation, fn](auto&&... args) {
            if (generation == generation_ && !stopped_)
                (this->*fn)(std::forward<decltype(args)>(args)...);
        };
    };
    auto down = [this, generation](std::string which) {
        return [this, generation, which](const std::string& reason) {
            if (generation == generation_)
                on_down(which + " connection: " + reason);
        };
    };
    subscriber_ = std::make_shared<redis::Connection>(
        hub_.context(), guard(&RedisBridge::on_subscriber_replies), down("subscriber"));
    commands_ = std::make_shared<redis::Connection>(
        hub_.context(), guard(&RedisBridge::on_command_replies), down("command"));
    subscriber_->connect(endpoint);
    commands_->connect(endpoint);
    // Pipelined: Redis answers in order, so the handshake replies come first;
    // without AUTH or SELECT, PUBLISH can go right away (queued until connected).
    auto handshake = handshake_.start(endpoint, router_.canary_channel(), Clock::now(),
                                      /*require_master=*/sentinels_.has_value());
    for (auto& command : handshake.subscriber)
        subscriber_->send(std::move(command));
    for (auto& command : handshake.commands)
        commands_->send(std::move(command));
    if (history_in_redis_) {
        // At every connect: a new server, or a promoted replica, may not have
        // herald_publish (or an older version of it) yet.
        commands_->send(redis::stream_wire::load_command());
        command_queue_.push([this](const Reply& reply) {
            if (reply.type == Reply::Type::error && !redis::CommandQueue::failed_here(reply))
                spdlog::error("redis: loading the function library 'herald' failed ({}); "
                              "publishes to channels with history will fail until it loads",
                              reply.str);
        });
    }
    tracker_.on_connect();
    sync_subscriptions();
}

void RedisBridge::sync_subscriptions() {
    if (!data_up() || !subscriber_)
        return;
    auto send = [this](std::string_view command, std::vector<std::string> batch) {
        for (auto& channel : batch)
            channel = redis_channel(channel);
        subscriber_->send(redis::format_command(command, batch));
    };
    for (auto batch = tracker_.take_subscribes(); !batch.empty();
         batch = tracker_.take_subscribes())
        send("SUBSCRIBE", std::move(batch));
    for (auto b = tracker_.take_unsubscribes(); !b.empty(); b = tracker_.take_unsubscribes())
        send("UNSUBSCRIBE", std::move(b));
}

void RedisBridge::on_subscriber_replies(std::vector<Reply>& replies) {
    const auto now = Clock::now();
    canary_.on_activity(now);
    std::vector<std::shared_ptr<Event>> batch;
    bool confirmed = false;
    for (auto& reply : replies) {
        auto step = handshake_.on_subscriber_reply(reply);
        if (step.kind == Step::refused)
            return on_down(step.error);
        if (step.kind != Step::pass)
            continue;
        auto action = router_.route(std::move(reply), tracker_);
        if (auto* m = std::get_if<Router::Deliver>(&action)) {
            if (m->channel.starts_with(redis::admin_wire::request_name)) {
                info_.redis_stats.messages_received.add();
                admin_.on_message(m->channel, m->payload);
            } else if (m->channel.starts_with('#')) // never a herald channel: presence's
                on_presence_message(m->channel, m->payload);
            else
                on_message(std::move(m->channel), m->payload, batch);
        } else if (auto* echo = std::get_if<Router::CanaryEcho>(&action)) {
            if (auto marker = StreamRead::marker_of(echo->payload)) {
                // Live events before the marker must be in before a read is answered.
                if (!batch.empty())
                    hub_.ingest(std::exchange(batch, {}), /*reject_duplicates=*/false);
                on_sync_echo(*marker);
                continue;
            }
            if (auto rtt = canary_.on_echo(echo->payload, now)) {
                auto us = std::chrono::duration_cast<std::chrono::microseconds>(*rtt);
                info_.redis_stats.canary_rtt_us.set(static_cast<std::uint64_t>(us.count()));
                become_ready();
            }
        } else if (std::holds_alternative<Router::CanarySubscribed>(action)) {
            if (handshake_.on_canary_subscribed())
                send_canary(now);
        } else if (auto* ack = std::get_if<Router::Confirmed>(&action)) {
            sync_subscriptions();
            if (ack->channel.starts_with('#'))
                on_presence_subscribed(ack->channel);
            else if (tracker_.is_live(ack->channel))
                history_.subscribed(ack->channel);
            confirmed = true;
        } else if (auto* reconnect = std::get_if<Router::Reconnect>(&action)) {
            return on_down(reconnect->reason);
        }
    }
    if (!batch.empty())
        hub_.ingest(std::move(batch), /*reject_duplicates=*/false);
    if (confirmed)
        hub_.channels_confirmed();
}

void RedisBridge::on_message(std::string name, std::string_view payload,
                             std::vector<std::shared_ptr<Event>>& batch) {
    info_.redis_stats.messages_received.add();
    if (shed_if_busy(hub_, name, batch))
        return;
    if (auto event = event_from_redis(config_, info_.redis_stats, std::move(name), payload))
        history_.on_live(std::move(event), batch);
}

void RedisBridge::on_command_replies(std::vector<Reply>& replies) {
    for (auto& reply : replies) {
        auto step = handshake_.on_command_reply(reply);
        if (step.kind == Step::refused)
            return on_down(step.error);
        if (step.kind == Step::complete)
            send_canary(Clock::now());
        if (step.kind != Step::pass)
            continue;
        if (!command_queue_.on_reply(reply))
            return on_down("unexpected reply on the command connection");
    }
}

void RedisBridge::become_ready() {
    if (state_ == State::ready)
        return;
    state_ = State::ready;
    backoff_.reset();
    info_.redis_stats.connected.set(1);
    info_.set_ready(true);
    spdlog::info("redis: connected and subscribed ({} channels)", tracker_.wanted_count());
    presence_ready();
}

void RedisBridge::drop_connections() {
    ++generation_; // silences the old connections' callbacks
    if (subscriber_)
        subscriber_->close();
    if (commands_)
        commands_->close();
    state_ = State::down;
    handshake_.stop();
    info_.redis_stats.connected.set(0);
    tracker_.on_disconnect();
    presence_.on_disconnect();
    history_break();
    // Publishes waiting for a reply will not get one: answer them now (as
    // uncertain: Redis may have run them).
    const bool sent = commands_ && commands_->ever_connected();
    if (auto lost = command_queue_.fail_all(sent); lost && sent)
        spdlog::warn("redis: {} command(s) lost their reply with the connection", lost);
    if (sentinels_)
        cancel_query(); // a check for connections that are gone; the reconnect asks anew
}

void RedisBridge::on_down(const std::string& what) {
    if (stopped_)
        return;
    std::string reason = what;
    if (sentinels_ && data_up() && data_master_)
        reason = "master '" + config_.redis_master_name + "' at " +
                 redis::sentinel_wire::to_string(*data_master_) + ": " + what +
                 " (asking the sentinels again; a failover may be under way)";
    drop_connections();

    auto delay = backoff_.next(std::uniform_real_distribution<double>(0, 1)(rng_));
    info_.set_ready(false, "Redis unavailable: " + reason);
    spdlog::warn("redis: {}; reconnecting in {} ms", reason, delay.count());
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        info_.redis_stats.reconnects.add();
        connect();
    });
}

void RedisBridge::send_canary(Clock::time_point now) {
    commands_->send(
        redis::format_command({"PUBLISH", router_.canary_channel(), canary_.send(now)}));
    command_queue_.push(); // its reply is of no interest, but holds a place
}

void RedisBridge::schedule_tick() {
    tick_timer_.expires_after(
        redis::Canary::check_period(config_.canary_interval, config_.canary_timeout));
    tick_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        tick();
        schedule_tick();
    });
}

void RedisBridge::tick() {
    auto now = Clock::now();
    if (sentinels_)
        if (auto hung = sentinels_->check(now))
            on_query_outcome(*hung);
    if (!data_up())
        return;
    auto canary = canary_.check(now);
    if (canary.kind == Canary::dead) {
        info_.redis_stats.canary_failures.add();
        return on_down(canary.reason);
    }
    if (auto hung = handshake_.check(now))
        return on_down(*hung);
    if (canary.kind == Canary::send)
        send_canary(now);
    if (state_ == State::ready)
        presence_tick(now);
}

} // namespace herald
