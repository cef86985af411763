#include "herald/broker/redis/payload.hpp"

#include "herald/hub/channel.hpp"
#include "herald/http/publish_request.hpp"
#include "herald/wire/utf8.hpp"

#include <exception>

#include <nlohmann/json.hpp>

namespace herald::redis {
namespace {

using json = nlohmann::json;

// The input was checked to be valid UTF-8, so `replace` never fires; it only
// guarantees dump() cannot throw.
std::string compact(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Parses JSON, refusing nesting deeper than POST /publish accepts: the
// parser is iterative but dump() recurses. Sets `too_deep` instead of
// failing so the caller can tell "deep JSON" from "not JSON".
json parse_bounded(std::string_view text, bool& too_deep) {
    const auto limit = static_cast<int>(max_publish_json_depth);
    const json::parser_callback_t guard = [&](int depth, json::parse_event_t event, json&) {
        const bool opens =
            event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
        if (opens && depth >= limit) { // depth counts from 0 at the outermost value
            too_deep = true;
            return false;
        }
        return true;
    };
    return json::parse(text, guard, /*allow_exceptions=*/false);
}

std::pair<std::string, std::string> data_fields(const json& data) {
    std::string data_json = compact(data);
    std::string sse_data = data.is_string() ? data.get<std::string>() : data_json;
    return {std::move(data_json), std::move(sse_data)};
}

Payload envelope(const json& object) {
    Envelope out;
    if (const auto event = object.find("event"); event != object.end()) {
        if (!event->is_string()) {
            return BadPayload{"envelope event: must be a string"};
        }
        out.event = event->get<std::string>();
        if (!is_valid_event_name(out.event)) {
            return BadPayload{"envelope event: invalid event name"};
        }
    }
    if (const auto id = object.find("id"); id != object.end()) {
        if (!id->is_string()) {
            return BadPayload{"envelope id: must be a string"};
        }
        out.id = id->get<std::string>();
        if (!is_valid_event_id(*out.id)) {
            return BadPayload{"envelope id: invalid id"};
        }
    }
    const auto data = object.find("data");
    std::tie(out.data_json, out.sse_data) = data_fields(data == object.end() ? json() : *data);
    return out;
}

bool is_envelope(const json& value) {
    return value.is_object() &&
           (value.contains("event") || value.contains("data") || value.contains("id"));
}

} // namespace

Payload classify_payload(std::string_view payload) {
    try {
        if (!is_valid_utf8(payload)) {
            return BadPayload{"payload is not valid UTF-8"};
        }
        bool too_deep = false;
        const json value = parse_bounded(payload, too_deep);
        if (too_deep) {
            return BadPayload{"JSON nested too deeply (max " +
                              std::to_string(max_publish_json_depth) + " levels)"};
        }
        if (value.is_discarded()) {
            // Plain text: delivered as a JSON string.
            return Raw{compact(json(payload)), std::string(payload)};
        }
        if (is_envelope(value)) {
            return envelope(value);
        }
        auto [data_json, sse_data] = data_fields(value);
        return Raw{std::move(data_json), std::move(sse_data)};
    } catch (const std::exception&) {
        return BadPayload{"out of memory"};
    }
}

std::string make_envelope(std::string_view event, std::string_view id, std::string_view data_json) {
    try {
        std::string out = R"({"event":)" + compact(json(event));
        if (!id.empty()) {
            out += R"(,"id":)" + compact(json(id));
        }
        out += R"(,"data":)";
        out += data_json.empty() ? std::string_view("null") : data_json;
        out += '}';
        return out;
    } catch (const std::exception&) {
        return {};
    }
}

} // namespace herald::redis
