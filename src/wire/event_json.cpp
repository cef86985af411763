#include "herald/wire/event_json.hpp"

#include "herald/wire/json.hpp"

namespace herald {

std::string encode_event_json(std::string_view channel, std::string_view name, std::string_view id,
                              std::string_view data_json, std::string_view from) {
    // Concatenated rather than built as a json object, which would sort the
    // keys and need data_json parsed.
    std::string payload;
    payload.reserve(channel.size() + name.size() + id.size() + from.size() + data_json.size() + 56);
    payload.append(R"({"channel":)").append(json_quote(channel));
    payload.append(R"(,"event":)").append(json_quote(name));
    if (!id.empty())
        payload.append(R"(,"id":)").append(json_quote(id));
    if (!from.empty())
        payload.append(R"(,"from":)").append(json_quote(from));
    payload.append(R"(,"data":)").append(data_json);
    payload.push_back('}');
    return payload;
}

std::string encode_from_envelope(std::string_view from, std::string_view data_json) {
    std::string out = R"({"from":)" + json_quote(from);
    out.append(R"(,"data":)").append(data_json).push_back('}');
    return out;
}

} // namespace herald
