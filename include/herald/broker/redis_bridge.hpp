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
//
// The protocol lives in sans-io parts beside this file (redis/): Handshake,
// Canary, CommandQueue, SubscriberRouter with SubscriptionTracker, Backoff.
// This class only wires sockets, timers and the hub to their decisions, so
// that each decision can be unit-tested without a Redis. Publishes and
// upstream messages go out in redis_publish.cpp.
//
// With redis_sentinels, the master comes from Redis Sentinel
// (redis_sentinel.cpp, SentinelResolver): asked before every connect, and
// followed at once when a sentinel announces +switch-master. Everything that
// uses the two connections (publish, presence, send_upstream) follows with
// them, since the connections themselves move.
//
// With history_backend = "redis" (redis_history.cpp, stream_wire,
// StreamRead, StreamGap), stored events are published by the Redis function
// herald_publish into each channel's stream as well; resumes read the
// streams, and after a broken subscription each channel's gap is filled
// from its stream before newer live events (or its subscribers are told
// reset).
//
// With a presence namespace, it also shares presence (redis_presence.cpp,
// PresenceSync and presence_wire): on the same two connections, it writes
// this node's members, follows the deltas of the channels it has
// subscribers to, and tells the hub what other nodes have.
#include "herald/broker/admin_relay.hpp"
#include "herald/broker/broker.hpp"
#include "herald/broker/redis/backoff.hpp"
#include "herald/broker/redis/canary.hpp"
#include "herald/broker/redis/command_queue.hpp"
#include "herald/broker/redis/connection.hpp"
#include "herald/broker/redis/handshake.hpp"
#include "herald/broker/redis/presence_sync.hpp"
#include "herald/broker/redis/sentinel_resolver.hpp"
#include "herald/broker/redis/subscriber_router.hpp"
#include "herald/broker/redis/subscription_tracker.hpp"
#include "herald/broker/stream_gap.hpp"
#include "herald/broker/stream_read.hpp"
#include "herald/server/server_info.hpp"

#include <random>
#include <unordered_map>

namespace herald {

class RedisBridge final : public Broker,
                          public Hub::SharedPresence,
                          public Hub::SharedHistory {
public:
    RedisBridge(const Config& config, Hub& hub, ServerInfo& info, redis::RedisEndpoint endpoint);
    // Both on the hub's thread (post them there).
    void start();
    void stop();

    void publish(std::vector<Publication> publications, PublishHandler done) override;
    // XADD to upstream_stream on the command connection.
    bool has_upstream() const override { return true; }
    void send_upstream(upstream::Message message, upstream::Handler done) override;

    // Hub::SharedPresence, on the hub's thread.
    void on_local_change(const Presence::Entry& entry) override;
    bool announcing(const std::string& channel) const override {
        return presence_.announcing(channel);
    }
    bool synced(const std::string& channel) const override { return presence_.synced(channel); }
    void fetch(const std::string& channel, Hub::PresenceHandler done) override;

    // Hub::SharedHistory (redis_history.cpp), on the hub's thread.
    void read(const std::vector<std::string>& channels, const std::optional<std::string>& last_id,
              const std::vector<std::string>& latest, ReadHandler done) override;

private:
    // resolving: asking the sentinels, no data connection yet.
    enum class State { down, resolving, connecting, ready };
    using HostPort = redis::sentinel_wire::HostPort;

    void connect();
    void connect_to(const redis::RedisEndpoint& endpoint);
    void drop_connections();
    void on_subscriber_replies(std::vector<redis::Reply>& replies);
    void on_command_replies(std::vector<redis::Reply>& replies);
    void on_down(const std::string& reason);
    void become_ready();
    void sync_subscriptions();
    void on_message(std::string name, std::string_view payload,
                    std::vector<std::shared_ptr<Event>>& batch);
    void schedule_tick();
    void tick();
    void send_canary(Clock::time_point now);
    std::string redis_channel(const std::string& channel) const;
    bool commands_usable() const;

    // Sentinel (redis_sentinel.cpp).
    redis::SentinelResolver::Options sentinel_options() const;
    void ask_sentinels();
    void ask_next_sentinel();
    void cancel_query();
    void on_query_replies(std::vector<redis::Reply>& replies);
    void on_query_outcome(const redis::SentinelResolver::Outcome& outcome);
    void open_watch();
    void on_watch_replies(std::vector<redis::Reply>& replies);
    void on_watch_down(const std::string& reason);
    void follow_master(const HostPort& master, const std::string& why);
    bool data_up() const { return state_ == State::connecting || state_ == State::ready; }

    // Shared history (redis_history.cpp).
    struct HistoryRead;
    std::string publish_command(const Publication& publication) const;
    void history_break();
    void on_sync_echo(std::uint64_t marker);
    void finish_read(const std::shared_ptr<HistoryRead>& read);

    // Presence (redis_presence.cpp).
    void presence_follow(const std::string& channel, bool follow);
    void on_presence_message(const std::string& name, std::string_view payload);
    void on_presence_subscribed(const std::string& name);
    void presence_ready();
    void presence_tick(Clock::time_point now);
    void read_snapshot(const std::string& channel);
    void presence_error(const std::string& what);

    const Config& config_;
    Hub& hub_;
    ServerInfo& info_;
    redis::RedisEndpoint endpoint_;
    std::mt19937_64 rng_{std::random_device{}()}; // before router_, which draws from it
    redis::SubscriberRouter router_;
    State state_ = State::down;
    bool stopped_ = false;

    std::shared_ptr<redis::Connection> subscriber_;
    std::shared_ptr<redis::Connection> commands_;
    std::uint64_t generation_ = 0;
    net::steady_timer reconnect_timer_;
    net::steady_timer tick_timer_;

    redis::Handshake handshake_;
    redis::Canary canary_;
    redis::CommandQueue command_queue_; // completions of the command connection's commands
    redis::SubscriptionTracker tracker_;
    redis::Backoff backoff_;
    // Sentinel: set with redis_sentinels. data_master_ is where the two
    // connections go (or went last); query_ asks, watch_ listens.
    std::optional<redis::SentinelResolver> sentinels_;
    std::optional<HostPort> data_master_;
    std::shared_ptr<redis::Connection> query_;
    std::shared_ptr<redis::Connection> watch_;
    std::uint64_t query_generation_ = 0;
    std::uint64_t watch_generation_ = 0;
    net::steady_timer watch_timer_;
    redis::Backoff watch_backoff_;

    const bool history_in_redis_; // history_backend = "redis"
    StreamGap history_;
    // History reads waiting for their replies and their sync marker (a
    // PUBLISH on the canary channel after the reads: once it is back on the
    // subscriber connection, every live event older than the reads is in).
    std::uint64_t next_sync_ = 0;
    std::unordered_map<std::uint64_t, std::shared_ptr<HistoryRead>> reads_;

    const bool presence_enabled_; // some namespace has presence
    redis::PresenceSync presence_;

    // Admin API, with admin_key set: the relay is the hub's SharedAdmin, and
    // its payloads go out as PUBLISH (redis_admin.cpp).
    bool admin_publish(const std::string& channel, std::string payload, AdminRelay::Receivers done);
    AdminRelay admin_;
};

} // namespace herald
