#include "herald/hub/event.hpp"

#include "herald/wire/control_json.hpp"
#include "herald/wire/event_json.hpp"
#include "herald/wire/json.hpp"
#include "herald/wire/sse_encoder.hpp"
#include "herald/wire/ws_deflater.hpp"
#include "herald/wire/ws_frame.hpp"

namespace herald {

std::shared_ptr<Event> make_event(std::string channel, std::string name, std::string id,
                                  std::string data_json, std::string_view sse_data) {
    return make_event(Publication{std::move(channel), std::move(name), std::move(id),
                                  std::move(data_json), std::string(sse_data), false, ""});
}

const std::string& Event::client_sse() const {
    std::call_once(client_sse_once_, [this] {
        client_sse_ = sse::encode_event(id, {}, ws::frame_payload(ws_frame));
    });
    return client_sse_;
}

const std::string& Event::ws_deflate_frame(bool* built) const {
    std::call_once(ws_deflate_once_, [&] {
        const auto payload = ws::frame_payload(ws_frame);
        // Below this a deflate block's own overhead eats the gain
        // (README "Compression").
        if (payload.size() < ws::deflate_min_payload)
            return;
        auto frame = ws::encode_deflated_text_frame(payload);
        if (frame.size() < ws_frame.size())
            ws_deflate_frame_ = std::move(frame);
        if (built)
            *built = true;
    });
    return ws_deflate_frame_.empty() ? ws_frame : ws_deflate_frame_;
}

std::size_t latest_key_hash(std::string_view channel, std::string_view key) {
    // The key's hash mixed in as boost::hash_combine does.
    const auto c = std::hash<std::string_view>{}(channel);
    return c ^ (std::hash<std::string_view>{}(key) + 0x9e3779b9 + (c << 6) + (c >> 2));
}

std::shared_ptr<Event> make_reset_notice(std::string channel, std::string_view reason,
                                         std::size_t dropped) {
    auto event = std::make_shared<Event>();
    event->data_json = R"({"reason":)" + json_quote(reason);
    if (dropped > 0)
        event->data_json += R"(,"dropped":)" + std::to_string(dropped);
    event->data_json += "}";
    event->sse = sse::encode_event({}, "reset", event->data_json);
    event->ws_frame =
        ws::encode_frame(ws::Opcode::text, encode_reset_json(reason, channel, dropped));
    event->channel = std::move(channel);
    event->name = "reset";
    event->ephemeral = true;
    event->reset_notice = true;
    event->published_at = std::chrono::steady_clock::now();
    return event;
}

std::shared_ptr<Event> make_event(Publication p) {
    auto event = std::make_shared<Event>();
    event->sse = sse::encode_event(p.id, p.name,
                                   p.from.empty() ? p.sse_data
                                                  : encode_from_envelope(p.from, p.data_json));
    event->ws_frame = ws::encode_frame(
        ws::Opcode::text, encode_event_json(p.channel, p.name, p.id, p.data_json, p.from));
    event->channel = std::move(p.channel);
    event->name = std::move(p.name);
    event->id = std::move(p.id);
    event->data_json = std::move(p.data_json);
    event->ephemeral = p.ephemeral;
    event->from = std::move(p.from);
    event->key = std::move(p.key);
    event->published_at = std::chrono::steady_clock::now();
    return event;
}

} // namespace herald
