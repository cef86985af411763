#pragma once
// The Redis bridge for a Redis Cluster (redis_cluster set), with sharded
// pub/sub: a Broker whose publishes go out as SPUBLISH to the master that
// owns the channel's slot, and whose subscriptions are SSUBSCRIBEs on that
// master. Like RedisBridge, it lives on the hub's thread and needs no locks.
//
// The slot map comes from CLUSTER SLOTS, asked of a known master or of a
// seed (redis_cluster) on a short-lived query connection: at start, after
// every shard's break, on -MOVED, and every `refresh_period` besides (a
// resharding that moves no channel of ours tells us nothing otherwise).
//
// Every master of the map is a shard with two connections: subscriber
// (SSUBSCRIBE of the channels of its slots, one command per slot, see
// ClusterRouter) and commands (SPUBLISH, XADD). Each shard has its own
// canary, on a channel whose {tag} puts it in the shard's slots, so a dead
// subscription on one master is found like the single-node bridge finds it.
// /readyz is 200 once the map covers every slot and every shard's canary
// has come back.
//
// A slot that moves (resharding: Redis pushes SUNSUBSCRIBE to its
// subscribers; failover: the master's connections drop) breaks that shard:
// its connections are rebuilt, the map is asked again, and every channel is
// SSUBSCRIBEd at the owner the new map names. Channels are not live in
// between (Hub::is_channel_live), as after a break of the single-node
// bridge.
//
// With history_backend = "redis" (the default; redis_cluster_history.cpp),
// each channel's stream lives in its channel's slot (stream_wire), stored
// events go out through herald_spublish (loaded on every master at
// connect), and reads and gap-fills go to the master of each channel's slot,
// as the single bridge's do to its one server (StreamRead, StreamGap). A
// read is answered once a marker SPUBLISHed on the canary channel of every
// master it read from is back. With history in memory, a broken channel's
// subscribers are told reset.
//
// With admin_key, the Admin API acts on every node (AdminRelay): each node
// wants the admin request channel and its own reply channel like a client's
// channel, so they are SSUBSCRIBEd on their slots' owners and follow
// reshardings and failovers; the relay's payloads go out as SPUBLISH to the
// same owners (redis_cluster_publish.cpp). Those channels are internal: a
// break of theirs tells no client to reset.
//
// Presence is not shared through a cluster yet (config refuses the
// combination), and neither AUTH nor TLS to the cluster is supported yet.
#include "herald/broker/admin_relay.hpp"
#include "herald/broker/broker.hpp"
#include "herald/broker/redis/backoff.hpp"
#include "herald/broker/redis/canary.hpp"
#include "herald/broker/redis/cluster_router.hpp"
#include "herald/broker/redis/command_queue.hpp"
#include "herald/broker/redis/connection.hpp"
#include "herald/broker/redis/subscriber_router.hpp"
#include "herald/broker/stream_gap.hpp"
#include "herald/broker/stream_read.hpp"
#include "herald/server/server_info.hpp"

#include <map>
#include <random>
#include <set>
#include <unordered_map>

namespace herald {

class RedisClusterBridge final : public Broker, public Hub::SharedHistory {
public:
    RedisClusterBridge(const Config& config, Hub& hub, ServerInfo& info);
    // Both on the hub's thread (post them there).
    void start();
    void stop();

    void publish(std::vector<Publication> publications, PublishHandler done) override;
    bool has_upstream() const override { return true; }
    void send_upstream(upstream::Message message, upstream::Handler done) override;

    // Hub::SharedHistory (redis_cluster_history.cpp), on the hub's thread.
    void read(const std::vector<std::string>& channels, const std::optional<std::string>& last_id,
              const std::vector<std::string>& latest, ReadHandler done) override;

private:
    using HostPort = redis::cluster_wire::HostPort;
    using Clock = std::chrono::steady_clock;

    // One master: its connections and the state of its canary.
    struct Shard {
        HostPort node;
        std::shared_ptr<redis::Connection> subscriber;
        std::shared_ptr<redis::Connection> commands;
        redis::SubscriberRouter router;
        redis::Canary canary;
        redis::CommandQueue queue; // completions of the command connection
        std::uint64_t generation = 0; // tells its connections' callbacks from older ones'
        Clock::time_point since;      // connect time, for a handshake that hangs
        bool subscribed = false;      // Redis confirmed the canary's SSUBSCRIBE
        bool ready = false;           // the canary came back
    };

    // Map discovery (redis_cluster.cpp).
    // CLUSTER SLOTS after `delay` (at once when zero); folded into a query
    // already under way or due.
    void refresh_map(const std::string& why, Millis delay = Millis{0});
    void start_round();
    void ask_next_node();
    void on_query_replies(std::vector<redis::Reply>& replies);
    void on_map(redis::ClusterMap map);
    void on_query_failed(const std::string& reason);
    std::vector<HostPort> candidates() const;
    void schedule_tick();
    void tick();
    void update_ready();

    // Shards (redis_cluster_shard.cpp).
    void connect_shard(const HostPort& node);
    void close_shard(const HostPort& node);
    void on_shard_down(const HostPort& node, const std::string& reason);
    void on_subscriber_replies(const HostPort& node, std::vector<redis::Reply>& replies);
    void on_command_replies(const HostPort& node, std::vector<redis::Reply>& replies);
    void sync_shard(Shard& shard);
    void send_canary(Shard& shard, Clock::time_point now);
    Shard* shard_at(const HostPort& node);

    // Shared history (redis_cluster_history.cpp).
    struct HistoryRead;
    std::vector<std::string> publish_command(const Publication& publication) const;
    void load_functions(Shard& shard);
    void on_sync_echo(const HostPort& node, std::uint64_t marker);
    // The shard is gone: reads stop waiting for its marker.
    void history_shard_down(const HostPort& node);
    void maybe_finish(const std::shared_ptr<HistoryRead>& read);

    // Commands for others (redis_cluster_publish.cpp): `argv` to the owner
    // of `key`, following one -MOVED or -ASK.
    void command_for(const std::string& key, std::vector<std::string> argv,
                     redis::CommandQueue::Completion done, bool redirected = false);
    void send_to(Shard& shard, std::vector<std::string> argv, redis::CommandQueue::Completion done,
                 bool asking);
    // AdminRelay's Publish: SPUBLISH to the owner of the channel's slot.
    bool admin_publish(const std::string& channel, std::string payload, AdminRelay::Receivers done);

    const Config& config_;
    Hub& hub_;
    ServerInfo& info_;
    std::mt19937_64 rng_{std::random_device{}()};
    const std::string canary_base_;
    const Millis handshake_timeout_;
    const std::vector<HostPort> seeds_;
    redis::ClusterRouter router_;
    std::map<std::string, std::unique_ptr<Shard>> shards_; // by "host:port"
    bool stopped_ = false;
    bool ready_ = false;

    std::uint64_t shard_generation_ = 0;
    std::shared_ptr<redis::Connection> query_;
    HostPort query_node_;
    std::uint64_t query_generation_ = 0;
    std::size_t next_candidate_ = 0;
    std::size_t candidates_left_ = 0; // in this round
    Clock::time_point query_since_{};
    bool refresh_wanted_ = false; // asked while a query was running
    bool refresh_armed_ = false;  // refresh_timer_ is set
    Clock::time_point next_periodic_{};
    redis::Backoff backoff_;
    net::steady_timer refresh_timer_;
    net::steady_timer tick_timer_;
    AdminRelay admin_;

    const bool history_in_redis_; // history_backend = "redis"
    StreamGap history_;
    std::uint64_t next_sync_ = 0;
    std::unordered_map<std::uint64_t, std::shared_ptr<HistoryRead>> reads_;
};

} // namespace herald
