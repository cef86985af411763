#include "herald/hub/event_fields.hpp"

#include "herald/hub/channel.hpp"

#include <nlohmann/json.hpp>

namespace herald {

std::optional<EventFieldError> read_event_fields(const nlohmann::json& object, std::string& name,
                                                 std::optional<std::string>& id,
                                                 bool& ephemeral, std::string& key) {
    if (const auto event = object.find("event"); event != object.end()) {
        if (!event->is_string()) {
            return EventFieldError{"event", "must be a string"};
        }
        name = event->get<std::string>();
        if (!is_valid_event_name(name)) {
            return EventFieldError{
                "event", "invalid event name (1-200 printable ASCII characters, no spaces)"};
        }
    }
    if (const auto found = object.find("id"); found != object.end()) {
        if (!found->is_string()) {
            return EventFieldError{"id", "must be a string"};
        }
        id = found->get<std::string>();
        if (!is_valid_event_id(*id)) {
            return EventFieldError{"id",
                                   "invalid id (1-200 printable ASCII characters, no spaces)"};
        }
    }
    if (const auto found = object.find("ephemeral"); found != object.end()) {
        if (!found->is_boolean()) {
            return EventFieldError{"ephemeral", "must be true or false"};
        }
        ephemeral = found->get<bool>();
    }
    if (const auto found = object.find("key"); found != object.end()) {
        if (!found->is_string()) {
            return EventFieldError{"key", "must be a string"};
        }
        key = found->get<std::string>();
        if (!is_valid_event_id(key)) {
            return EventFieldError{"key",
                                   "invalid key (1-200 printable ASCII characters, no spaces)"};
        }
    }
    return std::nullopt;
}

} // namespace herald
