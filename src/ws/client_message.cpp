#include "herald/ws/client_message.hpp"

#include "herald/hub/channel.hpp"
#include "herald/wire/json.hpp"
#include "herald/wire/ws_frame.hpp"

#include <exception>

#include <nlohmann/json.hpp>

namespace herald {
namespace {

using json = nlohmann::json;

// Client-supplied text quoted in an error (e.g. the unknown type) is cut to this.
constexpr std::size_t max_echoed_text = 64;
constexpr std::size_t max_ref_size = 64;

ClientMessageError error(std::string message) {
    return {std::move(message), {}};
}

// {"type":"send"}: upstream to the application. The ref is read first so
// that every later error can carry it back.
std::variant<ClientMessage, ClientMessageError> parse_send(const json& root,
                                                           std::string_view text) {
    ClientMessage message{};
    message.type = ClientMessage::Type::send;
    if (const auto ref = root.find("ref"); ref != root.end()) {
        if (!ref->is_string())
            return error("ref: must be a string");
        message.ref = ref->get<std::string>();
        if (message.ref.size() > max_ref_size)
            return error("ref: at most 64 bytes");
    }
    auto failed = [&](std::string why) { return ClientMessageError{std::move(why), message.ref}; };
    const auto channel = root.find("channel");
    if (channel == root.end() || !channel->is_string())
        return failed("channel: required, a string");
    message.channel = channel->get<std::string>();
    if (!is_valid_channel(message.channel))
        return failed("channel: invalid channel name (1-200 chars of A-Za-z0-9_-:.@/=)");
    const auto data = root.find("data");
    if (data == root.end())
        return failed("data: required");
    // dump() recurses: checked on the text, as for publish.
    if (json_nesting_exceeds(text))
        return failed("data: " + json_too_deep_message());
    message.data_json = data->dump();
    return message;
}

std::variant<ClientMessage, ClientMessageError> parse(std::string_view text) {
    // The parser is iterative and rejects invalid UTF-8, so arbitrary bytes are safe here.
    const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
        return error("invalid JSON");
    }
    if (!root.is_object()) {
        return error("message must be a JSON object");
    }
    const auto type = root.find("type");
    if (type == root.end()) {
        return error("type: required");
    }
    if (!type->is_string()) {
        return error("type: must be a string");
    }
    const auto& name = type->get_ref<const std::string&>();

    ClientMessage message{};
    if (name == "ping") {
        message.type = ClientMessage::Type::ping;
        return message;
    }
    if (name == "publish") {
        // Checked on the text, as POST /publish does: the data gets dumped,
        // and dump() recurses. Other types never dump, so deep extras are fine.
        if (json_nesting_exceeds(text))
            return error("data: " + json_too_deep_message());
        auto parsed = parse_publish_message(root);
        if (auto* failure = std::get_if<PublishParseError>(&parsed))
            return error(failure->message);
        message.type = ClientMessage::Type::publish;
        message.publish = std::move(std::get<PublishRequest>(parsed));
        message.channel = message.publish->channel;
        return message;
    }
    if (name == "send")
        return parse_send(root, text);
    if (name == "refresh") {
        // Its size and form are the verifier's to judge, as at the upgrade.
        const auto token = root.find("token");
        if (token == root.end() || !token->is_string())
            return error("token: required, a string");
        message.type = ClientMessage::Type::refresh;
        message.token = token->get<std::string>();
        return message;
    }
    if (name == "subscribe") {
        message.type = ClientMessage::Type::subscribe;
    } else if (name == "unsubscribe") {
        message.type = ClientMessage::Type::unsubscribe;
    } else if (name == "presence") {
        message.type = ClientMessage::Type::presence;
    } else {
        return error("unknown type '" + std::string(ws::utf8_prefix(name, max_echoed_text)) +
                     "' (expected subscribe, unsubscribe, publish, presence, send, refresh or ping)");
    }

    const auto channel = root.find("channel");
    if (channel == root.end()) {
        return error("channel: required");
    }
    if (!channel->is_string()) {
        return error("channel: must be a string");
    }
    message.channel = channel->get<std::string>();
    if (!is_valid_channel(message.channel)) {
        return error("channel: invalid channel name (1-200 chars of A-Za-z0-9_-:.@/=)");
    }
    return message;
}

} // namespace

std::variant<ClientMessage, ClientMessageError> parse_client_message(std::string_view text) {
    // Fuzzed input must yield an error message, never an exception.
    try {
        return parse(text);
    } catch (const std::exception&) {
        return error("invalid message");
    }
}

// Built by concatenation so that "type" comes first (nlohmann sorts object keys).
std::string make_error_message(std::string_view message, std::string_view code) {
    std::string out = R"({"type":"error","message":)" + json_quote(message);
    if (!code.empty()) {
        out += R"(,"code":)" + json_quote(code);
    }
    out += '}';
    return out;
}

std::string make_pong_message() {
    return R"({"type":"pong"})";
}

std::string make_subscribed_message(std::string_view channel, std::string_view position) {
    return R"({"type":"subscribed","channel":)" + json_quote(channel) +
           (position.empty() ? "" : R"(,"position":)" + json_quote(position)) + "}";
}

std::string make_published_message(std::string_view channel, std::string_view id) {
    // An ephemeral event has no id.
    return R"({"type":"published","channel":)" + json_quote(channel) +
           (id.empty() ? "" : R"(,"id":)" + json_quote(id)) + "}";
}

std::string make_publish_uncertain_message(std::string_view channel, std::string_view id,
                                           std::string_view message) {
    auto out = make_error_message(message, "uncertain");
    out.insert(out.size() - 1, R"(,"channel":)" + json_quote(channel) +
                                   (id.empty() ? "" : R"(,"id":)" + json_quote(id)));
    return out;
}

std::string make_sent_message(std::string_view ref) {
    return R"({"type":"sent","ref":)" + json_quote(ref) + "}";
}

std::string make_send_error_message(std::string_view ref, std::string_view message,
                                    std::string_view code) {
    // "reason" is the name issue 11 gives the text; "message" is the one every
    // other error uses. Both, so that neither kind of client is left out.
    auto out = make_error_message(message, code);
    out.insert(out.size() - 1, R"(,"ref":)" + json_quote(ref) + R"(,"reason":)" + json_quote(message));
    return out;
}

std::string make_unsubscribed_message(std::string_view channel, std::string_view reason) {
    auto out = R"({"type":"unsubscribed","channel":)" + json_quote(channel);
    if (!reason.empty())
        out += R"(,"reason":)" + json_quote(reason);
    return out + "}";
}

std::string make_refresh_message() {
    return R"({"type":"refresh"})";
}

std::string make_refreshed_message(std::int64_t exp) {
    return R"({"type":"refreshed","exp":)" + std::to_string(exp) + "}";
}

} // namespace herald
