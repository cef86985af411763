#pragma once
// How a message payload received from Redis becomes an event. Publishers
// (other herald nodes, or an application doing a plain PUBLISH) may send:
//   - an envelope: a JSON object with any of "event", "data", "id"
//       {"event":"notification","id":"n-1","data":{"text":"Hi"}}
//     and optionally "ephemeral" (a boolean), "key" (see Publication),
//     "from" (a user id) and "sid" (its stream id, added by herald_publish:
//     stream_wire.hpp),
//     other keys are ignored, "data" defaults to null;
//   - anything else, delivered as the data of a "message" event: JSON text
//     as is (compacted), non-JSON text as a JSON string.
// sse_data follows POST /publish: the string itself when the data is a JSON
// string, else the JSON text.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald::redis {

struct Envelope {
    std::string event = "message";
    std::optional<std::string> id;
    bool ephemeral = false;
    std::string from; // the publishing WebSocket client's user, stamped by a herald node
    std::string key;  // what slow_consumer = "latest" keeps one of; "" = the channel
    std::string sid;  // the entry id in the channel's history stream, or ""
    std::string data_json; // compact JSON
    std::string sse_data;
};

struct Raw {
    std::string data_json; // compact JSON
    std::string sse_data;
};

// Not deliverable: invalid UTF-8, an envelope with an invalid event name or
// id, or nesting deeper than POST /publish accepts (json_nesting_exceeds,
// which counts brackets before parsing, so it also applies to plain text).
struct BadPayload {
    std::string reason;
};

using Payload = std::variant<Envelope, Raw, BadPayload>;

Payload classify_payload(std::string_view payload);

// The envelope that classify_payload maps back to (event, id, data_json).
// `event` and `id` should be valid (channel.hpp); an empty id is left out.
// `data_json` is inserted verbatim and must be compact JSON (as produced for
// POST /publish); empty means null. Returns "" only on allocation failure.
std::string make_envelope(std::string_view event, std::string_view id, std::string_view data_json,
                          bool ephemeral = false, std::string_view from = {},
                          std::string_view key = {});

} // namespace herald::redis
