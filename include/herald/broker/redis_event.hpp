#pragma once
// A message from Redis pub/sub on a herald channel, as the hub's event: an
// envelope (PUBLISH by herald, or by an application that writes one) or a
// raw payload, stamped like every publication. Shared by the bridges.
#include "herald/config/config.hpp"
#include "herald/hub/event.hpp"
#include "herald/metrics/metrics.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace herald {

// nullptr for a payload that is no valid event: counted and logged here.
std::shared_ptr<Event> event_from_redis(const Config& config, RedisStats& stats,
                                        std::string channel, std::string_view payload);

} // namespace herald
