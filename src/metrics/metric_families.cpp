// The /metrics families, group by group (metric_families.hpp): what each
// family is called, what it means, and how the workers' values add up.
#include "metric_families.hpp"

#include <limits>
#include <type_traits>
#include <utility>

namespace herald::metric_families {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

template <class Stat> constexpr MetricType type_of() {
    static_assert(std::is_same_v<Stat, Counter> || std::is_same_v<Stat, Gauge>);
    return std::is_same_v<Stat, Gauge> ? MetricType::Gauge : MetricType::Counter;
}

void set_value(ClientMetric& m, MetricType type, double value) {
    (type == MetricType::Counter ? m.counter.value : m.gauge.value) = value;
}

MetricFamily single(const std::string& name, const std::string& help, MetricType type,
                    double value) {
    ClientMetric m;
    set_value(m, type, value);
    return {name, help, type, {m}};
}

template <class Stat>
MetricFamily single(const std::string& name, const std::string& help, const Stat& stat) {
    return single(name, help, type_of<Stat>(), static_cast<double>(stat.get()));
}

// `get` picks one array of per-transport stats out of a worker's.
template <class Get>
MetricFamily per_transport(const std::string& name, const std::string& help, const Workers& workers,
                           Get get) {
    using Stat = std::remove_cvref_t<decltype(get(std::declval<const WorkerStats&>())[0])>;
    MetricFamily family{name, help, type_of<Stat>(), {}};
    for (std::size_t t = 0; t < transport_count; ++t) {
        double sum = 0;
        for (const auto* w : workers)
            sum += static_cast<double>(get(*w)[t].get());
        ClientMetric m;
        m.label.push_back({"transport", transport_name(static_cast<Transport>(t))});
        set_value(m, family.type, sum);
        family.metric.push_back(std::move(m));
    }
    return family;
}

// `get` picks one stat out of a worker's.
template <class Get>
MetricFamily summed(const std::string& name, const std::string& help, const Workers& workers,
                    Get get) {
    using Stat = std::remove_cvref_t<decltype(get(std::declval<const WorkerStats&>()))>;
    double sum = 0;
    for (const auto* w : workers)
        sum += static_cast<double>(get(*w).get());
    return single(name, help, type_of<Stat>(), sum);
}

// A counter per reason; `name_of` labels reason i, `get` is a worker's array.
template <class Reason, class NameOf, class Get>
MetricFamily per_reason(const std::string& name, const std::string& help, const Workers& workers,
                        NameOf name_of, Get get) {
    MetricFamily family{name, help, MetricType::Counter, {}};
    for (std::size_t r = 0; r < static_cast<std::size_t>(Reason::count); ++r) {
        ClientMetric m;
        m.label.push_back({"reason", name_of(static_cast<Reason>(r))});
        for (const auto* w : workers)
            m.counter.value += static_cast<double>(get(*w)[r].get());
        family.metric.push_back(std::move(m));
    }
    return family;
}

} // namespace

void add_connections(Families& out, const Workers& workers) {
    out.push_back(per_transport(
        "herald_connections", "Open connections", workers,
        [](const WorkerStats& w) -> auto& { return w.connections_open; }));
    out.push_back(per_transport(
        "herald_connections_accepted_total", "Connections accepted, by final transport", workers,
        [](const WorkerStats& w) -> auto& { return w.connections_total; }));
    out.push_back(per_transport(
        "herald_events_delivered_total", "Events queued to subscribers", workers,
        [](const WorkerStats& w) -> auto& { return w.events_delivered; }));
    out.push_back(per_transport(
        "herald_slow_consumer_disconnects_total",
        "Subscribers disconnected for exceeding max_queued_bytes", workers,
        [](const WorkerStats& w) -> auto& { return w.slow_consumers; }));
    MetricFamily dropped{"herald_events_dropped_total",
                         "Queued events a slow consumer lost, by the channel's slow_consumer "
                         "policy, or max_queued_age for any policy; backlog: deliveries shed "
                         "while a worker was too far behind",
                         MetricType::Counter,
                         {}};
    auto add = [&](std::string_view policy, auto counter) {
        ClientMetric m;
        m.label.push_back({"policy", std::string(policy)});
        for (const auto* w : workers)
            m.counter.value += static_cast<double>(counter(*w).get());
        dropped.metric.push_back(std::move(m));
    };
    for (auto policy : {SlowConsumer::drop_oldest, SlowConsumer::latest})
        add(slow_consumer_name(policy), [policy](const WorkerStats& w) -> const Counter& {
            return w.events_dropped[static_cast<std::size_t>(policy)];
        });
    add("max_queued_age",
        [](const WorkerStats& w) -> const Counter& { return w.stale_events_dropped; });
    add("backlog",
        [](const WorkerStats& w) -> const Counter& { return w.backlog_events_dropped; });
    out.push_back(std::move(dropped));
}

void add_refusals(Families& out, const Workers& workers) {
    out.push_back(per_reason<Rejection>(
        "herald_rejections_total", "Refused requests and connections, by reason", workers,
        rejection_name, [](const WorkerStats& w) -> auto& { return w.rejections; }));
    out.push_back(per_reason<AuthFailure>(
        "herald_auth_failures_total", "Refused tokens, channels and origins, by reason", workers,
        auth_failure_name, [](const WorkerStats& w) -> auto& { return w.auth_failures; }));
    MetricFamily admin{"herald_admin_requests_total",
                       "Admin API requests admitted, by action",
                       MetricType::Counter,
                       {}};
    static constexpr const char* actions[] = {"channels", "connections", "disconnect",
                                              "unsubscribe", "presence"};
    for (std::size_t a = 0; a < std::size(actions); ++a) {
        ClientMetric m;
        m.label.push_back({"action", actions[a]});
        for (const auto* w : workers)
            m.counter.value += static_cast<double>(w->admin_requests[a].get());
        admin.metric.push_back(std::move(m));
    }
    out.push_back(std::move(admin));
}

void add_write_batches(Families& out, const Workers& workers) {
    MetricFamily batches{
        "herald_write_batch_events", "Buffers per gather write", MetricType::Histogram, {}};
    ClientMetric h;
    std::uint64_t cumulative = 0;
    double sum = 0;
    for (std::size_t i = 0; i <= batch_buckets.size(); ++i) {
        for (const auto* w : workers)
            cumulative += w->write_batches[i].get();
        double bound =
            i < batch_buckets.size() ? batch_buckets[i] : std::numeric_limits<double>::infinity();
        h.histogram.bucket.push_back({cumulative, bound});
    }
    for (const auto* w : workers)
        sum += static_cast<double>(w->write_batch_sum.get());
    h.histogram.sample_count = cumulative;
    h.histogram.sample_sum = sum;
    batches.metric.push_back(std::move(h));
    out.push_back(std::move(batches));
}

void add_worker_totals(Families& out, const Workers& workers) {
    out.push_back(summed(
        "herald_queued_bytes", "Bytes queued to subscribers, not yet written", workers,
        [](const WorkerStats& w) -> auto& { return w.queued_bytes; }));
    out.push_back(summed(
        "herald_events_published_total", "Events accepted by POST /publish on this node", workers,
        [](const WorkerStats& w) -> auto& { return w.events_published; }));
    out.push_back(summed(
        "herald_accept_errors_total", "accept() failures (out of file descriptors, ...)", workers,
        [](const WorkerStats& w) -> auto& { return w.accept_errors; }));
    out.push_back(summed(
        "herald_idle_timeouts_total", "Keep-alive connections closed after idle_timeout", workers,
        [](const WorkerStats& w) -> auto& { return w.idle_timeouts; }));
    out.push_back(summed(
        "herald_ws_published_total", "Events accepted from WebSocket publish messages", workers,
        [](const WorkerStats& w) -> auto& { return w.ws_published; }));
    out.push_back(summed(
        "herald_ws_deflate_sessions_total",
        "WebSocket connections that negotiated permessage-deflate", workers,
        [](const WorkerStats& w) -> auto& { return w.ws_deflate_sessions; }));
    out.push_back(summed(
        "herald_ws_deflate_in_bytes_total",
        "Event frame bytes compressed for permessage-deflate (once per event), before", workers,
        [](const WorkerStats& w) -> auto& { return w.ws_deflate_in_bytes; }));
    out.push_back(summed(
        "herald_ws_deflate_out_bytes_total",
        "The same frames' bytes after compression (what deflate clients receive)", workers,
        [](const WorkerStats& w) -> auto& { return w.ws_deflate_out_bytes; }));
    MetricFamily upstream{"herald_upstream_messages_total",
                          "WebSocket send messages: handed to the application (sent), not "
                          "(failed), or not allowed (refused)",
                          MetricType::Counter,
                          {}};
    const char* results[] = {"sent", "failed", "refused"};
    for (std::size_t r = 0; r < 3; ++r) {
        ClientMetric m;
        m.label.push_back({"result", results[r]});
        for (const auto* w : workers)
            m.counter.value += static_cast<double>(w->upstream_messages[r].get());
        upstream.metric.push_back(std::move(m));
    }
    out.push_back(std::move(upstream));
}

void add_hub(Families& out, const HubStats& hub) {
    out.push_back(single("herald_events_ingested_total",
                         "Events fanned out by the hub (from any publisher)", hub.events_ingested));
    out.push_back(single("herald_events_shed_total",
                         "Events from Redis shed before they were parsed, because no worker "
                         "with subscribers of their channel could take them",
                         hub.events_shed));
    out.push_back(single("herald_duplicate_ids_total", "Publishes refused for reusing an event id",
                         hub.duplicate_ids));
    out.push_back(single("herald_channels_active", "Channels with at least one subscriber",
                         hub.channels_active));
    out.push_back(single("herald_presence_channels", "Channels with presence members",
                         hub.presence_channels));
    out.push_back(single("herald_presence_members",
                         "Presence members over all channels (a user on two channels counts twice)",
                         hub.presence_members));
    out.push_back(single("herald_presence_sync_errors_total",
                         "Presence messages and replies from Redis that could not be used",
                         hub.presence_sync_errors));
    out.push_back(single("herald_presence_nodes_expired_total",
                         "Other nodes whose presence expired (their members left)",
                         hub.presence_nodes_expired));
    out.push_back(single("herald_admin_bad_messages_total",
                         "Admin API messages from Redis that could not be used",
                         hub.admin_bad_messages));
    out.push_back(single("herald_admin_incomplete_total",
                         "Admin API answers without the report of every node asked",
                         hub.admin_incomplete));
    out.push_back(single("herald_history_events", "Events held for resume", hub.history_events));
    out.push_back(
        single("herald_history_channels", "Channels with resume history", hub.history_channels));
}

void add_redis(Families& out, const RedisStats& redis) {
    out.push_back(single("herald_redis_connected",
                         "1 while the Redis bridge is connected and subscribed", redis.connected));
    out.push_back(single("herald_redis_reconnects_total", "Redis reconnections", redis.reconnects));
    out.push_back(single("herald_redis_messages_received_total",
                         "Pub/sub messages received from Redis", redis.messages_received));
    out.push_back(single("herald_redis_bad_payloads_total",
                         "Redis messages dropped as invalid (bad UTF-8, bad envelope)",
                         redis.bad_payloads));
    // Kept in microseconds, exposed in seconds as Prometheus prefers.
    out.push_back(single("herald_redis_canary_rtt_seconds",
                         "Round trip of the last subscription canary", MetricType::Gauge,
                         static_cast<double>(redis.canary_rtt_us.get()) / 1e6));
    out.push_back(single("herald_redis_canary_failures_total",
                         "Canaries that did not come back in time", redis.canary_failures));
    out.push_back(single("herald_redis_failovers_total",
                         "Sentinel +switch-master announcements for our master",
                         redis.failovers_seen));
    out.push_back(single("herald_redis_master_switches_total",
                         "Times the Redis connections moved to another master (Sentinel)",
                         redis.master_switches));
    out.push_back(single("herald_redis_gap_events_total",
                         "Events read from history streams to fill a broken subscription",
                         redis.gap_events));
    out.push_back(single("herald_redis_gap_resets_total",
                         "Channels told reset because a broken subscription's gap could not be "
                         "filled",
                         redis.gap_resets));
    out.push_back(single("herald_redis_duplicates_dropped_total",
                         "Live events dropped because their stream id was already delivered",
                         redis.duplicates_dropped));
    out.push_back(single("herald_history_read_errors_total",
                         "Reads of the shared history that failed (the subscriber got a reset)",
                         redis.history_read_errors));
    out.push_back(single("herald_redis_cluster_map_refreshes_total",
                         "Redis Cluster slot maps received (CLUSTER SLOTS)",
                         redis.cluster_map_refreshes));
    out.push_back(single("herald_redis_cluster_redirects_total",
                         "Redis Cluster -MOVED and -ASK answers followed",
                         redis.cluster_redirects));
}

void add_jwks(Families& out, const JwksStats& jwks) {
    out.push_back(single("herald_jwks_refreshes_total", "jwks_url fetches that installed a key set",
                         jwks.refreshes));
    out.push_back(single("herald_jwks_refresh_errors_total",
                         "jwks_url fetches that failed (the last good keys stay)",
                         jwks.refresh_errors));
    out.push_back(
        single("herald_jwks_keys", "Usable keys in the key set from jwks_url", jwks.keys));
}

void add_reload(Families& out, const ReloadStats& reload) {
    out.push_back(single("herald_config_reloads_total",
                         "SIGHUP reloads of the configuration that were applied", reload.reloads));
    out.push_back(single("herald_config_reload_errors_total",
                         "SIGHUP reloads refused for an invalid configuration (the old one stays)",
                         reload.reload_errors));
}

void add_uptime(Families& out, double uptime_seconds) {
    out.push_back(
        single("herald_uptime_seconds", "Seconds since start", MetricType::Gauge, uptime_seconds));
}

} // namespace herald::metric_families
