#pragma once
// Runtime configuration. Every key can come from the TOML file, an environment
// variable HERALD_<KEY> and a command-line flag --<key-with-dashes>; later
// sources win: defaults < file < environment < flags.
#include "herald/config/namespaces.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

using Millis = std::chrono::milliseconds;

struct Config {
    std::string listen = "127.0.0.1:8080"; // ADDR:PORT; port 0 picks a free port
    unsigned threads = 0;                  // 0 = hardware concurrency
    std::string log_level = "info";        // trace, debug, info, warn, error, off

    std::string publish_key;                  // empty = POST /publish open
    std::string admin_key;                    // empty = /admin/* answers 404 (README "Admin API")
    std::vector<std::string> allowed_origins; // CORS / Origin allow-list

    Millis heartbeat_interval{30'000}; // SSE ": heartbeat" comment and WS ping period
    Millis heartbeat_timeout{10'000};  // WS pong must arrive within this
    Millis handshake_timeout{10'000};  // a connection must complete its request within this
    Millis shutdown_timeout{5'000};    // graceful shutdown deadline, after drain_window
    Millis drain_window{10'000};       // SIGTERM: streams closed spread over this; 0 = at once
    Millis retry{3'000};               // SSE "retry:" sent to EventSource clients
    Millis flush_interval{0};          // 0 = write as soon as the socket is free

    std::size_t history_size = 100; // events kept per channel for resume (0 = off)
    Millis history_ttl{300'000};    // how long an event stays resumable
    // Where history lives: "redis" (streams shared by every node; the default
    // with Redis) or "memory" (each node its own); "" = the default.
    std::string history_backend;

    std::size_t max_queued_bytes = 1 << 20;  // per-session unsent bytes before "slow consumer"
    // Queued events older than this are dropped, with a reset, when a write
    // starts (0 = never): what a subscriber gets stays fresh even beyond the
    // node's capacity. README "Slow consumers".
    Millis max_queued_age{1'000};
    std::size_t max_message_size = 64 << 10; // largest WS client message
    bool ws_deflate = true; // WS permessage-deflate, no context takeover (README "Compression")
    std::size_t max_header_size = 8 << 10;   // largest HTTP request head
    std::size_t max_body_size = 1 << 20;     // largest POST /publish body
    std::size_t max_channels_per_connection = 64;

    // Limits (README "Limits"): each refusal has a documented answer and a metric.
    std::size_t max_connections = 0;           // node-wide; 0 = RLIMIT_NOFILE minus a reserve
    std::size_t max_connections_per_ip = 1000; // per client address; 0 = no limit
    unsigned client_message_rate = 10;         // WS client messages per second; 0 = no limit
    unsigned client_message_burst = 100;       // messages a client may send at once
    Millis idle_timeout{60'000};               // HTTP keep-alive wait for the next request
    Millis poll_max_timeout{30'000};           // longest GET /poll wait (under nginx's read timeout)

    std::string redis_url;                    // empty = embedded broker (single node)
    std::string channel_prefix;               // prepended to channel names in Redis
    Millis canary_interval{5'000};            // how often the bridge proves its subscription alive
    Millis canary_timeout{2'000};             // the canary must come back within this
    Millis presence_ttl{30'000};              // a dead node's presence members expire after this
    std::vector<std::string> trusted_proxies; // peers whose X-Forwarded-For is believed

    // Redis Sentinel (README "Redis Sentinel"): the master of
    // redis_master_name, asked of these sentinels, replaces redis_url's
    // host:port; redis_url, if set, still gives the data server's user,
    // password and db.
    std::vector<std::string> redis_sentinels; // "host:port" of each sentinel
    std::string redis_master_name;            // the name the sentinels monitor
    std::string redis_sentinel_username;      // the sentinels' own ACL user
    std::string redis_sentinel_password;      // and password (sentinel requirepass)

    // Redis Cluster (README "Redis Cluster"): seed nodes the slot map is
    // asked of; channels use sharded pub/sub (SSUBSCRIBE/SPUBLISH).
    std::vector<std::string> redis_cluster; // "host:port" of some cluster nodes

    // Authentication and authorization of subscribers (README "Security");
    // these keys are parsed in auth_config.cpp.
    std::string jwt_secret;                   // HS256/384/512 secret (32 bytes or more)
    std::string jwt_secret_file;              // or the file that holds it
    std::string jwt_public_key_file;          // RS*/ES* public key, PEM
    std::string jwks_file;                    // or a JWKS document
    std::string jwks_url;                     // or a JWKS fetched over HTTPS
    Millis jwks_refresh_interval{600'000};    // how often jwks_url is fetched again
    std::string jwks_ca_file;                 // CA bundle for jwks_url; empty = system store
    std::vector<std::string> jwt_algorithms;  // narrows what the key allows
    Millis jwt_leeway{30'000};                // clock skew allowed on exp/nbf
    std::string jwt_issuer;                   // required iss; empty = not checked
    std::string jwt_audience;                 // required aud; empty = not checked
    std::string token_cookie;                 // cookie that may carry the token; empty = none
    std::vector<std::string> public_channels; // patterns anyone may subscribe to
    bool insecure = false;                    // development: no auth, no Origin check
    bool enforce_token_expiry = true;         // streams end when their token does

    // Upstream client messages ({"type":"send"}, README "Upstream messages"):
    // with Redis, XADD to upstream_stream; without, POST to upstream_url.
    std::string upstream_stream = "herald:upstream"; // Redis Stream key
    std::size_t upstream_maxlen = 100'000;           // XADD MAXLEN ~ cap
    std::string upstream_url;                        // http://...; empty = off without Redis
    Millis upstream_timeout{5'000};                  // per HTTP attempt
    unsigned upstream_retries = 2;                   // HTTP retries after the first attempt

    // Per-channel options by pattern ([[namespace]] tables, config file only).
    std::vector<Namespace> namespaces;
    bool operator==(const Config&) const = default;
};

// Redis is configured (redis_url, redis_sentinels or redis_cluster): a bridge,
// not the embedded broker.
inline bool uses_redis(const Config& c) {
    return !c.redis_url.empty() || !c.redis_sentinels.empty() || !c.redis_cluster.empty();
}

// History is kept in Redis streams (stream_wire.hpp), shared by every node.
inline bool history_in_redis(const Config& c) {
    return uses_redis(c) && c.history_backend != "memory";
}

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class ParseOutcome { run, exit_ok };

// Parses argv (and the file named by --config, and the environment taken from
// `envp`-style "KEY=VALUE" strings) into `out`. Prints --help / --version
// itself and returns exit_ok for them. Throws ConfigError on any bad value.
// With `origins`, also where each key's value came from, for explain_config.
ParseOutcome parse_command_line(int argc, const char* const* argv,
                                const std::vector<std::string>& environment, Config& out,
                                std::vector<std::string>* origins = nullptr);

// `herald check-config`: one line per key, "name = value  # origin", where
// the origin is "default", "config file F:LINE", "environment HERALD_X" or
// "flag --x"; secrets (publish_key, jwt_secret, passwords, the password in
// redis_url) show as "(set)".
std::string explain_config(const Config& config, const std::vector<std::string>& origins);

// The configuration that a TOML text gives on top of the defaults, checked as
// at start-up; `source` names it in errors. Throws ConfigError. (herald reads
// files through parse_command_line; this serves tests and the fuzzer.)
Config parse_config_text(std::string_view toml_text, const std::string& source = "config");

// The configuration as TOML text that parse_config_text reads back into an
// equal Config (every key written, durations and sizes with their units).
std::string to_toml(const Config& config);

// Parses a duration: "250ms", "30s", "5m", "1h", or a bare integer meaning seconds.
Millis parse_duration(const std::string& text);
// Parses a size: "65536", "64KiB", "1MiB", "64k", "1m".
std::size_t parse_size(const std::string& text);

// "host:port" -> parts; IPv6 as "[::1]:8080". Throws ConfigError.
struct ListenAddress {
    std::string host;
    std::uint16_t port;
};
ListenAddress parse_listen(const std::string& text);

} // namespace herald
