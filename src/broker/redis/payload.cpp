#include "herald/broker/redis/payload.hpp"

#include "herald/hub/channel.hpp"
#include "herald/hub/event_fields.hpp"
#include "herald/wire/json.hpp"
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

std::pair<std::string, std::string> data_fields(const json& data) {
    std::string data_json = compact(data);
    std::string sse_data = data.is_string() ? data.get<std::string>() : data_json;
    return {std::move(data_json), std::move(sse_data)};
}

Payload envelope(const json& object) {
    Envelope out;
    if (auto error = read_event_fields(object, out.event, out.id, out.ephemeral, out.key)) {
        return BadPayload{"envelope " + error->field + ": " + error->what};
    }
    // Only herald nodes and the application publish to Redis, so "from" is
    // trusted here; WebSocket clients can never set it.
    if (const auto from = object.find("from"); from != object.end()) {
        if (!from->is_string() || !is_valid_event_id(from->get<std::string>()))
            return BadPayload{"envelope from: must be a user id (1-200 printable ASCII characters, no spaces)"};
        out.from = from->get<std::string>();
    }
    if (const auto sid = object.find("sid"); sid != object.end() && sid->is_string())
        out.sid = sid->get<std::string>();
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
        // The same guard as POST /publish: the parser is iterative but
        // dump() recurses.
        if (json_nesting_exceeds(payload)) {
            return BadPayload{json_too_deep_message()};
        }
        const json value = json::parse(payload, nullptr, /*allow_exceptions=*/false);
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

std::string make_envelope(std::string_view event, std::string_view id, std::string_view data_json,
                          bool ephemeral, std::string_view from, std::string_view key) {
    try {
        std::string out = R"({"event":)" + json_quote(event);
        if (!id.empty()) {
            out += R"(,"id":)" + json_quote(id);
        }
        if (ephemeral) {
            out += R"(,"ephemeral":true)";
        }
        if (!from.empty()) {
            out += R"(,"from":)" + json_quote(from);
        }
        if (!key.empty()) {
            out += R"(,"key":)" + json_quote(key);
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
