#pragma once
// What a Redis Cluster says about its topology, parsed without I/O. Like a
// sentinel, a cluster node is just a server on the network (possibly in the
// middle of a resharding or a failover), so nothing it answers is trusted
// beyond its documented shape:
//
//   CLUSTER SLOTS  ->  [[first, last, [host, port, id, ...], [replica]...]...]
//   -MOVED <slot> <host>:<port>   the slot is that node's for good: refresh the map
//   -ASK <slot> <host>:<port>     this one command only: ASKING there, then retry
//
// key_slot() is the cluster's own hash, with the {hash tag} rule that lets a
// channel and its history stream share a slot (and so a node).
#include "herald/broker/redis/reply_reader.hpp"
#include "herald/broker/redis/sentinel_wire.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace herald::redis::cluster_wire {

using HostPort = sentinel_wire::HostPort;
using sentinel_wire::parse_host_port;
using sentinel_wire::to_string;

inline constexpr std::uint16_t slot_count = 16384;

// CRC16 (XMODEM) of the key modulo 16384; when the key holds a non-empty
// "{tag}" (the first '{' and the first '}' after it), of the tag only.
std::uint16_t key_slot(std::string_view key);

// The part of `key` that key_slot() hashes.
std::string_view hash_tag(std::string_view key);

// One range of CLUSTER SLOTS: slots first..last belong to `master`.
struct SlotRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    HostPort master;
    bool operator==(const SlotRange&) const = default;
};

// The reply to CLUSTER SLOTS, or why it is unusable. `asked` is the node
// that answered: Redis reports an empty host for a node whose address it
// does not know but which is reachable where the question went.
std::variant<std::vector<SlotRange>, std::string> parse_slots(const Reply& reply,
                                                              const HostPort& asked);

// Sharded pub/sub names its kinds with an 's' (smessage, ssubscribe,
// sunsubscribe) and is otherwise shaped like classic pub/sub: renamed in
// place, the reply goes through SubscriberRouter like the single-node
// bridge's. Returns the channel of a sunsubscribe: sent by Redis unasked
// when the channel's slot moved, and then its subscription is gone.
std::optional<std::string> as_classic_pubsub(Reply& reply);

// A -MOVED or -ASK error reply; nullopt for any other reply.
struct Redirect {
    enum class Kind { moved, ask };
    Kind kind = Kind::moved;
    std::uint16_t slot = 0;
    HostPort to;
    bool operator==(const Redirect&) const = default;
};
std::optional<Redirect> parse_redirect(const Reply& reply);

} // namespace herald::redis::cluster_wire
