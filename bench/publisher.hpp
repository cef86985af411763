#pragma once
// The publisher: a few keep-alive connections publishing at a target rate (or
// back to back) in the server's publish mode (HTTP POST or Redis PUBLISH, see
// server_profile.hpp), each event's data starting with its send time on the
// steady clock, so subscribers on this machine can measure publish->delivery
// latency. Runs on the calling thread.
#include "children.hpp"
#include "histogram.hpp"
#include "server_profile.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bench {

struct PublishPlan {
    std::string host;
    std::uint16_t port = 0; // publish port, or Redis port for the Redis modes
    PublishMode mode = PublishMode::herald_json;
    double rate = 1000;      // events/s; 0 = back to back, `batch` events per POST
    unsigned size = 100;     // bytes of event data
    double duration = 10;    // seconds
    unsigned publishers = 4; // connections
    unsigned batch = 100;    // events per request when rate = 0 (capped per mode)
    std::uint32_t channels = 1;
    std::string channel_prefix;  // event k goes to prefix + (k % channels)
    std::string fixed_channel;   // when set, every event goes there (channels must be 1)
    bool first_at_start = false; // rate > 0: the first event at once, not after 1/rate
    const std::atomic<bool>* stop = nullptr; // set by another thread: stop publishing early
};

struct PublishResult {
    std::uint64_t events_sent = 0, events_accepted = 0, events_rejected = 0,
                  events_unacknowledged = 0;
    std::uint64_t requests = 0, requests_failed = 0, max_backlog = 0;
    std::uint64_t reconnects = 0;           // the server closed after answering
    std::uint64_t redis_zero_receivers = 0; // PUBLISH answered 0: nobody subscribed in Redis
    std::uint64_t start_ns = 0, first_send_ns = 0, last_send_ns = 0, last_ack_ns = 0;
    std::vector<std::uint64_t> accepted_per_channel;
    std::map<std::string, std::uint64_t> errors;
    std::vector<double> failed_after_ms; // request sent -> connection error, per failed request
    Histogram ack_latency;               // request sent -> accepted answer received
    nlohmann::json to_json() const;
};

PublishResult run_publisher(const PublishPlan& plan, SteadyTime deadline);

} // namespace bench
