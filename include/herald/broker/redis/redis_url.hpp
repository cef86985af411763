#pragma once
// Where the Redis bridge connects, parsed from a URL in the configuration:
//   redis://[user:password@]host[:port][/db]     redis://:password@host
//   redis://[::1]:6380/2                          (IPv6 host in brackets)
//   unix:///run/redis.sock[?db=N&password=..&user=..]
// User and password are percent-decoded, so any byte can be written as %XX.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace herald::redis {

struct RedisEndpoint {
    enum Kind { tcp, unix_socket } kind = tcp;
    std::string host; // tcp: name or address, IPv6 without brackets
    std::uint16_t port = 6379;
    std::string path; // unix_socket: absolute path of the socket
    std::string user; // empty: no ACL user (AUTH password)
    std::string password;
    int db = 0; // SELECT on the command connection; pub/sub ignores it

    bool operator==(const RedisEndpoint&) const = default;
};

// The endpoint, or a human-readable error for the configuration message.
std::variant<RedisEndpoint, std::string> parse_redis_url(std::string_view url);

// The endpoint as a URL with the password masked, for logs.
std::string redacted(const RedisEndpoint& endpoint);

} // namespace herald::redis
