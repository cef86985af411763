#pragma once
// What the chaos tests of issue 13 section 4 share, whatever their Redis
// (single, Sentinel, Cluster): three herald nodes on fixed ports (nginx's
// upstream needs ports that stay the same across a restart) behind the
// shipped nginx site, a crowd of resuming one-channel subscribers, a steady
// publisher, a presence probe, and at the end the audit of what every
// subscriber received, printed with the test's tag.
#include "delivery_audit.hpp"
#include "two_node_nginx.hpp"

#include <functional>
#include <memory>

namespace herald_test {

// HERALD_CHAOS_CLIENTS if set (tests/CMakeLists.txt sets it, lower under
// the sanitizers), else `fallback`.
std::size_t chaos_clients(std::size_t fallback);

// "chan:00", "chan:01", ... and, for the last `without_history` of them,
// "nohist:NN" (a namespace the tests configure with history_size = 0).
std::vector<std::string> chaos_channels(std::size_t count, std::size_t without_history);

// secure_flags() plus --listen 127.0.0.1:<port> (a second --listen overrides
// the harness's 127.0.0.1:0), --config <config> and no per-address limit
// (every client comes from 127.0.0.1 and one node may end up holding them
// all), then `more`.
std::vector<std::string> chaos_node_flags(std::uint16_t port, const std::string& config,
                                          std::vector<std::string> more = {});

// Prints "[<tag> +<ms since construction> ms] what".
class ChaosLog {
public:
    explicit ChaosLog(std::string tag);
    void say(const std::string& what) const;
    const std::string& tag() const { return tag_; }

private:
    std::string tag_;
    std::chrono::steady_clock::time_point began_;
};

// `count` nodes, each started with args(port) on a port of its own, waited
// for until /readyz answers 200.
class ChaosNodes {
public:
    using Args = std::function<std::vector<std::string>(std::uint16_t port)>;
    ChaosNodes(std::size_t count, Args args);
    const std::vector<std::uint16_t>& ports() const { return ports_; }
    std::uint16_t port(std::size_t i) const { return ports_.at(i); }
    void kill(std::size_t i);    // kill -9, and wait for the exit
    void restart(std::size_t i); // SIGTERM, then start again on the same port

private:
    std::unique_ptr<HeraldProcess> start(std::uint16_t port);
    Args args_;
    std::vector<std::uint16_t> ports_;
    std::vector<std::unique_ptr<HeraldProcess>> nodes_;
};

// Adds `clients` subscribers over `channels` in turn (SSE for the first
// round of channels, WebSocket for the next, ...), starts the crowd and
// waits (60 s at most) until all are subscribed; says how they spread over
// the nodes. False if some did not subscribe.
bool start_crowd(ResumingCrowd& crowd, const std::vector<std::string>& channels,
                 std::size_t clients, const ChaosNodes& nodes, const ChaosLog& log);

// Presence members, two per node, on `channel` (SSE with a token of a user of
// their own), and the check that a kill -9'd node's members leave the others'
// views within presence_ttl plus a heartbeat's slack.
class PresenceProbe {
public:
    PresenceProbe(const ChaosNodes& nodes, std::string channel, long ttl_ms);
    // Two members on each node; waits until the last node sees them all.
    void join_all();
    // After node `dead` was killed at `killed`: its members leave the others'
    // views, then come back on another node and are seen again. Expects.
    void check_after_kill(std::size_t dead, std::chrono::steady_clock::time_point killed,
                          const ChaosLog& log);
    void leave_all() { members_.clear(); }
    long members_seen(std::uint16_t port) const;

private:
    void add(std::uint16_t port, int first_user);
    const ChaosNodes& nodes_;
    std::string channel_;
    long ttl_ms_;
    std::vector<std::unique_ptr<SseClient>> members_;
};

struct ChaosCounts {
    AuditCounts all, with_history, without_history; // the last two: chan:* and nohist:*
    bool caught_up = false;
};

// Stops the publisher, waits (at most `catch_up`) until every subscriber has
// its channel's last accepted event, stops the crowd, audits, and prints the
// counts (all, with history, without) and the first problems. With
// HERALD_CHAOS_DUMP=file, writes what was published and received there.
ChaosCounts finish_and_audit(SteadyPublisher& publisher, ResumingCrowd& crowd, const ChaosLog& log,
                             Millis catch_up = Millis{20'000});

} // namespace herald_test
