#pragma once
// The optional "event" and "id" members of a published JSON object: a
// POST /publish item, a WebSocket publish and a Redis envelope all follow
// this one rule (a string, valid per channel.hpp), so an event that one way
// in accepts is never refused by another.
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace herald {

struct EventFieldError {
    std::string field; // "event" or "id"
    std::string what;  // e.g. "must be a string"
};

// Sets `name` and `id` from the object's "event" and "id" when present and
// leaves them alone when absent. `object` must be a JSON object.
std::optional<EventFieldError> read_event_fields(const nlohmann::json& object, std::string& name,
                                                 std::optional<std::string>& id);

} // namespace herald
