#pragma once
// The subscribers of one generator process: `threads` io_contexts, each owning a
// slice of the connections. A connection is a socket, a one-byte state and a
// string that is empty unless a message is split across reads; reads go to a
// per-thread scratch buffer after a zero-byte wait, so an idle connection holds
// no buffer. Connections are opened at a bounded concurrency (connect until
// subscribed), bound to source addresses 127.0.0.1..127.0.0.254 in turn.
#include "options.hpp"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bench {

struct Lane;

struct PoolConfig {
    std::string host;
    std::uint16_t port = 0;
    const ServerProfile* profile = nullptr; // request targets, subscribed detection
    unsigned threads = 1;
    unsigned inflight = 100; // for this process
    std::uint32_t first = 0; // global index of the first subscriber
    std::uint32_t count = 0;
    Transport transport = Transport::sse;
    bool ws_deflate = false;    // offer permessage-deflate in the WS handshake
    bool alternate = false;     // even index SSE, odd index WS
    std::string channel_prefix; // channel = prefix + (modulus ? index % modulus : index)
    std::uint32_t channel_modulus = 0;
    std::string fixed_channel;  // when set, every subscriber's channel
    bool latency = false;       // parse timestamps into the histogram
    std::uint64_t start_ns = 0; // t0 on the steady clock: time-to-first-event is measured from it
    std::uint64_t not_before_ns = 0; // events stamped earlier are stale (an earlier run's)
    double slow_share = 0;           // share of subscribers that stop reading once subscribed
    unsigned slow_rcvbuf = 4096;
};

// Whether subscriber `index` is one of the slow share (spread evenly).
inline bool is_slow(std::uint32_t index, double share) {
    return share > 0 && static_cast<std::uint64_t>((index + 1.0) * share) >
                            static_cast<std::uint64_t>(index * share);
}

struct PoolProgress {
    std::uint64_t subscribed = 0, failed = 0, received = 0, dropped = 0, other = 0,
                  resets = 0, announced = 0;
    std::uint64_t connected = 0, firsts = 0, slow_closed = 0;
    nlohmann::json to_json() const;
    static PoolProgress from_json(const nlohmann::json& j);
    PoolProgress& operator+=(const PoolProgress& o);
};

class SubscriberPool {
public:
    explicit SubscriberPool(PoolConfig config);
    ~SubscriberPool();
    void start();                        // starts the threads and the connecting
    void resume_slow();                  // the slow subscribers start reading again
    PoolProgress progress() const;       // any thread
    void stop();                         // closes every connection, joins the threads
    nlohmann::json final_report() const; // after stop()

private:
    PoolConfig config_;
    std::vector<std::unique_ptr<Lane>> lanes_;
};

std::string channel_name(const PoolConfig& c, std::uint32_t index);
std::string request_for(const PoolConfig& c, Transport transport, std::uint32_t index);

} // namespace bench
