#pragma once
// Counters live where they are bumped: each worker owns a WorkerStats that only
// its thread writes (relaxed atomics, no shared cache line on the hot path);
// /metrics sums them at scrape time and renders with prometheus-cpp.
#include "herald/config/slow_consumer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace herald {

// poll: a GET /poll that waits for events (between requests its connection is http).
enum class Transport : std::uint8_t { http = 0, sse = 1, ws = 2, poll = 3 };
constexpr std::size_t transport_count = 4;
const char* transport_name(Transport t);

// Rejections by reason, each with its documented answer.
enum class Rejection : std::uint8_t {
    bad_request,      // 400
    header_too_large, // 431
    body_too_large,   // 413
    not_found,        // 404
    bad_method,       // 405
    unauthorized,     // 401
    handshake_timeout,
    heartbeat_timeout,
    ws_protocol_error,      // 1002/1007 from the peer's frames
    unavailable,            // 503: the broker (Redis) is down
    message_too_large,      // WS 1009: over max_message_size
    max_connections,        // 503: the node holds max_connections
    max_connections_per_ip, // 429: the client address holds max_connections_per_ip
    rate_limited,           // a WS message over client_message_rate, dropped
    rate_limit_close,       // WS 1008: over client_message_rate for too long
    too_many_channels,      // WS subscribe beyond max_channels_per_connection
    forbidden,              // 403: channel or Origin not allowed
    token_expired,          // a stream ended with its token (WS 4001, SSE "expired")
    publish_uncertain,      // 502: the broker's connection broke before it confirmed a publish
    count
};
const char* rejection_name(Rejection r);

// Refused tokens, channels and origins (herald_auth_failures_total{reason}).
// The first ten are auth::TokenError, in the same order.
enum class AuthFailure : std::uint8_t {
    malformed,
    oversize,
    bad_algorithm,
    unknown_key,
    bad_signature,
    expired,
    not_yet_valid,
    bad_issuer,
    bad_audience,
    bad_claims,
    no_token,          // a channel that needs a token, and none was given
    forbidden_origin,  // browser Origin not allowed
    forbidden_channel, // the token does not allow that channel
    forbidden_publish, // WS publish the token does not allow
    other_user,        // WS refresh with a token of another sub
    admin_key,         // /admin/* without the right admin_key
    count
};
const char* auth_failure_name(AuthFailure f);

// Only ever goes up (a Prometheus counter). One writer thread: a load and a
// store, no read-modify-write.
class Counter {
public:
    void add(std::uint64_t n = 1) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

// A level that goes up and down, or is set (a Prometheus gauge). Same
// single-writer rule as Counter.
class Gauge {
public:
    void add(std::uint64_t n = 1) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void sub(std::uint64_t n = 1) {
        v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
    void set(std::uint64_t n) { v_.store(n, std::memory_order_relaxed); }
    std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

// Events per gather write: 1, 2, 4, ... 512, +Inf.
constexpr std::array<double, 10> batch_buckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

struct WorkerStats {
    std::array<Gauge, transport_count> connections_open;
    std::array<Counter, transport_count> connections_total;
    std::array<Counter, transport_count> events_delivered;
    std::array<Counter, transport_count> slow_consumers;
    // By the dropped event's slow_consumer policy (disconnect never drops).
    std::array<Counter, slow_consumer_count> events_dropped;
    Counter stale_events_dropped; // waited longer than max_queued_age, any policy
    // Deliveries shed at the worker's inbox while it was too far behind (WorkerInbox).
    Counter backlog_events_dropped;
    std::array<Counter, static_cast<std::size_t>(Rejection::count)> rejections;
    void rejection(Rejection r) { rejections[static_cast<std::size_t>(r)].add(); }
    std::array<Counter, batch_buckets.size() + 1> write_batches; // last = +Inf
    Counter write_batch_sum;
    Gauge queued_bytes;
    Counter events_published; // via POST /publish on this worker
    Counter accept_errors;    // accept() failed (EMFILE, ENFILE, ENOBUFS...)
    Counter idle_timeouts;    // keep-alive connections closed after idle_timeout
    Counter ws_published;     // via a WebSocket "publish" message on this worker
    // permessage-deflate: sessions that negotiated it, and the payload bytes
    // of the event frames compressed here (once per event, on the worker that
    // first needed it) before and after.
    Counter ws_deflate_sessions;
    Counter ws_deflate_in_bytes;
    Counter ws_deflate_out_bytes;
    // WebSocket "send" messages by outcome: sent, failed, refused (upstream_result_name).
    std::array<Counter, 3> upstream_messages;
    std::array<Counter, static_cast<std::size_t>(AuthFailure::count)> auth_failures;
    void auth_failure(AuthFailure f) { auth_failures[static_cast<std::size_t>(f)].add(); }
    // Admin API requests admitted, by admin::Action (channels, connections,
    // disconnect, unsubscribe), then presence.
    std::array<Counter, 5> admin_requests;

    void observe_batch(std::size_t events);
};

// The Redis bridge's view, written by the hub thread only.
struct RedisStats {
    Gauge connected; // 1 while both connections are up and subscribed
    Counter reconnects;
    Counter messages_received;
    Counter bad_payloads;
    Gauge canary_rtt_us; // last canary round trip
    Counter canary_failures;
    Counter failovers_seen;  // Sentinel announced +switch-master for our master
    Counter master_switches; // the connections moved to another master (any cause)
    // Shared history (history_backend = "redis", gap_fill.hpp).
    Counter gap_events;          // events delivered from a stream to fill a broken subscription
    Counter gap_resets;          // channels told reset because a gap could not be filled
    Counter duplicates_dropped;  // live events already delivered (stream id not newer)
    Counter history_read_errors; // history reads that failed (the subscriber got a reset)
    Counter cluster_map_refreshes; // Redis Cluster: slot maps received (CLUSTER SLOTS)
    Counter cluster_redirects;     // Redis Cluster: -MOVED and -ASK answers followed
};

// JWKS fetched from jwks_url, written by the fetcher's thread.
struct JwksStats {
    Counter refreshes;      // fetches that installed a key set
    Counter refresh_errors; // fetches that failed (the last good keys stay)
    Gauge keys;             // usable keys in the installed set
};

// SIGHUP reloads (README "Drain and reload"), counted on the main thread.
struct ReloadStats {
    Counter reloads;       // reloads applied (with or without changes)
    Counter reload_errors; // reloads refused: the old configuration stays
};

struct HubStats {
    Counter events_ingested;
    Counter events_shed; // from Redis, shed unmade: no worker would take them (Hub::busy)
    Counter duplicate_ids;
    Gauge history_events;
    Gauge history_channels;
    Gauge channels_active;
    Gauge presence_channels; // channels with at least one presence member
    Gauge presence_members;  // members over all presence channels
    Counter presence_sync_errors;  // presence messages and replies from Redis not usable
    Counter presence_nodes_expired; // other nodes whose presence expired
    Counter admin_bad_messages;     // Admin API messages from Redis that did not parse
    Counter admin_incomplete;       // Admin API answers some node did not report to in time
};

// Renders the Prometheus text exposition format.
// `jwks` is null without jwks_url.
std::string render_metrics(const std::vector<const WorkerStats*>& workers, const HubStats& hub,
                           const RedisStats* redis, double uptime_seconds,
                           const JwksStats* jwks = nullptr,
                           const ReloadStats* reload = nullptr);

} // namespace herald
