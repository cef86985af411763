#pragma once
// One read of the shared history in Redis streams (Hub::SharedHistory::read),
// sans-io, for both bridges: the commands it needs, each tagged with its
// channel so that a cluster bridge can send it to the master of the
// channel's slot, and, once every reply is in, the answer.
//
// A resume asks each channel's XINFO STREAM and newest entries, then lets
// plan_resume (stream_resume.hpp) pick what the client missed; a "latest"
// read asks each channel's newest entry. Both end with TIME, Redis' clock,
// by which entries expire.
#include "herald/broker/redis/reply_reader.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/hub.hpp"
#include "herald/metrics/metrics.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

class StreamRead {
public:
    // A read is answered only once a marker, published on the bridge's
    // canary channel behind the read's commands, is back on the subscriber
    // connection: every live event older than the read is ingested by then.
    // Its payload, and the marker a canary-channel payload carries (nullopt
    // for a canary).
    static std::string marker_payload(std::uint64_t marker);
    static std::optional<std::uint64_t> marker_of(std::string_view payload);

    struct Command {
        std::string channel; // whose stream it reads; empty for TIME
        std::vector<std::string> argv;
    };

    // With `last_id`: what `channels` had after it. Without: the newest
    // event of each.
    StreamRead(const Config& config, std::vector<std::string> channels,
               std::optional<std::string> last_id);

    const std::vector<Command>& commands() const { return commands_; }
    // The reply to commands()[i]. True once every reply is in.
    bool on_reply(std::size_t i, const redis::Reply& reply);
    // Once every reply is in. Unreadable streams are counted in `stats`.
    Hub::SharedHistory::Read answer(RedisStats& stats);

private:
    Hub::SharedHistory::Read resume(RedisStats& stats);
    Hub::SharedHistory::Read latest(RedisStats& stats);

    const Config& config_;
    std::vector<std::string> channels_;
    std::optional<std::string> last_id_;
    std::vector<Command> commands_;
    std::vector<redis::Reply> replies_;
    std::size_t remaining_;
};

} // namespace herald
