// WebSocket client messages ({"type":"subscribe","channel":...} and friends).
//
// Invariants: an accepted message has a valid channel (none for ping) and
// its canonical JSON parses back into the same message (for publish: the
// same channel, event, id and data); every reply herald would send (error,
// subscribed, unsubscribed, published) is valid UTF-8 JSON, as a text frame
// must be, and carries the text it was given.
#include "fuzz_check.hpp"
#include "herald/hub/channel.hpp"
#include "herald/hub/presence.hpp"
#include "herald/ws/client_message.hpp"
#include "herald/wire/utf8.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using herald::ClientMessage;

json reply(const std::string& text) {
    FUZZ_CHECK(herald::is_valid_utf8(text));
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(value.is_object());
    return value;
}

const char* type_name(ClientMessage::Type type) {
    switch (type) {
    case ClientMessage::Type::subscribe:
        return "subscribe";
    case ClientMessage::Type::unsubscribe:
        return "unsubscribe";
    case ClientMessage::Type::ping:
        return "ping";
    case ClientMessage::Type::publish:
        return "publish";
    case ClientMessage::Type::presence:
        return "presence";
    case ClientMessage::Type::send:
        return "send";
    }
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(bytes), size);
    const auto parsed = herald::parse_client_message(text);

    if (const auto* error = std::get_if<herald::ClientMessageError>(&parsed)) {
        FUZZ_CHECK(!error->message.empty());
        const json sent = reply(herald::make_error_message(error->message, "bad_message"));
        FUZZ_CHECK(sent["type"] == "error" && sent["code"] == "bad_message");
        FUZZ_CHECK(sent["message"] == error->message);
        if (!error->ref.empty()) {
            const json with_ref = reply(
                herald::make_send_error_message(error->ref, error->message, "bad_message"));
            FUZZ_CHECK(with_ref["ref"] == error->ref && with_ref["message"] == error->message);
        }
        return 0;
    }

    const auto& message = std::get<ClientMessage>(parsed);
    if (message.type == ClientMessage::Type::ping) {
        FUZZ_CHECK(message.channel.empty());
        FUZZ_CHECK(reply(herald::make_pong_message())["type"] == "pong");
    } else if (message.type == ClientMessage::Type::publish) {
        FUZZ_CHECK(message.publish.has_value());
        FUZZ_CHECK(herald::is_valid_channel(message.channel));
        FUZZ_CHECK(message.publish->channel == message.channel);
        // data_json is what subscribers get: it must itself be JSON.
        FUZZ_CHECK(json::accept(message.publish->data_json));
        const std::string id = message.publish->id.value_or("generated-id");
        const json ack = reply(herald::make_published_message(message.channel, id));
        FUZZ_CHECK(ack["type"] == "published");
        FUZZ_CHECK(ack["channel"] == message.channel && ack["id"] == id);
    } else if (message.type == ClientMessage::Type::presence) {
        FUZZ_CHECK(!message.publish.has_value());
        FUZZ_CHECK(herald::is_valid_channel(message.channel));
        // The answer quotes the channel back: it must stay valid JSON.
        const json answer = reply(herald::Presence().answer(message.channel));
        FUZZ_CHECK(answer["type"] == "presence" && answer["channel"] == message.channel);
        FUZZ_CHECK(answer["members"].is_array());
    } else if (message.type == ClientMessage::Type::send) {
        FUZZ_CHECK(herald::is_valid_channel(message.channel));
        FUZZ_CHECK(message.ref.size() <= 64);
        // data_json goes into the stream or the POST body as is: it must be JSON.
        FUZZ_CHECK(json::accept(message.data_json));
        FUZZ_CHECK(reply(herald::make_sent_message(message.ref))["ref"] == message.ref);
    } else {
        FUZZ_CHECK(!message.publish.has_value());
        FUZZ_CHECK(herald::is_valid_channel(message.channel));
        const bool subscribe = message.type == ClientMessage::Type::subscribe;
        const json ack = reply(subscribe ? herald::make_subscribed_message(message.channel)
                                         : herald::make_unsubscribed_message(message.channel));
        FUZZ_CHECK(ack["type"] == (subscribe ? "subscribed" : "unsubscribed"));
        FUZZ_CHECK(ack["channel"] == message.channel);
    }

    // Re-encoding is stable: the canonical form parses into the same message.
    json canonical = {{"type", type_name(message.type)}};
    if (!message.channel.empty())
        canonical["channel"] = message.channel;
    if (message.publish) {
        canonical["event"] = message.publish->event;
        canonical["data"] = json::parse(message.publish->data_json);
        if (message.publish->id)
            canonical["id"] = *message.publish->id;
    }
    if (message.type == ClientMessage::Type::send) {
        canonical["data"] = json::parse(message.data_json);
        canonical["ref"] = message.ref;
    }
    const auto again = herald::parse_client_message(canonical.dump());
    const auto* same = std::get_if<ClientMessage>(&again);
    FUZZ_CHECK(same != nullptr);
    FUZZ_CHECK(same->type == message.type && same->channel == message.channel);
    FUZZ_CHECK(same->publish.has_value() == message.publish.has_value());
    FUZZ_CHECK(same->data_json == message.data_json && same->ref == message.ref);
    if (message.publish) {
        FUZZ_CHECK(same->publish->channel == message.publish->channel);
        FUZZ_CHECK(same->publish->event == message.publish->event);
        FUZZ_CHECK(same->publish->id == message.publish->id);
        FUZZ_CHECK(same->publish->data_json == message.publish->data_json);
        FUZZ_CHECK(same->publish->sse_data == message.publish->sse_data);
    }
    return 0;
}
