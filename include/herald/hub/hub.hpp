#pragma once
// The hub is where threads meet: it runs on its own thread and owns, without
// locks, the node-wide view of subscriptions (channel -> sessions per worker)
// and the resume history. Workers post subscribe/unsubscribe to it; it stamps
// every incoming event with its publish order, remembers it, and offers each
// batch once to the inbox of every worker that has subscribers for its
// channels (WorkerInbox, which sheds what a worker is too far behind for).
#include "herald/hub/admin.hpp"
#include "herald/hub/channel_counts.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/event.hpp"
#include "herald/hub/history.hpp"
#include "herald/hub/presence.hpp"
#include "herald/metrics/metrics.hpp"
#include "herald/util/net.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace herald {

class Worker;

struct PublishResult {
    // unavailable: nothing was published. uncertain: the broker may have
    // published some or all events (its connection broke before it
    // confirmed them); a retry with the same ids may deliver them twice.
    enum class Failure { none, duplicate_id, unavailable, uncertain };
    Failure failure = Failure::none;
    std::string error;            // "id: duplicate id 'x' on channel 'y'"
    std::vector<std::string> ids; // in request order

    bool ok() const { return failure == Failure::none; }
};

struct SubscribeResult {
    bool reset = false;
    std::string reset_reason;
    std::vector<EventPtr> replay;
    // The last publish sequence number stamped when the subscription went
    // live: every later event of its channels reaches the session live. A
    // long poll's position cursor (poll_cursor.hpp).
    std::uint64_t last_seq = 0;
};

class Hub {
public:
    Hub(const Config& config, HubStats& stats);

    net::io_context& context() { return context_; }
    // Any thread: a reloaded configuration for what the hub reads per event
    // (the namespaces' options). History keeps the boot configuration.
    void apply(std::shared_ptr<const Config> config);
    // Random per process, set at construction (so readable from any thread):
    // position cursors carry it, so that another node or a restart knows
    // them for foreign.
    const std::string& boot_id() const { return boot_id_; }
    void attach(std::vector<Worker*> workers) {
        workers_ = std::move(workers);
        counts_ = ChannelCounts(workers_.size());
    }

    // Everything below runs on the hub thread.

    // Stamps, remembers and fans out a batch. With `reject_duplicates`, a batch
    // reusing an id still held in its channel's history is refused whole.
    PublishResult ingest(std::vector<std::shared_ptr<Event>> events, bool reject_duplicates);
    // A publisher that outruns the fan-out (a flood into Redis) must not be
    // parsed and encoded only to be shed at the workers' inboxes: the
    // bridges ask first, and when no worker with subscribers of `channel`
    // would take an event now, count it shed (announced like every shed,
    // and a gap in this node's history) without making it. Reading on at
    // that cost keeps Redis from cutting the subscription for all channels.
    bool busy(const std::string& channel) const;
    void shed_unmade(const std::string& channel);
    // `done` runs once every channel is live: at once with the embedded
    // broker; with Redis, when Redis has confirmed the SUBSCRIBE (or after
    // canary_timeout, when Redis is down), so that a client told it is
    // subscribed does not miss the next event.
    using SubscribeHandler = std::function<void(SubscribeResult)>;
    void subscribe(unsigned worker, std::vector<std::string> channels,
                   std::optional<std::string> last_event_id, SubscribeHandler done);
    void unsubscribe(unsigned worker, const std::vector<std::string>& channels);

    // Called when a channel gains its first subscriber on this node, and when it
    // loses its last one (the Redis bridge follows these).
    std::function<void(const std::string&)> on_channel_active;
    std::function<void(const std::string&)> on_channel_idle;
    // Whether events of a channel reach this node yet (null: always).
    std::function<bool(const std::string&)> is_channel_live;
    // The bridge's news that channels went live: releases waiting subscribers.
    void channels_confirmed();

    // Presence (hub_presence.cpp), posted by workers for presence channels
    // only: one connection of `user` became a subscriber of `channels`, or
    // stopped being one. A user's first connection and last one make join
    // and leave events where the namespace has join_leave.
    void presence_add(const std::string& user, const std::string& info,
                      const std::vector<std::string>& channels);
    void presence_remove(const std::string& user, const std::vector<std::string>& channels);
    // The answer to a presence query (see Presence::answer), given to `done`
    // on the hub thread: at once from the registry, or once read from Redis
    // when this node's view of the channel does not cover every node;
    // nullopt when Redis could not be read.
    using PresenceHandler = std::function<void(std::optional<std::string>)>;
    void presence_query(const std::string& channel, PresenceHandler done);

    // Presence shared across nodes (the Redis bridge implements it).
    class SharedPresence {
    public:
        virtual ~SharedPresence() = default;
        // This node's count of a user on a channel changed (0: none left).
        virtual void on_local_change(const Presence::Entry& entry) = 0;
        // Whether this node's joins and leaves on the channel may be
        // announced yet, and whether its view covers every node.
        virtual bool announcing(const std::string& channel) const = 0;
        virtual bool synced(const std::string& channel) const = 0;
        // Reads the answer for a channel whose view is not synced.
        virtual void fetch(const std::string& channel, PresenceHandler done) = 0;
    };
    void share_presence(SharedPresence* shared) { shared_presence_ = shared; }

    // The Admin API (hub_admin.cpp, README "Admin API"), on the hub thread.
    // `done` gets the answer's JSON body, on the hub thread.
    using AdminAnswerHandler = std::function<void(std::string)>;
    void admin(admin::Request request, AdminAnswerHandler done);
    // This node's report: each worker does its share on its own thread
    // (Worker::admin_act); `done` runs on the hub thread once all have.
    using AdminReportHandler = std::function<void(admin::Report)>;
    void admin_local(const admin::Request& request, AdminReportHandler done);
    // Admin requests acted on by every node (AdminRelay, over either Redis bridge).
    class SharedAdmin {
    public:
        virtual ~SharedAdmin() = default;
        virtual void ask(admin::Request request, AdminAnswerHandler done) = 0;
    };
    void share_admin(SharedAdmin* shared) { shared_admin_ = shared; }

    // History shared across nodes (history_backend = "redis"; the Redis
    // bridge implements it). Resumes from an event id, and latest_on_subscribe,
    // read it instead of this node's memory, which only holds what reached
    // this node.
    class SharedHistory {
    public:
        struct Read {
            bool reset = false;
            // No stream holds the id: it may be an event published with a
            // plain PUBLISH, which only this node's memory may know.
            bool unknown_id = false;
            std::string reason;
            std::vector<std::shared_ptr<Event>> events; // oldest first, with stream positions
        };
        using ReadHandler = std::function<void(Read)>;
        virtual ~SharedHistory() = default;
        // On the hub thread; `done` too. With `last_id`, the events of
        // `channels` after it (or a reset); without, the newest event of
        // each of `latest`. Called once the channels are live, and answered
        // only once every live event published before the read is ingested,
        // so that the answer and the live events overlap but never miss.
        virtual void read(const std::vector<std::string>& channels,
                          const std::optional<std::string>& last_id,
                          const std::vector<std::string>& latest, ReadHandler done) = 0;
    };
    void share_history(SharedHistory* shared) { shared_history_ = shared; }
    // What the bridge learns from Redis: another node's count (a delta), a
    // snapshot of a channel (the first one after following it makes no
    // events: it is the past), a dead node, a channel no longer followed.
    void presence_merge(const Presence::Entry& entry);
    void presence_snapshot(const std::string& channel, const std::vector<Presence::Entry>& entries,
                           bool initial);
    void presence_drop_node(const std::string& node);
    void presence_forget(const std::string& channel);
    // This node's own entries, to write again after a reconnect, and the
    // channels where it has some, to refresh their expiry.
    std::vector<Presence::Entry> presence_local_entries() const {
        return presence_.local_entries();
    }
    Presence::Entry presence_local_entry(const std::string& channel, const std::string& user) const {
        return presence_.local_entry(channel, user);
    }
    std::vector<std::string> presence_local_channels() const { return presence_.local_channels(); }

    void start_maintenance(); // periodic history expiry
    void stop();

private:
    struct Waiting {
        std::vector<std::string> channels;
        std::optional<std::string> last_event_id;
        std::uint64_t from_seq; // events from here on are replayed when released
        Clock::time_point deadline;
        SubscribeHandler done;
    };
    bool all_live(const std::vector<std::string>& channels) const;
    void stamp_slow_consumer(Event& event) const;
    void release(Waiting& w);
    SubscribeResult result_for(const Waiting& w);
    SubscribeResult result_from(const Waiting& w, SharedHistory::Read read);
    std::vector<std::string> latest_channels(const Waiting& w) const;
    void add_latest(const Waiting& w, std::vector<EventPtr>& replay);
    void schedule_expiry();
    void schedule_waiting_check();
    void announce(const Presence::Change& change);
    void note_presence();

    // The live configuration (hub thread): the boot one, not owned, until a
    // reload posts an owned snapshot.
    const Config& live() const { return *live_; }
    const Config& config_;
    std::shared_ptr<const Config> live_;
    HubStats& stats_;
    const std::string boot_id_;
    net::io_context context_{1};
    net::steady_timer expiry_timer_{context_};
    net::steady_timer waiting_timer_{context_};
    std::vector<Waiting> waiting_;
    bool waiting_timer_armed_ = false;
    std::vector<Worker*> workers_;
    History history_;
    std::uint64_t next_seq_ = 1;
    ChannelCounts counts_{0};
    Presence presence_{boot_id_};
    SharedPresence* shared_presence_ = nullptr;
    SharedHistory* shared_history_ = nullptr;
    SharedAdmin* shared_admin_ = nullptr;
    bool stopped_ = false;
};

} // namespace herald
