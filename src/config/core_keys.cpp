// The general configuration keys; auth_config.cpp holds those of authentication.
#include "config_keys.hpp"

#include "herald/broker/redis/sentinel_wire.hpp"

#include <limits>

namespace herald::config_keys {
namespace {

Key with_check(Key key, std::function<void(const Config&)> check) {
    key.check = std::move(check);
    return key;
}

void check_log_level(const std::string& level) {
    for (const char* known : {"trace", "debug", "info", "warn", "error", "critical", "off"})
        if (level == known)
            return;
    fail("unknown log level " + quote(level) +
         " (expected trace, debug, info, warn, error, critical or off)");
}

// The Sentinel keys only make sense together; each names what it lacks.
void check_sentinels(const Config& c) {
    for (const auto& address : c.redis_sentinels) {
        auto parsed = redis::sentinel_wire::parse_host_port(address);
        if (auto* error = std::get_if<std::string>(&parsed))
            fail("invalid sentinel address " + quote(address) + ": " + *error +
                 " (expected host:port, [ipv6]:port; the port defaults to 26379)");
    }
    if (!c.redis_sentinels.empty() && c.redis_master_name.empty())
        fail("redis_master_name is required with redis_sentinels (the name the sentinels "
             "monitor, as in their 'sentinel monitor <name> ...' line)");
}

// What the cluster bridge does not do (yet) is refused here, by name,
// rather than half done at run time.
void check_cluster(const Config& c) {
    for (const auto& address : c.redis_cluster) {
        auto parsed = redis::sentinel_wire::parse_host_port(address, 6379);
        if (auto* error = std::get_if<std::string>(&parsed))
            fail("invalid cluster node address " + quote(address) + ": " + *error +
                 " (expected host:port, [ipv6]:port; the port defaults to 6379)");
    }
    if (c.redis_cluster.empty())
        return;
    if (!c.redis_sentinels.empty())
        fail("cannot be combined with redis_sentinels (a cluster fails its masters over itself)");
    if (!c.redis_url.empty())
        fail("cannot be combined with redis_url: AUTH, TLS and SELECT are not supported with a "
             "cluster yet");
    for (const auto& ns : c.namespaces)
        if (ns.presence)
            fail("presence (namespace " + quote(ns.pattern) +
                 ") is not shared through a Redis Cluster yet");
}

void check_needs_sentinels(const Config& c, const std::string& value) {
    if (!value.empty() && c.redis_sentinels.empty())
        fail("only used with redis_sentinels, which is empty");
}

} // namespace

std::vector<Key> core_keys() {
    using C = Config;
    return {
        text_key("listen", "ADDR:PORT", "address to listen on; port 0 picks a free port",
                 &C::listen, [](const std::string& s) { parse_listen(s); }),
        count_key<unsigned>("threads", "I/O threads; 0 = one per CPU", &C::threads, 0, 1024),
        text_key("log_level", "LEVEL", "trace, debug, info, warn, error, critical or off",
                 &C::log_level, check_log_level),
        text_key("publish_key", "KEY", "secret required by POST /publish; empty = open",
                 &C::publish_key),
        text_key("admin_key", "KEY", "secret required by /admin/*; empty = admin API off",
                 &C::admin_key),
        list_key("allowed_origins", "ORIGIN", "CORS / Origin allow-list, comma-separated",
                 &C::allowed_origins),
        duration_key("heartbeat_interval", "SSE heartbeat and WebSocket ping period",
                     &C::heartbeat_interval, Millis{1}),
        duration_key("heartbeat_timeout", "WebSocket pong deadline", &C::heartbeat_timeout,
                     Millis{1}),
        duration_key("handshake_timeout", "deadline for a connection's request",
                     &C::handshake_timeout, Millis{1}),
        duration_key("shutdown_timeout", "graceful shutdown deadline", &C::shutdown_timeout),
        duration_key("drain_window",
                     "on SIGTERM, the streams are closed spread over this; 0 = all at once",
                     &C::drain_window),
        duration_key("retry", "SSE retry: hint sent to EventSource clients", &C::retry),
        duration_key("flush_interval", "write batching delay; 0 = write at once",
                     &C::flush_interval),
        count_key<std::size_t>("history_size", "events kept per channel for resume; 0 = off",
                               &C::history_size, 0, 100'000),
        duration_key("history_ttl", "how long an event stays resumable", &C::history_ttl,
                     Millis{1}),
        with_check(text_key("history_backend", "BACKEND",
                            "redis (shared by every node; the default with Redis) or memory",
                            &C::history_backend),
                   [](const Config& c) {
                       if (!c.history_backend.empty() && c.history_backend != "redis" &&
                           c.history_backend != "memory")
                           fail("unknown history backend " + quote(c.history_backend) +
                                " (expected redis or memory)");
                       if (c.history_backend == "redis" && !uses_redis(c))
                           fail("redis needs redis_url, redis_sentinels or redis_cluster");
                   }),
        size_key("max_queued_bytes", "unsent bytes per session before it is a slow consumer",
                 &C::max_queued_bytes),
        duration_key("max_queued_age",
                     "queued events older than this are dropped with a reset; 0 = never",
                     &C::max_queued_age),
        // 125 bytes is the largest WebSocket control frame payload, which must always fit.
        size_key("max_message_size", "largest WebSocket client message", &C::max_message_size, 125),
        flag_key("ws_deflate",
                 "accept WebSocket permessage-deflate (each event compressed once, no context "
                 "takeover)",
                 &C::ws_deflate),
        size_key("max_header_size", "largest HTTP request head", &C::max_header_size),
        size_key("max_body_size", "largest POST /publish body", &C::max_body_size),
        count_key<std::size_t>("max_channels_per_connection", "channels one connection may join",
                               &C::max_channels_per_connection, 1,
                               std::numeric_limits<std::size_t>::max()),
        count_key<std::size_t>("max_connections",
                               "open connections per node; 0 = from RLIMIT_NOFILE",
                               &C::max_connections, 0, std::numeric_limits<std::size_t>::max()),
        count_key<std::size_t>(
            "max_connections_per_ip", "open connections per client; 0 = no limit",
            &C::max_connections_per_ip, 0, std::numeric_limits<std::size_t>::max()),
        count_key<unsigned>("client_message_rate", "WebSocket messages per second; 0 = no limit",
                            &C::client_message_rate, 0, 1'000'000),
        count_key<unsigned>("client_message_burst", "WebSocket messages a client may send at once",
                            &C::client_message_burst, 1, 1'000'000),
        duration_key("idle_timeout", "HTTP keep-alive wait for the next request", &C::idle_timeout,
                     Millis{1}),
        duration_key("poll_max_timeout", "longest wait of GET /poll (its timeout is clamped to it)",
                     &C::poll_max_timeout, Millis{1}),
        text_key("redis_url", "URL",
                 "redis://[user:password@]host:port[/db] or unix:///path; empty = embedded broker",
                 &C::redis_url),
        text_key("channel_prefix", "PREFIX", "prefix of herald's channels in Redis",
                 &C::channel_prefix),
        duration_key("canary_interval", "period of the Redis subscription canary",
                     &C::canary_interval, Millis{10}),
        duration_key("canary_timeout", "the canary must come back within this", &C::canary_timeout,
                     Millis{10}),
        duration_key("presence_ttl", "with Redis, a dead node's presence members leave after this",
                     &C::presence_ttl, Millis{300}),
        list_key("trusted_proxies", "ADDR", "proxy addresses whose X-Forwarded-For is believed",
                 &C::trusted_proxies),
        with_check(list_key("redis_sentinels", "HOST:PORT",
                            "Redis Sentinels that name the master; redis_url then gives only "
                            "auth and db",
                            &C::redis_sentinels),
                   check_sentinels),
        with_check(list_key("redis_cluster", "HOST:PORT",
                            "Redis Cluster nodes to learn the slot map from (sharded pub/sub)",
                            &C::redis_cluster),
                   check_cluster),
        with_check(text_key("redis_master_name", "NAME", "master name the sentinels monitor",
                            &C::redis_master_name),
                   [](const Config& c) { check_needs_sentinels(c, c.redis_master_name); }),
        with_check(text_key("redis_sentinel_username", "USER",
                            "ACL user for the sentinels (not for the master)",
                            &C::redis_sentinel_username),
                   [](const Config& c) {
                       check_needs_sentinels(c, c.redis_sentinel_username);
                       if (!c.redis_sentinel_username.empty() &&
                           c.redis_sentinel_password.empty())
                           fail("needs redis_sentinel_password");
                   }),
        with_check(text_key("redis_sentinel_password", "SECRET",
                            "password for the sentinels (their requirepass), not for the master",
                            &C::redis_sentinel_password),
                   [](const Config& c) { check_needs_sentinels(c, c.redis_sentinel_password); }),
    };
}

} // namespace herald::config_keys
