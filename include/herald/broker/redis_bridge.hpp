#pragma once
// The Redis bridge (redis_url set): a Broker whose publishes go out as Redis
// PUBLISH, and whose subscriber connection feeds the hub. It lives on the
// hub's thread, so it calls the hub directly and needs no locks; workers only
// ever post to it.
//
// Two connections: a subscriber (SUBSCRIBE only the channels this node's
// clients want, replayed after every reconnect) and a command connection
// (PUBLISH). A canary published to a node-private channel every
// canary_interval must come back on the subscriber connection within
// canary_timeout; if it does not, the subscription is presumed dead, /readyz
// turns 503 and both connections are rebuilt.
#include "herald/broker/broker.hpp"
#include "herald/broker/redis/backoff.hpp"
#include "herald/broker/redis/connection.hpp"
#include "herald/broker/redis/subscription_tracker.hpp"
#include "herald/server/server_info.hpp"

#include <deque>
#include <random>

namespace herald {

class RedisBridge final : public Broker {
public:
    RedisBridge(const Config& config, Hub& hub, ServerInfo& info, redis::RedisEndpoint endpoint);
    // Both on the hub's thread (post them there).
    void start();
    void stop();

    void publish(std::vector<Publication> publications, PublishHandler done) override;

private:
    enum class State { down, connecting, ready };

    void connect();
    void on_subscriber_replies(std::vector<redis::Reply>& replies);
    void on_command_replies(std::vector<redis::Reply>& replies);
    void on_down(const std::string& reason);
    int handshake(redis::Connection& connection, bool select_db);
    void become_ready();
    void sync_subscriptions();
    void on_message(std::string_view channel, std::string_view payload,
                    std::vector<std::shared_ptr<Event>>& batch);
    void schedule_tick();
    void tick();
    void send_canary(Clock::time_point now);
    void mark_not_ready(const std::string& reason);
    std::string redis_channel(const std::string& channel) const;

    const Config& config_;
    Hub& hub_;
    ServerInfo& info_;
    redis::RedisEndpoint endpoint_;
    std::string canary_channel_;
    State state_ = State::down;
    bool stopped_ = false;

    std::shared_ptr<redis::Connection> subscriber_;
    std::shared_ptr<redis::Connection> commands_;
    // Replies still expected on each connection during the handshake.
    int subscriber_handshake_ = 0;
    int commands_handshake_ = 0;
    bool canary_subscribed_ = false;
    bool commands_ready_ = false;
    std::uint64_t generation_ = 0;
    // Completion of each command in flight on the command connection, in order.
    std::deque<std::function<void(const redis::Reply&)>> command_callbacks_;

    redis::SubscriptionTracker tracker_;
    redis::Backoff backoff_;
    std::mt19937_64 rng_{std::random_device{}()};
    net::steady_timer reconnect_timer_;
    net::steady_timer tick_timer_;
    Clock::time_point connect_started_{};

    std::uint64_t canary_nonce_ = 0;
    bool canary_outstanding_ = false;
    Clock::time_point canary_sent_{};
    Clock::time_point next_canary_{};
    Clock::time_point subscriber_activity_{}; // last bytes on the subscriber connection
};

} // namespace herald
