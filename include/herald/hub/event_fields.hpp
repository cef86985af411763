#pragma once
// The optional "event", "id", "ephemeral" and "key" members of a published JSON object: a
// POST /publish item, a WebSocket publish and a Redis envelope all follow
// this one rule (a string, valid per channel.hpp), so an event that one way
// in accepts is never refused by another.
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace herald {

struct EventFieldError {
    std::string field; // "event", "id", "ephemeral" or "key"
    std::string what;  // e.g. "must be a string"
};

// Sets `name`, `id`, `ephemeral` and `key` from the object's "event", "id",
// "ephemeral" (a boolean) and "key" (what a `latest` slow-consumer policy
// keeps one of; the id's syntax) when present and leaves them alone when
// absent. `object` must be a JSON object.
std::optional<EventFieldError> read_event_fields(const nlohmann::json& object, std::string& name,
                                                 std::optional<std::string>& id, bool& ephemeral,
                                                 std::string& key);

} // namespace herald
