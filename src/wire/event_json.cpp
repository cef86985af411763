#include "herald/wire/event_json.hpp"

#include "herald/wire/json.hpp"

namespace herald {

std::string encode_event_json(std::string_view channel, std::string_view name, std::string_view id,
                              std::string_view data_json) {
    // Concatenated rather than built as a json object, which would sort the
    // keys and need data_json parsed.
    std::string payload;
    payload.reserve(channel.size() + name.size() + id.size() + data_json.size() + 48);
    payload.append(R"({"channel":)").append(json_quote(channel));
    payload.append(R"(,"event":)").append(json_quote(name));
    payload.append(R"(,"id":)").append(json_quote(id));
    payload.append(R"(,"data":)").append(data_json);
    payload.push_back('}');
    return payload;
}

} // namespace herald
