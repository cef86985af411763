#pragma once
// Who is subscribed to the channels whose namespace has presence = true: per
// channel, per user, how many connections each node has, and the user's
// public info (the token's `info` claim, compact JSON). A user with several
// tabs, on one node or several, is one member. Owned by the hub thread;
// single-threaded and sans-io: callers turn its answers into events and I/O.
//
// Multi-node with Redis (designed here, not implemented yet): each node has a
// random id. For each channel where it has members it keeps its own hash
// P:<channel>:<node> (field user, value "<connections> <info>"), where P is
// <prefix>#presence ('#' is never in a channel name, so no clash with events),
// written on its own changes (HSET/HDEL) with PEXPIRE presence_ttl, and is
// listed in the sorted set P:<channel> scored by that expiry. Each change is
// also published as a delta (node, user, absolute count, info) on P:<channel>,
// which only nodes with subscribers to the channel listen to; they apply it
// with merge(). Counts are absolute, so a delta seen twice does no harm. A
// node reads a channel's whole set only once: when it gets the channel's first
// local subscriber, or after a reconnect (live nodes from the sorted set by
// score, then their hashes); after that it applies deltas, so a change costs
// O(1) in Redis and one message per interested node, whatever the channel's
// size. Every presence_ttl/3 a node re-PEXPIREs its hashes, re-scores its
// entries and publishes a heartbeat on P:nodes. A node not heard from for
// presence_ttl is dropped with drop_node(): each node sends the leaves to its
// own subscribers, so each subscriber gets one leave; the dead node's hashes
// expire in Redis by TTL and readers prune its sorted-set entries by score.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herald {

class Presence {
public:
    // A member joining (first connection anywhere) or leaving (last one gone).
    struct Change {
        enum class Kind : std::uint8_t { join, leave };
        Kind kind;
        std::string channel;
        std::string user;
        std::string info; // compact JSON object, or empty
        // The event name subscribers see: "join" or "leave".
        const char* event() const { return kind == Kind::join ? "join" : "leave"; }
    };

    struct Member {
        std::string user;
        std::uint64_t connections = 0; // over every node
        std::string info;              // from the user's latest join, or empty
    };

    // `local_node` names this node in merged views (its Redis id later).
    explicit Presence(std::string local_node = "local");

    // A local connection of `user` subscribed to `channel`; `info` is the
    // token's compact JSON info or empty. A join when the user had no
    // connection to the channel on any node. The user's info becomes `info`.
    std::optional<Change> add(const std::string& channel, const std::string& user,
                              const std::string& info);
    // A local connection went; a leave when it was the user's last on any
    // node. Removing what was never added changes nothing.
    std::optional<Change> remove(const std::string& channel, const std::string& user);

    // Another node says it has `connections` connections of `user` on
    // `channel` (0: none), as read from Redis. A join or leave when that
    // changes whether the user is a member. More connections than before
    // count as a join on that node: `info` becomes the user's info. The local
    // node's own entries are not changed this way (returns nullopt). Like
    // add()'s, `info` goes into answers as it is: whoever reads it from Redis
    // must check that it is a compact JSON object (auth::check_claims' rule).
    std::optional<Change> merge(const std::string& node, const std::string& channel,
                                const std::string& user, std::uint64_t connections,
                                const std::string& info);
    // Forgets every entry of `node` (it expired): the leaves of the users who
    // have no connection left on another node. Not for the local node.
    std::vector<Change> drop_node(const std::string& node);

    // The channel's members sorted by user; empty when it has none.
    std::vector<Member> members(const std::string& channel) const;
    // This node's own connections of `user` on `channel`, what it writes to Redis.
    std::uint64_t local_connections(const std::string& channel, const std::string& user) const;

    // For metrics: channels with at least one member, and members over all
    // channels (a user on two channels counts twice).
    std::size_t channels() const { return channels_.size(); }
    std::size_t member_count() const { return members_; }

    // {"type":"presence","channel":"room:1","members":[{"user":"42",
    // "connections":2,"info":{...}}]}, "info" left out for a user without.
    std::string answer(const std::string& channel) const;
    // A join or leave event's data: {"user":"42","info":{...}}, or {"user":"42"}.
    static std::string event_data(std::string_view user, std::string_view info);

private:
    // One node's connections of one user on one channel.
    struct NodeEntry {
        std::uint32_t node; // from node_ids_
        std::uint64_t connections;
        std::string info;
        std::uint64_t joined; // clock_ when its count last grew: latest wins
    };
    struct User {
        std::vector<NodeEntry> nodes; // usually one or two
        std::uint64_t connections = 0;
        const std::string& info() const;
    };
    using Channel = std::map<std::string, User, std::less<>>; // sorted: stable answers

    std::uint32_t node_index(const std::string& node);
    // Sets `node`'s count of `user` on `channel` and returns the transition.
    std::optional<Change> set(std::uint32_t node, const std::string& channel,
                              const std::string& user, std::uint64_t connections,
                              const std::string* info);

    std::unordered_map<std::string, std::uint32_t> node_ids_; // the local node is 0
    std::vector<std::uint32_t> free_nodes_;                   // slots of dropped nodes, for reuse
    // Per node, its users per channel, so that drop_node looks only there.
    std::vector<std::unordered_map<std::string, std::size_t>> node_channels_;
    std::unordered_map<std::string, Channel> channels_;
    std::size_t members_ = 0;
    std::uint64_t clock_ = 0;
};

} // namespace herald
