#pragma once
// Finding and following the master of `master_name` through Redis Sentinel,
// sans-io. The bridge opens the connections this hands out, feeds each one's
// replies here, and acts on the Outcome.
//
// Two kinds of sentinel connection, because in RESP2 a connection that has
// subscribed can ask nothing else:
//  - a query: [AUTH] SENTINEL get-master-addr-by-name <name>, one sentinel
//    after the other in a round until one names the master. A round starts
//    with the sentinel that answered last, so a dead first entry of the
//    list costs one failed connect per round, not one per query.
//  - the watch: [AUTH] SUBSCRIBE +switch-master on the sentinel that answered
//    last, so that a failover is followed the moment it is decided, not at
//    the next reconnect attempt (whose backoff may have grown to seconds).
//    Whenever the watch is (re)subscribed the bridge should query again, in
//    case a switch was announced while no watch was listening.
#include "herald/broker/redis/sentinel_wire.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace herald::redis {

class SentinelResolver {
public:
    using Clock = std::chrono::steady_clock;
    using HostPort = sentinel_wire::HostPort;

    struct Options {
        std::vector<HostPort> sentinels; // not empty
        std::string master_name;
        std::string user; // Sentinel's own ACL user and password, not the data server's
        std::string password;
        std::chrono::milliseconds timeout{2000}; // a query unanswered after this has failed
    };

    // A connection to open to `sentinel`, and the commands to write on it at once.
    struct Ask {
        HostPort sentinel;
        std::vector<std::string> commands;
    };

    struct Outcome {
        enum class Kind {
            pending,    // nothing to do yet
            master,     // a query named the master: `master`
            failed,     // this sentinel was of no use (`reason`): close its connection
            subscribed, // the watch listens now: query again to catch a missed switch
            switched,   // a failover moved the master to `master`; `reason` says from where
        };
        Kind kind = Kind::pending;
        HostPort master;
        std::string reason;
    };

    explicit SentinelResolver(Options options);

    // Queries. begin_round() forgets the errors of the last round;
    // next_query() is the next sentinel to ask, or nullopt once every one
    // has failed in this round (round_failure() says why).
    void begin_round();
    std::optional<Ask> next_query(Clock::time_point now);
    Outcome on_query_reply(const Reply& reply);
    Outcome on_query_lost(const std::string& reason);
    // A query unanswered for `timeout` has failed: a stopped sentinel
    // accepts connections and answers nothing.
    std::optional<Outcome> check(Clock::time_point now);
    bool querying() const { return query_pending_ > 0; }
    std::string round_failure() const;

    // The watch. watch() starts a new one (forgetting the last one);
    // on_watch_lost() makes the next watch() go to another sentinel.
    Ask watch();
    Outcome on_watch_reply(const Reply& reply);
    void on_watch_lost();

    // The master last named by a query or a switch.
    const std::optional<HostPort>& master() const { return master_; }
    const std::string& master_name() const { return options_.master_name; }

private:
    std::vector<std::string> auth() const;
    Outcome fail_query(std::string reason);

    Options options_;
    std::optional<HostPort> master_;
    std::size_t preferred_ = 0; // the sentinel that answered last
    // The current round: where it started, how many were asked, why they failed.
    std::size_t round_start_ = 0;
    std::size_t asked_ = 0;
    std::vector<std::string> errors_;
    // The query in flight: its sentinel, replies still expected, its start.
    std::size_t query_index_ = 0;
    int query_pending_ = 0;
    Clock::time_point query_started_{};
    // The watch: its sentinel and whether its AUTH reply is still due.
    std::size_t watch_index_ = 0;
    bool watch_auth_pending_ = false;
};

} // namespace herald::redis
