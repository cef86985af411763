#pragma once
// Bringing up the bridge's two Redis connections, sans-io. The caller writes
// the commands start() hands out, pipelined right behind the connect (Redis
// answers in order, so the handshake's replies are the first ones), feeds
// each connection's replies here first, and only passes on those the
// handshake does not claim.
//
//   subscriber: [AUTH]          [ROLE] SUBSCRIBE <canary channel>
//   commands:   [AUTH] [SELECT] [ROLE]
//
// ROLE, with Sentinel only, refuses a server that is not the master.
//
// The handshake is complete once the command connection is authenticated
// (so a PUBLISH may go out) and Redis has confirmed the canary subscription
// (so the canary can come back): that is when the first canary is sent, and
// from then on the canary decides whether the bridge is ready.
#include "herald/broker/redis/redis_url.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::redis {

class Handshake {
public:
    using Clock = std::chrono::steady_clock;

    // What one reply meant.
    struct Step {
        enum class Kind {
            pass,     // not part of the handshake: handle it as usual
            consumed, // a handshake reply, nothing to do
            complete, // the handshake just completed: send the first canary
            refused,  // Redis refused AUTH or SELECT: reconnect, see `error`
        };
        Kind kind = Kind::pass;
        std::string error;
    };

    // Commands to write on each connection, already RESP-encoded.
    struct Commands {
        std::vector<std::string> subscriber;
        std::vector<std::string> commands;
    };

    // `timeout`: how long a handshake may take before check() gives up.
    explicit Handshake(std::chrono::milliseconds timeout) : timeout_(timeout) {}

    // A new pair of connections: starts over, forgetting any earlier one.
    // `require_master`: check with ROLE that the server is a master (its
    // address came from a sentinel, which may be out of date).
    Commands start(const RedisEndpoint& endpoint, std::string_view canary_channel,
                   Clock::time_point now, bool require_master = false);
    // Both connections are gone: nothing may be published until start().
    void stop();

    Step on_subscriber_reply(const Reply& reply);
    Step on_command_reply(const Reply& reply);
    // Redis acknowledged SUBSCRIBE <canary channel>. True when that completes
    // the handshake (the first canary is due now); false otherwise, also for
    // a repeated ack, so that the canary is never started twice.
    bool on_canary_subscribed();

    // A reason to give up: started, not complete and older than the timeout.
    // A stopped (SIGSTOPped, overloaded) Redis still accepts connections but
    // answers nothing, which no socket error would ever report.
    std::optional<std::string> check(Clock::time_point now) const;

    // The command connection is through AUTH and SELECT: PUBLISH may go out.
    bool commands_ready() const { return started_ && commands_pending_ == 0; }
    bool complete() const { return complete_; }

private:
    Step claim(const Reply& reply, int& pending);
    bool try_complete();

    std::chrono::milliseconds timeout_;
    Clock::time_point started_at_{};
    bool started_ = false;
    bool require_master_ = false;
    // Replies still expected on each connection before its handshake is over.
    int subscriber_pending_ = 0;
    int commands_pending_ = 0;
    bool canary_subscribed_ = false;
    bool complete_ = false;
};

} // namespace herald::redis
