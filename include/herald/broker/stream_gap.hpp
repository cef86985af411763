#pragma once
// A bridge's part of filling broken subscriptions from the shared history:
// GapFill (gap_fill.hpp) decides, this carries it out. Both bridges own one
// and tell it what their subscriptions do; it reads the channels' streams
// through `send` (the single bridge's command connection, or the master of
// the channel's slot in a cluster) and hands what it found, or a reset, to
// the hub. With history in memory (or a channel without history) a break is
// announced with a reset, as there is nothing to fill the gap from.
//
// On the hub's thread, like the bridges.
#include "herald/broker/redis/command_queue.hpp"
#include "herald/broker/redis/gap_fill.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/hub.hpp"
#include "herald/metrics/metrics.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herald {

class StreamGap {
public:
    using Clock = std::chrono::steady_clock;
    // Sends one command to where `channel`'s stream lives; `done` gets its reply.
    using Send = std::function<void(const std::string& channel, std::vector<std::string> argv,
                                    redis::CommandQueue::Completion done)>;

    StreamGap(const Config& config, Hub& hub, RedisStats& stats, Send send);

    // The channel is in a stream (history_backend = "redis", history_size > 0).
    bool stored(const std::string& channel) const;

    // A client channel begins / ends to be wanted from Redis.
    void follow(const std::string& channel, bool follow);
    // Every followed channel's subscription broke (the single bridge), or one
    // channel's (a cluster shard's break).
    void on_break();
    void on_break(const std::string& channel);
    // Redis confirmed the channel's (re)subscription.
    void subscribed(const std::string& channel);
    // A live event: appended to `batch`, or held while its channel's gap is
    // read, or dropped as already delivered.
    void on_live(std::shared_ptr<Event> event, std::vector<std::shared_ptr<Event>>& batch);

private:
    void read_floor(const std::string& channel);
    void read_gap(const std::string& channel, redis::stream_wire::StreamId after);
    void deliver(const std::string& channel, redis::GapFill::Filled filled);

    const Config& config_;
    Hub& hub_;
    RedisStats& stats_;
    Send send_;
    const bool in_redis_;
    redis::GapFill gap_;
};

} // namespace herald
