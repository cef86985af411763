#pragma once
// How shared history looks in Redis (history_backend = "redis"), sans-io:
// the key of a channel's stream, the function that stores and publishes an
// event in one step, the reads, and the parsers of what comes back. The
// decisions made from the reads are StreamResume's and GapFill's.
//
// For a herald channel C published on the Redis channel P = <prefix>C, the
// stream is <prefix>#history{P}: '#' never occurs in a channel name, and the
// hash tag {P} puts the stream in P's Cluster slot, where SPUBLISH P goes.
// Each entry holds the envelope as published (field "m"); its stream id
// orders it. The Redis function herald_publish (library "herald", loaded by
// every node at connect, on every master of a cluster) XADDs the entry,
// capped by MAXLEN ~ history_size, refreshes the stream's expiry to
// history_ttl, and PUBLISHes the envelope with the entry's id added as
// "sid", so that live receivers know where the event sits in the stream;
// herald_spublish does the same with SPUBLISH, for a cluster's sharded
// pub/sub. Applications may call them too (README).
#include "herald/broker/redis/reply_reader.hpp"

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::redis::stream_wire {

// A stream entry id, "<ms>-<seq>": ms is Redis' clock when it was added.
struct StreamId {
    std::uint64_t ms = 0;
    std::uint64_t seq = 0;
    auto operator<=>(const StreamId&) const = default;
};
std::optional<StreamId> parse_id(std::string_view text);
std::string to_string(StreamId id);

std::string history_key(std::string_view prefix, std::string_view channel);

// The Lua library, and the command that (re)loads it.
extern const std::string_view library;
std::string load_command();

using Millis = std::chrono::milliseconds;
using Argv = std::vector<std::string>;
// PUBLISH (a single Redis, Sentinel) or SPUBLISH (a Redis Cluster).
enum class PubSub { classic, sharded };
// FCALL herald_publish (or herald_spublish) 1 <stream> <pubsub channel>
// <maxlen> <ttl ms> <envelope>; the reply is the new entry's id.
Argv publish_command(std::string_view prefix, std::string_view channel, std::size_t maxlen,
                     Millis ttl, std::string_view envelope, PubSub pubsub = PubSub::classic);

// At most `count` entries after `after`, oldest first (a gap to fill).
Argv range_command(std::string_view prefix, std::string_view channel, StreamId after,
                   std::size_t count);
// The newest `count` entries, newest first (a resume, the latest event).
Argv recent_command(std::string_view prefix, std::string_view channel, std::size_t count);
// XINFO STREAM: whether it exists, and the newest id trimmed away.
Argv info_command(std::string_view prefix, std::string_view channel);
// Drops every entry up to `last` included.
Argv trim_command(std::string_view prefix, std::string_view channel, StreamId last);
// How many entries a read asks for to see `history_size` of them: MAXLEN ~
// trims whole stream nodes (100 entries by default), so a stream may hold
// that many more than history_size.
std::size_t read_count(std::size_t history_size);

struct Entry {
    StreamId id;
    std::string message; // the envelope as published
};
struct Info {
    bool exists = false;
    StreamId last;        // last-generated-id
    StreamId max_deleted; // max-deleted-entry-id: the newest XDEL'd (trimming leaves it)
    StreamId first;       // recorded-first-entry-id: the oldest entry held
    std::uint64_t length = 0;
    std::uint64_t added = 0; // entries-added: every entry ever added
};
// Whether an entry at or after `from` may have been deleted (XDEL, or
// trimmed by MAXLEN): then a reader that has not seen it missed it. Trimming
// records no id, only that the stream holds fewer entries than were added,
// all older than `first`; so when `first` is after `from`, the answer is yes.
bool lost_from(const Info& info, StreamId from);
struct Bad {
    std::string reason;
};
// An XRANGE / XREVRANGE reply.
std::variant<std::vector<Entry>, Bad> parse_entries(const Reply& reply);
// An XINFO STREAM reply ("no such key" is a stream that does not exist).
std::variant<Info, Bad> parse_info(const Reply& reply);

} // namespace herald::redis::stream_wire
