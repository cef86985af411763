// Payload handling on both ways in: a POST /publish body and a Redis message.
//
// Invariants:
//  - parse_publish_body accepts only valid items (channel/event/id syntax,
//    1..1000 of them) with compact JSON data; every refusal names its field
//    and serializes as a JSON error body;
//  - an accepted item published through Redis (make_envelope) is classified
//    back by classify_payload into the same event, id and data;
//  - classify_payload's results are valid, and re-enveloping them is stable;
//  - the event built from an item (make_event) reads back the same over SSE
//    (WHATWG parser) and over WebSocket (a text frame holding valid UTF-8 JSON
//    with the same fields).
#include "fuzz_check.hpp"
#include "herald/hub/channel.hpp"
#include "herald/hub/event.hpp"
#include "herald/http/http_responses.hpp"
#include "herald/http/publish_request.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/wire/utf8.hpp"
#include "sse_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;

bool is_compact_json(const std::string& text) {
    const json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return !value.is_discarded() &&
           value.dump(-1, ' ', false, json::error_handler_t::strict) == text;
}

// Deepest [ / { nesting of valid JSON text.
std::size_t json_depth(std::string_view text) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

// The payload of a single unmasked server frame.
std::string frame_payload(const std::string& frame) {
    FUZZ_CHECK(frame.size() >= 2);
    FUZZ_CHECK(static_cast<unsigned char>(frame[0]) == 0x81); // FIN + text
    std::size_t length = static_cast<unsigned char>(frame[1]);
    std::size_t header = 2;
    FUZZ_CHECK(length < 128); // never masked
    if (length == 126 || length == 127) {
        const std::size_t bytes = length == 126 ? 2 : 8;
        FUZZ_CHECK(frame.size() >= 2 + bytes);
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i)
            length = length << 8 | static_cast<unsigned char>(frame[2 + i]);
        header += bytes;
        FUZZ_CHECK(length > (bytes == 2 ? 125u : 0xFFFFu)); // shortest form
    }
    FUZZ_CHECK(frame.size() == header + length);
    return frame.substr(header);
}

void check_event(const std::string& channel, const std::string& name, const std::string& id,
                 const std::string& data_json, const std::string& sse_data) {
    const auto event = herald::make_event(channel, name, id, data_json, sse_data);

    herald_test::SseParser parser;
    parser.feed(event->sse);
    FUZZ_CHECK(parser.has_event());
    const auto got = parser.pop_event();
    FUZZ_CHECK(!parser.has_event());
    FUZZ_CHECK(got.type == name);
    FUZZ_CHECK(got.id == id);
    FUZZ_CHECK(got.data == herald_fuzz::normalize_newlines(sse_data));

    const std::string payload = frame_payload(event->ws_frame);
    FUZZ_CHECK(herald::is_valid_utf8(payload));
    const json frame = json::parse(payload, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(frame.is_object() && frame.size() == 4);
    FUZZ_CHECK(frame["channel"] == channel && frame["event"] == name && frame["id"] == id);
    FUZZ_CHECK(frame["data"] == json::parse(data_json));
}

void check_publish_body(std::string_view body) {
    const auto parsed = herald::parse_publish_body(body);
    if (const auto* error = std::get_if<herald::PublishParseError>(&parsed)) {
        FUZZ_CHECK(!error->field.empty());
        FUZZ_CHECK(error->message.starts_with(error->field + ": "));
        FUZZ_CHECK(herald::is_valid_utf8(error->message));
        FUZZ_CHECK(!json::parse(herald::json_error(error->message, error->field), nullptr, false)
                        .is_discarded());
        return;
    }
    const auto& items = std::get<std::vector<herald::PublishRequest>>(parsed);
    FUZZ_CHECK(!items.empty() && items.size() <= 1000);
    for (const auto& item : items) {
        FUZZ_CHECK(herald::is_valid_channel(item.channel));
        FUZZ_CHECK(herald::is_valid_event_name(item.event));
        FUZZ_CHECK(!item.id || herald::is_valid_event_id(*item.id));
        FUZZ_CHECK(item.key.empty() || herald::is_valid_event_id(item.key));
        FUZZ_CHECK(is_compact_json(item.data_json));
        const json data = json::parse(item.data_json);
        FUZZ_CHECK(item.sse_data == (data.is_string() ? data.get<std::string>() : item.data_json));

        // Through Redis: what POST /publish PUBLISHes comes back unchanged.
        const auto envelope =
            herald::redis::make_envelope(item.event, item.id.value_or(""), item.data_json,
                                         item.ephemeral, "", item.key);
        const auto back = herald::redis::classify_payload(envelope);
        const auto* env = std::get_if<herald::redis::Envelope>(&back);
        FUZZ_CHECK(env != nullptr);
        FUZZ_CHECK(env->event == item.event && env->id == item.id);
        FUZZ_CHECK(env->ephemeral == item.ephemeral && env->key == item.key);
        FUZZ_CHECK(env->data_json == item.data_json && env->sse_data == item.sse_data);

        check_event(item.channel, item.event, item.id.value_or("fuzz-1"), item.data_json,
                    item.sse_data);
    }
}

void check_redis_payload(std::string_view payload) {
    using namespace herald::redis;
    const auto classified = classify_payload(payload);
    if (const auto* bad = std::get_if<BadPayload>(&classified)) {
        FUZZ_CHECK(!bad->reason.empty());
        return;
    }
    const bool raw = std::holds_alternative<Raw>(classified);
    const auto& data_json =
        raw ? std::get<Raw>(classified).data_json : std::get<Envelope>(classified).data_json;
    const auto& sse_data =
        raw ? std::get<Raw>(classified).sse_data : std::get<Envelope>(classified).sse_data;
    const std::string event = raw ? "message" : std::get<Envelope>(classified).event;
    const auto id = raw ? std::nullopt : std::get<Envelope>(classified).id;
    const std::string key = raw ? "" : std::get<Envelope>(classified).key;

    FUZZ_CHECK(herald::is_valid_utf8(payload));
    FUZZ_CHECK(herald::is_valid_event_name(event));
    FUZZ_CHECK(!id || herald::is_valid_event_id(*id));
    FUZZ_CHECK(key.empty() || herald::is_valid_event_id(key));
    FUZZ_CHECK(is_compact_json(data_json));
    const json data = json::parse(data_json);
    FUZZ_CHECK(sse_data == (data.is_string() ? data.get<std::string>() : data_json));
    if (raw && json::parse(payload, nullptr, false).is_discarded())
        FUZZ_CHECK(sse_data == payload); // plain text is delivered as is

    // Re-enveloped, it classifies the same, unless the envelope's extra level
    // takes it past the depth limit (herald never re-envelopes a payload
    // from Redis; POST /publish data is one level shallower by construction).
    if (json_depth(data_json) >= herald::max_publish_json_depth)
        return check_event("fuzz:channel", event, id.value_or("fuzz-1"), data_json, sse_data);
    const auto again =
        classify_payload(make_envelope(event, id.value_or(""), data_json, false, "", key));
    const auto* env = std::get_if<Envelope>(&again);
    FUZZ_CHECK(env != nullptr);
    FUZZ_CHECK(env->event == event && env->id == id && env->key == key);
    FUZZ_CHECK(env->data_json == data_json && env->sse_data == sse_data);

    check_event("fuzz:channel", event, id.value_or("fuzz-1"), data_json, sse_data);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    check_publish_body(input);
    check_redis_payload(input);
    return 0;
}
