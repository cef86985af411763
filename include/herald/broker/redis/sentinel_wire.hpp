#pragma once
// What Redis Sentinel says, parsed without I/O. A sentinel is just another
// server on the network, possibly misconfigured or in the middle of a
// failover, so nothing it answers is trusted beyond its documented shape:
//
//   SENTINEL get-master-addr-by-name <name>  ->  [ip, port] | nil
//   +switch-master (pub/sub on the sentinel) ->  "<name> <old-ip> <old-port> <new-ip> <new-port>"
//   ROLE (on a data server)                  ->  ["master" | "slave" | "sentinel", ...]
#include "herald/broker/redis/reply_reader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace herald::redis::sentinel_wire {

inline constexpr std::uint16_t default_port = 26379;
inline constexpr std::string_view switch_channel = "+switch-master";

struct HostPort {
    std::string host; // a name or an address, IPv6 without brackets
    std::uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
};

// "host", "host:port", "[v6]" or "[v6]:port"; `fallback` when no port is
// written. An error says why, for the configuration message.
std::variant<HostPort, std::string> parse_host_port(std::string_view text,
                                                    std::uint16_t fallback = default_port);
// "host:port", "[v6]:port": what parse_host_port reads back.
std::string to_string(const HostPort& address);

// The reply to SENTINEL get-master-addr-by-name.
struct MasterAddr {
    enum class Kind {
        found,   // `address` is the master
        unknown, // nil: this sentinel does not monitor a master of that name
        bad,     // an error reply or a shape no sentinel sends: `reason`
    };
    Kind kind = Kind::bad;
    HostPort address;
    std::string reason;
};
MasterAddr parse_master_addr(const Reply& reply);

// A +switch-master message: the master `name` moved from `from` to `to`.
struct Switch {
    std::string name;
    HostPort from;
    HostPort to;
};
std::optional<Switch> parse_switch(std::string_view payload);

// The first element of ROLE's reply ("master", "slave", "sentinel"), or
// nullopt for anything else (an error, say -NOPERM, or a reply of no known shape).
std::optional<std::string> parse_role(const Reply& reply);

} // namespace herald::redis::sentinel_wire
