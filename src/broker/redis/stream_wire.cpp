#include "herald/broker/redis/stream_wire.hpp"

#include "herald/broker/redis/command.hpp"

#include <charconv>

namespace herald::redis::stream_wire {
namespace {

bool parse_u64(std::string_view text, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

} // namespace

// The envelope check refuses what herald could not deliver with an id anyway
// (a bare value, an empty object) before anything is stored. The "sid" goes
// in front, so that the rest of the application's JSON is published as
// written (no decode and re-encode, which would change numbers). The two
// functions differ only in how they publish: a Redis Cluster's sharded
// subscribers hear SPUBLISH alone.
const std::string_view library = R"(#!lua name=herald
local function store(keys, args, publish)
  local message = args[4]
  if not string.find(message, '^%s*{') or string.find(message, '^%s*{%s*}%s*$') then
    return redis.error_reply('herald_publish: the message must be a JSON object with an event')
  end
  local id = redis.call('XADD', keys[1], 'MAXLEN', '~', args[2], '*', 'm', message)
  redis.call('PEXPIRE', keys[1], args[3])
  local rest = string.sub(message, string.find(message, '{', 1, true) + 1)
  redis.call(publish, args[1], '{"sid":"' .. id .. '",' .. rest)
  return id
end
redis.register_function('herald_publish', function(keys, args)
  return store(keys, args, 'PUBLISH')
end)
redis.register_function('herald_spublish', function(keys, args)
  return store(keys, args, 'SPUBLISH')
end)
)";

std::optional<StreamId> parse_id(std::string_view text) {
    auto dash = text.find('-');
    StreamId id;
    if (dash == std::string_view::npos || !parse_u64(text.substr(0, dash), id.ms) ||
        !parse_u64(text.substr(dash + 1), id.seq))
        return std::nullopt;
    return id;
}

std::string to_string(StreamId id) {
    return std::to_string(id.ms) + "-" + std::to_string(id.seq);
}

std::string history_key(std::string_view prefix, std::string_view channel) {
    std::string key(prefix);
    key += "#history{";
    key += prefix;
    key += channel;
    key += '}';
    return key;
}

std::string load_command() {
    return format_command({"FUNCTION", "LOAD", "REPLACE", library});
}

Argv publish_command(std::string_view prefix, std::string_view channel, std::size_t maxlen,
                     Millis ttl, std::string_view envelope, PubSub pubsub) {
    return {"FCALL",
            pubsub == PubSub::sharded ? "herald_spublish" : "herald_publish",
            "1",
            history_key(prefix, channel),
            std::string(prefix) + std::string(channel),
            std::to_string(maxlen),
            std::to_string(std::max<long long>(ttl.count(), 1)),
            std::string(envelope)};
}

Argv range_command(std::string_view prefix, std::string_view channel, StreamId after,
                   std::size_t count) {
    return {"XRANGE", history_key(prefix, channel), "(" + to_string(after), "+", "COUNT",
            std::to_string(count)};
}

Argv recent_command(std::string_view prefix, std::string_view channel, std::size_t count) {
    return {"XREVRANGE", history_key(prefix, channel), "+", "-", "COUNT", std::to_string(count)};
}

Argv info_command(std::string_view prefix, std::string_view channel) {
    return {"XINFO", "STREAM", history_key(prefix, channel)};
}

Argv trim_command(std::string_view prefix, std::string_view channel, StreamId last) {
    return {"XTRIM", history_key(prefix, channel), "MINID",
            to_string(StreamId{last.ms, last.seq + 1})};
}

std::size_t read_count(std::size_t history_size) {
    return history_size + 200;
}

std::variant<std::vector<Entry>, Bad> parse_entries(const Reply& reply) {
    if (reply.type == Reply::Type::error)
        return Bad{"Redis: " + reply.str};
    if (reply.type != Reply::Type::array)
        return Bad{"a stream range is not an array"};
    std::vector<Entry> entries;
    entries.reserve(reply.elements.size());
    for (const auto& e : reply.elements) {
        if (e.type != Reply::Type::array || e.elements.size() != 2 ||
            e.elements[1].type != Reply::Type::array)
            return Bad{"a stream entry is not [id, fields]"};
        auto id = parse_id(e.elements[0].str);
        if (!id)
            return Bad{"a stream entry id is not <ms>-<seq>"};
        // Entries herald did not write (no "m") are skipped, not fatal: the
        // stream is under the application's control too.
        const auto& fields = e.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
            if (fields[i].str == "m") {
                entries.push_back({*id, fields[i + 1].str});
                break;
            }
    }
    return entries;
}

std::variant<Info, Bad> parse_info(const Reply& reply) {
    if (reply.type == Reply::Type::error)
        return reply.str.find("no such key") != std::string::npos
                   ? std::variant<Info, Bad>(Info{})
                   : Bad{"Redis: " + reply.str};
    if (reply.type != Reply::Type::array || reply.elements.size() % 2 != 0)
        return Bad{"XINFO STREAM is not a list of fields"};
    Info info;
    info.exists = true;
    // Redis 7 has them all; without max-deleted-entry-id and entries-added
    // (Redis 6) a trim would go unnoticed, so that is refused.
    int found = 0;
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
        const auto& name = reply.elements[i].str;
        const auto& value = reply.elements[i + 1];
        StreamId* id = name == "last-generated-id"         ? &info.last
                       : name == "max-deleted-entry-id"    ? &info.max_deleted
                       : name == "recorded-first-entry-id" ? &info.first
                                                           : nullptr;
        std::uint64_t* count = name == "length"          ? &info.length
                               : name == "entries-added" ? &info.added
                                                         : nullptr;
        if (id) {
            auto parsed = parse_id(value.str);
            if (!parsed)
                return Bad{"XINFO STREAM " + name + " is not <ms>-<seq>"};
            *id = *parsed;
            ++found;
        } else if (count) {
            if (value.type != Reply::Type::integer || value.integer < 0)
                return Bad{"XINFO STREAM " + name + " is not a count"};
            *count = static_cast<std::uint64_t>(value.integer);
            ++found;
        }
    }
    if (found != 5)
        return Bad{"XINFO STREAM lacks length, entries-added, last-generated-id, "
                   "max-deleted-entry-id or recorded-first-entry-id (Redis 7 or later needed)"};
    return info;
}

bool lost_from(const Info& info, StreamId from) {
    if (!info.exists)
        return false;
    if (info.max_deleted >= from)
        return true;
    if (info.added <= info.length)
        return false; // nothing was ever deleted
    if (info.length == 0)
        return info.last >= from;
    return info.first > from;
}

} // namespace herald::redis::stream_wire
