#include "herald/hub/event.hpp"

#include "herald/wire/event_json.hpp"
#include "herald/wire/sse_encoder.hpp"
#include "herald/wire/ws_frame.hpp"

namespace herald {

std::shared_ptr<Event> make_event(std::string channel, std::string name, std::string id,
                                  std::string data_json, std::string_view sse_data) {
    auto event = std::make_shared<Event>();
    // Encode before moving anything into the event, in case sse_data views one
    // of the caller's strings.
    event->sse = sse::encode_event(id, name, sse_data);

    event->ws_frame =
        ws::encode_frame(ws::Opcode::text, encode_event_json(channel, name, id, data_json));

    event->channel = std::move(channel);
    event->name = std::move(name);
    event->id = std::move(id);
    event->data_json = std::move(data_json);
    event->published_at = std::chrono::steady_clock::now();
    return event;
}

std::shared_ptr<Event> make_event(Publication p) {
    return make_event(std::move(p.channel), std::move(p.name), std::move(p.id),
                      std::move(p.data_json), p.sse_data);
}

} // namespace herald
