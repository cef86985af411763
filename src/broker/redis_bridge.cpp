#include "herald/broker/redis_bridge.hpp"

#include "herald/hub/channel.hpp"
#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/broker/redis/pubsub_message.hpp"

#include <spdlog/spdlog.h>

namespace herald {

using redis::Reply;

namespace {
std::string random_hex(std::mt19937_64& rng) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    return buf;
}
} // namespace

RedisBridge::RedisBridge(const Config& config, Hub& hub, ServerInfo& info,
                         redis::RedisEndpoint endpoint)
    : config_(config), hub_(hub), info_(info), endpoint_(std::move(endpoint)),
      reconnect_timer_(hub.context()), tick_timer_(hub.context()) {
    // '!' cannot appear in a herald channel name, so no client can collide with it.
    canary_channel_ = config_.channel_prefix + "!herald-canary:" + random_hex(rng_);
    info_.redis_enabled = true;
    info_.set_ready(false, "connecting to Redis");
    hub_.on_channel_active = [this](const std::string& channel) {
        tracker_.want(channel);
        sync_subscriptions();
    };
    hub_.on_channel_idle = [this](const std::string& channel) {
        tracker_.unwant(channel);
        sync_subscriptions();
    };
    hub_.is_channel_live = [this](const std::string& channel) { return tracker_.is_live(channel); };
}

void RedisBridge::start() {
    spdlog::info("redis: bridging through {}", redis::redacted(endpoint_));
    connect();
    schedule_tick();
}

void RedisBridge::stop() {
    stopped_ = true;
    reconnect_timer_.cancel();
    tick_timer_.cancel();
    if (subscriber_)
        subscriber_->close();
    if (commands_)
        commands_->close();
}

std::string RedisBridge::redis_channel(const std::string& channel) const {
    return config_.channel_prefix + channel;
}

void RedisBridge::connect() {
    state_ = State::connecting;
    connect_started_ = Clock::now();
    canary_subscribed_ = false;
    canary_outstanding_ = false;
    commands_ready_ = false;
    command_callbacks_.clear();
    auto generation = ++generation_;
    // Callbacks of a connection that has since been replaced are ignored.
    auto guard = [this, generation](auto fn) {
        return [this, generation, fn](auto&&... args) {
            if (generation == generation_ && !stopped_)
                (this->*fn)(std::forward<decltype(args)>(args)...);
        };
    };
    subscriber_ = std::make_shared<redis::Connection>(
        hub_.context(), guard(&RedisBridge::on_subscriber_replies),
        [this, generation](const std::string& reason) {
            if (generation == generation_)
                on_down("subscriber connection: " + reason);
        });
    commands_ =
        std::make_shared<redis::Connection>(hub_.context(), guard(&RedisBridge::on_command_replies),
                                            [this, generation](const std::string& reason) {
                                                if (generation == generation_)
                                                    on_down("command connection: " + reason);
                                            });
    subscriber_->connect(endpoint_);
    commands_->connect(endpoint_);
    // Pipelined: Redis answers in order, so the handshake replies come first.
    subscriber_handshake_ = handshake(*subscriber_, false);
    commands_handshake_ = handshake(*commands_, true);
    // Without AUTH or SELECT, commands can go right away (queued until connected).
    commands_ready_ = commands_handshake_ == 0;
    subscriber_->send(redis::format_command({"SUBSCRIBE", canary_channel_}));
    tracker_.on_connect();
    sync_subscriptions();
}

int RedisBridge::handshake(redis::Connection& connection, bool select_db) {
    int replies = 0;
    if (!endpoint_.password.empty()) {
        if (endpoint_.user.empty())
            connection.send(redis::format_command({"AUTH", endpoint_.password}));
        else
            connection.send(redis::format_command({"AUTH", endpoint_.user, endpoint_.password}));
        ++replies;
    }
    // Pub/sub ignores the database; SELECT still catches a wrong db number early.
    if (select_db && endpoint_.db != 0) {
        connection.send(redis::format_command({"SELECT", std::to_string(endpoint_.db)}));
        ++replies;
    }
    return replies;
}

void RedisBridge::sync_subscriptions() {
    if (state_ == State::down || !subscriber_)
        return;
    for (auto batch = tracker_.take_subscribes(); !batch.empty();
         batch = tracker_.take_subscribes()) {
        std::vector<std::string> argv{"SUBSCRIBE"};
        for (auto& channel : batch)
            argv.push_back(redis_channel(channel));
        subscriber_->send(redis::format_command(argv));
    }
    for (auto batch = tracker_.take_unsubscribes(); !batch.empty();
         batch = tracker_.take_unsubscribes()) {
        std::vector<std::string> argv{"UNSUBSCRIBE"};
        for (auto& channel : batch)
            argv.push_back(redis_channel(channel));
        subscriber_->send(redis::format_command(argv));
    }
}

void RedisBridge::on_subscriber_replies(std::vector<Reply>& replies) {
    subscriber_activity_ = Clock::now();
    std::vector<std::shared_ptr<Event>> batch;
    bool confirmed = false;
    for (auto& reply : replies) {
        if (subscriber_handshake_ > 0) {
            --subscriber_handshake_;
            if (reply.type == Reply::Type::error)
                return on_down("Redis refused the handshake: " + reply.str);
            continue;
        }
        if (reply.type == Reply::Type::error)
            return on_down("Redis error on the subscriber connection: " + reply.str);
        auto message = redis::classify_pubsub(std::move(reply));
        if (auto* m = std::get_if<redis::Message>(&message)) {
            if (m->channel == canary_channel_) {
                if (canary_outstanding_ && m->payload == std::to_string(canary_nonce_)) {
                    canary_outstanding_ = false;
                    auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                                     canary_sent_);
                    info_.redis_stats.canary_rtt_us.set(static_cast<std::uint64_t>(rtt.count()));
                    become_ready();
                }
                continue;
            }
            on_message(m->channel, m->payload, batch);
        } else if (auto* ack = std::get_if<redis::SubscribeAck>(&message)) {
            if (ack->channel == canary_channel_) {
                canary_subscribed_ = true;
                if (commands_ready_)
                    send_canary(Clock::now());
                continue;
            }
            if (!ack->channel.starts_with(config_.channel_prefix))
                continue;
            redis::SubscribeAck local = *ack;
            local.channel = ack->channel.substr(config_.channel_prefix.size());
            tracker_.on_ack(local);
            sync_subscriptions();
            confirmed = true;
        }
    }
    if (!batch.empty())
        hub_.ingest(std::move(batch), /*reject_duplicates=*/false);
    if (confirmed)
        hub_.channels_confirmed();
}

void RedisBridge::on_message(std::string_view channel, std::string_view payload,
                             std::vector<std::shared_ptr<Event>>& batch) {
    info_.redis_stats.messages_received.add();
    if (!channel.starts_with(config_.channel_prefix))
        return;
    std::string name(channel.substr(config_.channel_prefix.size()));
    auto classified = redis::classify_payload(payload);
    if (auto* bad = std::get_if<redis::BadPayload>(&classified)) {
        info_.redis_stats.bad_payloads.add();
        spdlog::warn("redis: dropped a message on {}: {}", name, bad->reason);
        return;
    }
    if (auto* e = std::get_if<redis::Envelope>(&classified)) {
        batch.push_back(make_event(std::move(name), std::move(e->event),
                                   e->id ? std::move(*e->id) : generate_event_id(),
                                   std::move(e->data_json), e->sse_data));
    } else {
        auto& raw = std::get<redis::Raw>(classified);
        batch.push_back(make_event(std::move(name), "message", generate_event_id(),
                                   std::move(raw.data_json), raw.sse_data));
    }
}

void RedisBridge::on_command_replies(std::vector<Reply>& replies) {
    for (auto& reply : replies) {
        if (commands_handshake_ > 0) {
            --commands_handshake_;
            if (reply.type == Reply::Type::error)
                return on_down("Redis refused the handshake: " + reply.str);
            if (commands_handshake_ == 0) {
                commands_ready_ = true;
                if (canary_subscribed_)
                    send_canary(Clock::now());
            }
            continue;
        }
        if (command_callbacks_.empty())
            return on_down("unexpected reply on the command connection");
        auto callback = std::move(command_callbacks_.front());
        command_callbacks_.pop_front();
        callback(reply);
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
}

void RedisBridge::on_down(const std::string& reason) {
    if (stopped_)
        return;
    ++generation_; // silences the old connections' callbacks
    subscriber_->close();
    commands_->close();
    state_ = State::down;
    commands_ready_ = false;
    info_.redis_stats.connected.set(0);
    tracker_.on_disconnect();
    // Publishes waiting for a reply will not get one: answer them now.
    auto callbacks = std::move(command_callbacks_);
    command_callbacks_.clear();
    Reply lost;
    lost.type = Reply::Type::error;
    lost.str = "Redis connection lost";
    for (auto& callback : callbacks)
        callback(lost);

    auto delay = backoff_.next(std::uniform_real_distribution<double>(0, 1)(rng_));
    mark_not_ready("Redis unavailable: " + reason);
    spdlog::warn("redis: {}; reconnecting in {} ms", reason, delay.count());
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        info_.redis_stats.reconnects.add();
        connect();
    });
}

void RedisBridge::mark_not_ready(const std::string& reason) {
    info_.set_ready(false, reason);
}

void RedisBridge::send_canary(Clock::time_point now) {
    commands_->send(
        redis::format_command({"PUBLISH", canary_channel_, std::to_string(++canary_nonce_)}));
    command_callbacks_.push_back([](const Reply&) {});
    canary_outstanding_ = true;
    canary_sent_ = now;
    next_canary_ = now + config_.canary_interval;
}

void RedisBridge::schedule_tick() {
    auto period = std::min(config_.canary_interval, config_.canary_timeout) / 4;
    period = std::clamp(period, Millis{10}, Millis{500});
    tick_timer_.expires_after(period);
    tick_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        tick();
        schedule_tick();
    });
}

void RedisBridge::tick() {
    auto now = Clock::now();
    if (state_ == State::down)
        return;
    // Late, and nothing else came either: a connection that still delivers is
    // alive (Redis drops no single subscription), merely backlogged, and
    // reconnecting would only lose what is queued.
    if (canary_outstanding_ && now - canary_sent_ > config_.canary_timeout &&
        now - subscriber_activity_ > config_.canary_timeout) {
        info_.redis_stats.canary_failures.add();
        return on_down("the subscription canary did not come back within " +
                       std::to_string(config_.canary_timeout.count()) + " ms");
    }
    // A handshake that hangs (a stopped Redis still accepts connections).
    if (state_ == State::connecting && !canary_outstanding_ &&
        now - connect_started_ > std::max(config_.canary_timeout, Millis{1000}))
        return on_down("no answer from Redis while connecting");
    if (state_ == State::ready && !canary_outstanding_ && now >= next_canary_)
        send_canary(now);
}

void RedisBridge::publish(std::vector<Publication> publications, PublishHandler done) {
    // Not encoded here: the event is encoded once, when it comes back from Redis.
    net::post(hub_.context(), [this, events = std::move(publications), done = std::move(done)] {
        PublishResult result;
        for (const auto& e : events)
            result.ids.push_back(e.id);
        if (!commands_ready_ || state_ == State::down) {
            result.failure = PublishResult::Failure::unavailable;
            result.error = "Redis is unavailable";
            return done(std::move(result));
        }
        // Every node subscribed to the channel, this one included, gets it back
        // from Redis: exactly one delivery per node.
        struct Pending {
            std::size_t remaining;
            PublishResult result;
            PublishHandler done;
        };
        auto pending = std::make_shared<Pending>(Pending{events.size(), std::move(result), done});
        for (const auto& e : events) {
            commands_->send(
                redis::format_command({"PUBLISH", redis_channel(e.channel),
                                       redis::make_envelope(e.name, e.id, e.data_json)}));
            command_callbacks_.push_back([pending](const Reply& reply) {
                if (reply.type == Reply::Type::error && pending->result.ok()) {
                    pending->result.failure = PublishResult::Failure::unavailable;
                    pending->result.error = "Redis: " + reply.str;
                }
                if (--pending->remaining == 0)
                    pending->done(std::move(pending->result));
            });
        }
    });
}

} // namespace herald
