#pragma once
// The body of POST /publish: one object or an array of objects
//   {"channel":"user:42","event":"notification","data":<any JSON>,"id":"optional",
//    "ephemeral":false}
#include "herald/wire/json.hpp" // max_publish_json_depth

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald {

struct PublishRequest {
    std::string channel;
    std::string event = "message";
    std::optional<std::string> id;
    bool ephemeral = false; // delivered live only (an id, if given, is not used)
    std::string key;        // what slow_consumer = "latest" keeps one of; "" = the channel
    std::string data_json; // compact JSON text of "data"
    std::string sse_data;  // the string when data is a JSON string, else data_json
};

struct PublishParseError {
    std::string field;   // e.g. "channel", "[3].data", "body"
    std::string message; // human readable, names the field
};

using PublishParseResult = std::variant<std::vector<PublishRequest>, PublishParseError>;

// Validates everything: JSON syntax, object shape, required "channel" and
// "data", channel/event/id syntax (channel.hpp), batch size 1..max_batch.
PublishParseResult parse_publish_body(std::string_view body, std::size_t max_batch = 1000);

// A WebSocket client's {"type":"publish","channel":..,"event":..,"data":..,"id":..},
// as parse_client_message parsed it (once), validated like a POST /publish
// item ("type" is allowed). The caller has checked the text's nesting
// (json_nesting_exceeds): "data" is dumped, and dump() recurses.
std::variant<PublishRequest, PublishParseError>
parse_publish_message(const nlohmann::json& message);

} // namespace herald
