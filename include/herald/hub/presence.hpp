#pragma once
// Who is subscribed to the channels whose namespace has presence = true: per
// channel, per user, how many connections each node has, and the user's
// public info (the token's `info` claim, compact JSON). A user with several
// tabs, on one node or several, is one member. Owned by the hub thread;
// single-threaded and sans-io: callers turn its answers into events and I/O.
//
// With Redis, every node's registry also holds the other nodes' entries,
// kept in step by the bridge (broker/redis/presence_sync.hpp): merge() for a
// delta, replace_remote() for a snapshot, drop_node() for a dead node.
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

    // One node's connections of one user on one channel, as shared in Redis.
    struct Entry {
        std::string node;
        std::string channel;
        std::string user;
        std::uint64_t connections = 0;
        std::string info; // compact JSON object, or empty
        bool operator==(const Entry&) const = default;
    };

    struct Member {
        std::string user;
        std::uint64_t connections = 0; // over every node
        std::string info;              // from the user's latest join, or empty
    };

    // `local_node` names this node in merged views (its id in Redis).
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

    // A snapshot of the channel from Redis: every other node's entries
    // become those of `entries` (the local node's are skipped; they are
    // ours). The joins and leaves that makes, joins first, so that a user
    // who moved between nodes neither leaves nor joins.
    std::vector<Change> replace_remote(const std::string& channel,
                                       const std::vector<Entry>& entries);
    // Forgets the other nodes' entries of a channel that this node no longer
    // follows, silently: nobody here is subscribed to hear of it.
    void forget_remote(const std::string& channel);
    // This node's own entries: on one channel, or all of them (to write
    // them to Redis again after a reconnect).
    std::vector<Entry> local_entries(const std::string& channel) const;
    std::vector<Entry> local_entries() const;
    // The channels where this node has members.
    std::vector<std::string> local_channels() const;
    // This node's entry of `user` on `channel` (0 connections when none).
    Entry local_entry(const std::string& channel, const std::string& user) const;
    // Whether `user` has connections on `channel` on other nodes.
    bool elsewhere(const std::string& channel, const std::string& user) const;

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

    std::string local_node_;
    std::unordered_map<std::string, std::uint32_t> node_ids_; // the local node is 0
    std::vector<std::uint32_t> free_nodes_;                   // slots of dropped nodes, for reuse
    // Per node, its users per channel, so that drop_node looks only there.
    std::vector<std::unordered_map<std::string, std::size_t>> node_channels_;
    std::unordered_map<std::string, Channel> channels_;
    std::size_t members_ = 0;
    std::uint64_t clock_ = 0;
};

} // namespace herald
