#pragma once
// A message from Redis on a herald channel, as the hub's event: an envelope
// (PUBLISH by herald, or by an application that writes one) or a raw
// payload, stamped like every publication; or an entry of a history stream.
// Shared by the bridges.
#include "herald/broker/redis/stream_wire.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/event.hpp"
#include "herald/metrics/metrics.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace herald {

class Hub;

// nullptr for a payload that is no valid event: counted and logged here.
// Its stream position is `sid` (a stream entry's id), else the envelope's
// "sid" (herald_publish adds it to what it publishes), else none. An event
// stored without an id (an application's herald_publish) is known by its
// stream id, the same on every node.
std::shared_ptr<Event> event_from_redis(const Config& config, RedisStats& stats,
                                        std::string channel, std::string_view payload,
                                        std::optional<redis::stream_wire::StreamId> sid = {});

// Before a message of `channel` is parsed: when no worker could take it
// (Hub::busy), counts it shed and returns true. The events of `batch`, read
// before it, are ingested first then, so that the shed count follows them.
bool shed_if_busy(Hub& hub, const std::string& channel, std::vector<std::shared_ptr<Event>>& batch);

} // namespace herald
