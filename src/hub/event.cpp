#include "herald/hub/event.hpp"

#include "herald/wire/json.hpp"
#include "herald/wire/sse_encoder.hpp"
#include "herald/wire/ws_frame.hpp"

namespace herald {

std::shared_ptr<Event> make_event(std::string channel, std::string name, std::string id,
                                  std::string data_json, std::string_view sse_data) {
    auto event = std::make_shared<Event>();
    // Encode before moving anything into the event, in case sse_data views one
    // of the caller's strings.
    event->sse = sse::encode_event(id, name, sse_data);

    // Concatenated rather than built as a json object: data_json is already JSON
    // and reparsing every published payload would be wasted work.
    std::string payload;
    payload.reserve(channel.size() + name.size() + id.size() + data_json.size() + 48);
    payload.append(R"({"channel":)").append(json_quote(channel));
    payload.append(R"(,"event":)").append(json_quote(name));
    payload.append(R"(,"id":)").append(json_quote(id));
    payload.append(R"(,"data":)").append(data_json);
    payload.push_back('}');
    event->ws_frame = ws::encode_frame(ws::Opcode::text, payload);

    event->channel = std::move(channel);
    event->name = std::move(name);
    event->id = std::move(id);
    event->data_json = std::move(data_json);
    event->published_at = std::chrono::steady_clock::now();
    return event;
}

} // namespace herald
