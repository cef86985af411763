#include "herald/http/publish_request.hpp"

#include "herald/hub/channel.hpp"
#include "herald/hub/event_fields.hpp"
#include "herald/wire/json.hpp"
#include "herald/wire/ws_frame.hpp"

#include <exception>

#include <nlohmann/json.hpp>

namespace herald {
namespace {

using json = nlohmann::json;

// Unknown keys are echoed back in the error; keep a hostile 1 MiB key short.
constexpr std::size_t max_echoed_key = 64;

PublishParseError make_error(std::string field, std::string_view what) {
    std::string message = field + ": " + std::string(what);
    return {std::move(field), std::move(message)};
}

// Validates one publish object; `prefix` is "" for a single object or "[i]"
// for a batch item, so errors name the exact field. A WebSocket message also
// carries its "type".
std::optional<PublishParseError> parse_item(const json& item, const std::string& prefix,
                                            PublishRequest& out, bool type_allowed = false) {
    const auto field = [&](std::string_view name) {
        return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
    };
    if (!item.is_object()) {
        return make_error(prefix.empty() ? "body" : prefix, "must be a JSON object");
    }
    for (auto it = item.begin(); it != item.end(); ++it) {
        const std::string& key = it.key();
        if (key != "channel" && key != "data" && key != "event" && key != "id" &&
            key != "ephemeral" && key != "key" &&
            !(type_allowed && key == "type")) {
            // An empty key is shown as "" so that the error still names a field.
            return make_error(field(key.empty() ? std::string_view(R"("")")
                                                : ws::utf8_prefix(key, max_echoed_key)),
                              "unknown field");
        }
    }

    const auto channel = item.find("channel");
    if (channel == item.end()) {
        return make_error(field("channel"), "required");
    }
    if (!channel->is_string()) {
        return make_error(field("channel"), "must be a string");
    }
    out.channel = channel->get<std::string>();
    if (!is_valid_channel(out.channel)) {
        return make_error(field("channel"),
                          "invalid channel name (1-200 chars of A-Za-z0-9_-:.@/=)");
    }

    const auto data = item.find("data");
    if (data == item.end()) {
        return make_error(field("data"), "required");
    }
    // The parser only accepts valid UTF-8, so the strict dump cannot throw.
    out.data_json = data->dump();
    out.sse_data = data->is_string() ? data->get<std::string>() : out.data_json;

    if (auto error = read_event_fields(item, out.event, out.id, out.ephemeral, out.key)) {
        return make_error(field(error->field), error->what);
    }
    return std::nullopt;
}

PublishParseResult parse_body(std::string_view body, std::size_t max_batch) {
    if (json_nesting_exceeds(body)) {
        return make_error("body", json_too_deep_message());
    }
    const json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
        return make_error("body", "invalid JSON");
    }

    std::vector<PublishRequest> requests;
    if (root.is_object()) {
        requests.emplace_back();
        if (auto error = parse_item(root, "", requests.back())) {
            return std::move(*error);
        }
        return requests;
    }
    if (!root.is_array()) {
        return make_error("body", "must be a JSON object or a non-empty array of objects");
    }
    if (root.empty()) {
        return make_error("body", "empty batch");
    }
    if (root.size() > max_batch) {
        return make_error("body", "batch too large (max " + std::to_string(max_batch) + " events)");
    }
    requests.reserve(root.size());
    for (std::size_t i = 0; i < root.size(); ++i) {
        requests.emplace_back();
        const std::string prefix = "[" + std::to_string(i) + "]";
        if (auto error = parse_item(root[i], prefix, requests.back())) {
            return std::move(*error);
        }
    }
    return requests;
}

} // namespace

PublishParseResult parse_publish_body(std::string_view body, std::size_t max_batch) {
    // Last line of defence for fuzzed input: nothing above should throw, but a
    // publisher must get a 400, never a dead connection handler.
    try {
        return parse_body(body, max_batch);
    } catch (const std::exception&) {
        return make_error("body", "could not be processed");
    }
}

std::variant<PublishRequest, PublishParseError> parse_publish_message(const json& message) {
    if (!message.is_object())
        return make_error("body", "must be a JSON object");
    PublishRequest out;
    try {
        if (auto error = parse_item(message, "", out, /*type_allowed=*/true))
            return *error;
    } catch (const std::exception&) {
        return make_error("body", "invalid message");
    }
    return out;
}

} // namespace herald
