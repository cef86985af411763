#include "herald/broker/redis/presence_wire.hpp"

#include "herald/auth/claims.hpp"
#include "herald/broker/redis/command.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace herald::redis::presence_wire {
namespace {

using json = nlohmann::json;

// Bounds on what a message from Redis may make a node hold per entry.
constexpr std::size_t max_node_size = 64;
constexpr std::size_t max_user_size = 1024;

// KEYS[1] the node's hash, KEYS[2] the channel's node set; ARGV: node, user,
// connections, info, ttl ms, delta channel, delta.
constexpr std::string_view write_script = R"(
local t = redis.call('TIME')
local expiry = t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[5])
if ARGV[3] == '0' then
  redis.call('HDEL', KEYS[1], ARGV[2])
else
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3] .. ' ' .. ARGV[4])
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('ZADD', KEYS[2], expiry, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
)";

// KEYS[1] the node's hash, KEYS[2] the node set; ARGV: node, ttl ms.
constexpr std::string_view refresh_script = R"(
if redis.call('PEXPIRE', KEYS[1], ARGV[2]) == 1 then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
)";

// KEYS[1] the node set. The hashes are named after it, so they are not in
// KEYS; the hash tag keeps them in its slot.
constexpr std::string_view snapshot_script = R"(
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t[1] * 1000 + math.floor(t[2] / 1000))
local out = {}
for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = node
  out[#out + 1] = redis.call('HGETALL', KEYS[1] .. ':' .. node)
end
return out
)";

std::string set_key(std::string_view prefix, std::string_view channel) {
    std::string key(prefix);
    key.append("#presence:{").append(channel).append("}");
    return key;
}

std::string hash_key(std::string_view prefix, std::string_view channel, std::string_view node) {
    return set_key(prefix, channel).append(":").append(node);
}

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Info as a node writes it: compact JSON of an object, within the claim's
// limit (auth::check_claims' rule), or empty. Whatever else Redis holds is refused.
std::optional<std::string> checked_info(const json* info) {
    if (!info || info->is_null())
        return std::string();
    if (!info->is_object())
        return std::nullopt;
    auto compact = dump(*info);
    if (compact.size() > auth::max_info_size)
        return std::nullopt;
    return compact;
}

bool valid_name(const json& value, std::size_t max) {
    return value.is_string() && !value.get_ref<const std::string&>().empty() &&
           value.get_ref<const std::string&>().size() <= max;
}

} // namespace

std::string delta_name(std::string_view channel) {
    return std::string("#presence:").append(channel);
}

std::optional<std::string> channel_of(std::string_view name) {
    constexpr std::string_view head = "#presence:";
    if (!name.starts_with(head) || name.size() == head.size())
        return std::nullopt;
    return std::string(name.substr(head.size()));
}

std::string encode_heartbeat(const Heartbeat& heartbeat) {
    return dump(json{{"node", heartbeat.node}});
}

std::string encode_delta(const Presence::Entry& entry) {
    json out{{"node", entry.node}, {"user", entry.user}, {"connections", entry.connections}};
    if (!entry.info.empty())
        out["info"] = json::parse(entry.info, nullptr, false);
    return dump(out);
}

std::variant<Heartbeat, Bad> parse_heartbeat(std::string_view payload) {
    auto parsed = json::parse(payload, nullptr, false);
    if (!parsed.is_object())
        return Bad{"presence heartbeat: not a JSON object"};
    auto node = parsed.find("node");
    if (node == parsed.end() || !valid_name(*node, max_node_size))
        return Bad{"presence heartbeat: node: must be a string of 1 to 64 bytes"};
    return Heartbeat{node->get<std::string>()};
}

std::variant<Presence::Entry, Bad> parse_delta(std::string_view channel, std::string_view payload) {
    auto parsed = json::parse(payload, nullptr, false);
    if (!parsed.is_object())
        return Bad{"presence delta: not a JSON object"};
    auto node = parsed.find("node");
    auto user = parsed.find("user");
    auto connections = parsed.find("connections");
    if (node == parsed.end() || !valid_name(*node, max_node_size))
        return Bad{"presence delta: node: must be a string of 1 to 64 bytes"};
    if (user == parsed.end() || !valid_name(*user, max_user_size))
        return Bad{"presence delta: user: must be a string of 1 to 1024 bytes"};
    if (connections == parsed.end() || !connections->is_number_unsigned())
        return Bad{"presence delta: connections: must be a whole number"};
    auto info_it = parsed.find("info");
    auto info = checked_info(info_it == parsed.end() ? nullptr : &*info_it);
    if (!info)
        return Bad{"presence delta: info: must be a JSON object of at most 1024 bytes"};
    return Presence::Entry{node->get<std::string>(), std::string(channel), user->get<std::string>(),
                           connections->get<std::uint64_t>(), std::move(*info)};
}

std::variant<std::vector<Presence::Entry>, Bad> parse_snapshot(std::string_view channel,
                                                               const Reply& reply) {
    if (reply.type == Reply::Type::error)
        return Bad{"presence snapshot: " + reply.str};
    if (reply.type != Reply::Type::array || reply.elements.size() % 2 != 0)
        return Bad{"presence snapshot: not a list of nodes and their hashes"};
    std::vector<Presence::Entry> entries;
    for (std::size_t i = 0; i < reply.elements.size(); i += 2) {
        const auto& node = reply.elements[i];
        const auto& hash = reply.elements[i + 1];
        if (node.type != Reply::Type::string || node.str.empty() || node.str.size() > max_node_size)
            return Bad{"presence snapshot: bad node id"};
        if (hash.type != Reply::Type::array || hash.elements.size() % 2 != 0)
            return Bad{"presence snapshot: bad hash of node " + node.str};
        for (std::size_t j = 0; j < hash.elements.size(); j += 2) {
            const auto& user = hash.elements[j];
            const auto& value = hash.elements[j + 1];
            if (user.type != Reply::Type::string || user.str.empty() ||
                user.str.size() > max_user_size || value.type != Reply::Type::string)
                return Bad{"presence snapshot: bad entry of node " + node.str};
            // "<connections> <info>"
            const auto space = value.str.find(' ');
            std::uint64_t connections = 0;
            const char* end = value.str.data() + std::min(space, value.str.size());
            auto [ptr, ec] = std::from_chars(value.str.data(), end, connections);
            if (ec != std::errc() || ptr != end || connections == 0 || space == std::string::npos)
                return Bad{"presence snapshot: bad count of user " + user.str};
            std::optional<std::string> info = std::string();
            if (space + 1 < value.str.size()) {
                auto parsed =
                    json::parse(std::string_view(value.str).substr(space + 1), nullptr, false);
                info = parsed.is_discarded() ? std::nullopt : checked_info(&parsed);
            }
            if (!info)
                return Bad{"presence snapshot: bad info of user " + user.str};
            entries.push_back({node.str, std::string(channel), user.str, connections, std::move(*info)});
        }
    }
    return entries;
}

std::string write_command(std::string_view prefix, const Presence::Entry& entry, Millis ttl) {
    const auto count = std::to_string(entry.connections);
    const auto ttl_ms = std::to_string(ttl.count());
    const auto channel = std::string(prefix) + delta_name(entry.channel);
    return format_command({"EVAL", write_script, "2", hash_key(prefix, entry.channel, entry.node),
                           set_key(prefix, entry.channel), entry.node, entry.user, count,
                           entry.info, ttl_ms, channel, encode_delta(entry)});
}

std::string refresh_command(std::string_view prefix, std::string_view channel,
                            std::string_view node, Millis ttl) {
    return format_command({"EVAL", refresh_script, "2", hash_key(prefix, channel, node),
                           set_key(prefix, channel), node, std::to_string(ttl.count())});
}

std::string snapshot_command(std::string_view prefix, std::string_view channel) {
    return format_command({"EVAL", snapshot_script, "1", set_key(prefix, channel)});
}

std::string heartbeat_command(std::string_view prefix, const Heartbeat& heartbeat) {
    return format_command(
        {"PUBLISH", std::string(prefix).append(nodes_name), encode_heartbeat(heartbeat)});
}

} // namespace herald::redis::presence_wire
