#include "herald/broker/redis/admin_wire.hpp"

#include "herald/hub/channel.hpp"
#include "herald/wire/json.hpp"

#include <nlohmann/json.hpp>

namespace herald::redis::admin_wire {

namespace {

using json = nlohmann::json;
constexpr auto json_replace = json::error_handler_t::replace;
// Bounds on what one message may hold, far above what herald sends, so that
// a hostile message cannot make a node hold or answer without limit.
constexpr std::size_t max_text = 1024;
constexpr std::size_t max_list = 100'000;

std::optional<admin::Action> action_of(std::string_view name) {
    for (auto a : {admin::Action::channels, admin::Action::connections, admin::Action::disconnect,
                   admin::Action::unsubscribe})
        if (name == admin::action_name(a))
            return a;
    return std::nullopt;
}

// The string member `name` of `object`, if it is one and not too long.
bool text(const json& object, const char* name, std::string& out, bool required = true) {
    auto it = object.find(name);
    if (it == object.end())
        return !required;
    if (!it->is_string() || it->get_ref<const std::string&>().size() > max_text)
        return false;
    out = it->get<std::string>();
    return true;
}

bool id_of(const json& object, std::uint64_t& out) {
    auto it = object.find("id");
    if (it == object.end() || !it->is_number_unsigned())
        return false;
    out = it->get<std::uint64_t>();
    return true;
}

std::variant<json, Bad> parse_object(std::string_view payload) {
    if (json_nesting_exceeds(payload, 8))
        return Bad{"admin message nested too deeply"};
    auto value = json::parse(payload, nullptr, false);
    if (!value.is_object())
        return Bad{"admin message is no JSON object"};
    return value;
}

} // namespace

std::string reply_name(std::string_view node) {
    return std::string(request_name).append(":").append(node);
}

std::string encode_request(const Envelope& e) {
    const auto& r = e.request;
    json body{{"id", e.id},
              {"reply", e.reply},
              {"action", admin::action_name(r.action)},
              {"user", r.user},
              {"channel", r.channel},
              {"reason", r.reason},
              {"pattern", r.pattern},
              {"cursor", r.cursor},
              {"limit", r.limit}};
    return body.dump(-1, ' ', false, json_replace);
}

std::variant<Envelope, Bad> parse_request(std::string_view payload) {
    auto parsed = parse_object(payload);
    if (auto* bad = std::get_if<Bad>(&parsed))
        return *bad;
    const auto& o = std::get<json>(parsed);
    Envelope e;
    std::string action;
    if (!id_of(o, e.id))
        return Bad{"admin request without a numeric id"};
    if (!text(o, "reply", e.reply) || !e.reply.starts_with(request_name))
        return Bad{"admin request without a reply channel"};
    if (!text(o, "action", action) || !action_of(action))
        return Bad{"admin request with an unknown action"};
    e.request.action = *action_of(action);
    auto& r = e.request;
    if (!text(o, "user", r.user, false) || !text(o, "channel", r.channel, false) ||
        !text(o, "reason", r.reason, false) || !text(o, "pattern", r.pattern, false) ||
        !text(o, "cursor", r.cursor, false))
        return Bad{"admin request with a field that is no string (or too long)"};
    auto limit = o.find("limit");
    if (limit != o.end()) {
        if (!limit->is_number_unsigned() || limit->get<std::uint64_t>() == 0 ||
            limit->get<std::uint64_t>() > admin::max_limit)
            return Bad{"admin request with a bad limit"};
        r.limit = limit->get<std::size_t>();
    }
    bool needs_user = r.action != admin::Action::channels;
    if (needs_user && r.user.empty())
        return Bad{"admin request without a user"};
    if (r.action == admin::Action::unsubscribe && !is_valid_channel(r.channel))
        return Bad{"admin unsubscribe without a valid channel"};
    if (r.reason.empty())
        r.reason = admin::default_reason;
    return e;
}

std::string encode_report(std::uint64_t id, const admin::Report& report) {
    auto connections = json::array();
    for (const auto& c : report.connections)
        connections.push_back({{"transport", c.transport},
                               {"channels", c.channels},
                               {"since", c.since},
                               {"address", c.address}});
    auto channels = json::array();
    for (const auto& c : report.channels)
        channels.push_back({c.channel, c.sse, c.ws, c.poll});
    json body{{"id", id},
              {"node", report.node},
              {"count", report.count},
              {"connections", std::move(connections)},
              {"channels", std::move(channels)}};
    return body.dump(-1, ' ', false, json_replace);
}

std::variant<ReportEnvelope, Bad> parse_report(std::string_view payload) {
    auto parsed = parse_object(payload);
    if (auto* bad = std::get_if<Bad>(&parsed))
        return *bad;
    const auto& o = std::get<json>(parsed);
    ReportEnvelope e;
    auto& r = e.report;
    if (!id_of(o, e.id))
        return Bad{"admin report without a numeric id"};
    if (!text(o, "node", r.node) || r.node.empty())
        return Bad{"admin report without a node"};
    auto count = o.find("count");
    if (count == o.end() || !count->is_number_unsigned())
        return Bad{"admin report without a count"};
    r.count = count->get<std::uint64_t>();
    auto connections = o.find("connections");
    auto channels = o.find("channels");
    if (connections == o.end() || !connections->is_array() || connections->size() > max_list ||
        channels == o.end() || !channels->is_array() || channels->size() > max_list)
        return Bad{"admin report without its lists"};
    for (const auto& c : *connections) {
        admin::ConnectionInfo info;
        info.node = r.node;
        if (!c.is_object() || !text(c, "transport", info.transport) ||
            !text(c, "since", info.since) || !text(c, "address", info.address))
            return Bad{"admin report with a bad connection"};
        auto names = c.find("channels");
        if (names == c.end() || !names->is_array())
            return Bad{"admin report with a bad connection"};
        for (const auto& name : *names) {
            if (!name.is_string() || !is_valid_channel(name.get_ref<const std::string&>()))
                return Bad{"admin report with a bad channel name"};
            info.channels.push_back(name.get<std::string>());
        }
        r.connections.push_back(std::move(info));
    }
    for (const auto& c : *channels) {
        if (!c.is_array() || c.size() != 4 || !c[0].is_string() ||
            !is_valid_channel(c[0].get_ref<const std::string&>()) ||
            !c[1].is_number_unsigned() || !c[2].is_number_unsigned() ||
            !c[3].is_number_unsigned())
            return Bad{"admin report with a bad channel count"};
        r.channels.push_back({c[0].get<std::string>(), c[1].get<std::uint64_t>(),
                              c[2].get<std::uint64_t>(), c[3].get<std::uint64_t>()});
    }
    return e;
}

} // namespace herald::redis::admin_wire
