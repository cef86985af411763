#include "herald/metrics/metrics.hpp"

#include <iterator>
#include <limits>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sstream>

namespace herald {

const char* transport_name(Transport t) {
    switch (t) {
    case Transport::http:
        return "http";
    case Transport::sse:
        return "sse";
    case Transport::ws:
        return "ws";
    }
    return "?";
}

const char* rejection_name(Rejection r) {
    switch (r) {
    case Rejection::bad_request:
        return "bad_request";
    case Rejection::header_too_large:
        return "header_too_large";
    case Rejection::body_too_large:
        return "body_too_large";
    case Rejection::not_found:
        return "not_found";
    case Rejection::bad_method:
        return "bad_method";
    case Rejection::unauthorized:
        return "unauthorized";
    case Rejection::handshake_timeout:
        return "handshake_timeout";
    case Rejection::heartbeat_timeout:
        return "heartbeat_timeout";
    case Rejection::ws_protocol_error:
        return "ws_protocol_error";
    case Rejection::unavailable:
        return "unavailable";
    case Rejection::message_too_large:
        return "message_too_large";
    case Rejection::max_connections:
        return "max_connections";
    case Rejection::max_connections_per_ip:
        return "max_connections_per_ip";
    case Rejection::rate_limited:
        return "rate_limited";
    case Rejection::rate_limit_close:
        return "rate_limit_close";
    case Rejection::too_many_channels:
        return "too_many_channels";
    case Rejection::forbidden:
        return "forbidden";
    case Rejection::count:
        break;
    }
    return "?";
}

const char* auth_failure_name(AuthFailure f) {
    static constexpr const char* names[] = {
        "malformed", "oversize",         "bad_algorithm",     "unknown_key",      "bad_signature",
        "expired",   "not_yet_valid",    "bad_issuer",        "bad_audience",     "bad_claims",
        "no_token",  "forbidden_origin", "forbidden_channel", "forbidden_publish"};
    static_assert(std::size(names) == static_cast<std::size_t>(AuthFailure::count));
    auto i = static_cast<std::size_t>(f);
    return i < std::size(names) ? names[i] : "?";
}

void WorkerStats::observe_batch(std::size_t events) {
    std::size_t i = 0;
    while (i < batch_buckets.size() && static_cast<double>(events) > batch_buckets[i])
        ++i;
    write_batches[i].add();
    write_batch_sum.add(events);
}

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

template <class Get>
MetricFamily per_transport(const std::string& name, const std::string& help, MetricType type,
                           const std::vector<const WorkerStats*>& workers, Get get) {
    MetricFamily family{name, help, type, {}};
    for (std::size_t t = 0; t < transport_count; ++t) {
        double sum = 0;
        for (const auto* w : workers)
            sum += static_cast<double>(get(*w)[t].get());
        ClientMetric m;
        m.label.push_back({"transport", transport_name(static_cast<Transport>(t))});
        (type == MetricType::Counter ? m.counter.value : m.gauge.value) = sum;
        family.metric.push_back(std::move(m));
    }
    return family;
}

MetricFamily single(const std::string& name, const std::string& help, MetricType type,
                    double value) {
    ClientMetric m;
    (type == MetricType::Counter ? m.counter.value : m.gauge.value) = value;
    return {name, help, type, {m}};
}

template <class Get> double total(const std::vector<const WorkerStats*>& workers, Get get) {
    double sum = 0;
    for (const auto* w : workers)
        sum += static_cast<double>(get(*w).get());
    return sum;
}

} // namespace

std::string render_metrics(const std::vector<const WorkerStats*>& workers, const HubStats& hub,
                           const RedisStats* redis, double uptime_seconds) {
    std::vector<MetricFamily> families;
    families.push_back(per_transport(
        "herald_connections", "Open connections", MetricType::Gauge, workers,
        [](const WorkerStats& w) -> auto& { return w.connections_open; }));
    families.push_back(per_transport(
        "herald_connections_accepted_total", "Connections accepted, by final transport",
        MetricType::Counter, workers,
        [](const WorkerStats& w) -> auto& { return w.connections_total; }));
    families.push_back(per_transport(
        "herald_events_delivered_total", "Events queued to subscribers", MetricType::Counter,
        workers, [](const WorkerStats& w) -> auto& { return w.events_delivered; }));
    families.push_back(per_transport(
        "herald_slow_consumer_disconnects_total",
        "Subscribers disconnected for exceeding max_queued_bytes", MetricType::Counter, workers,
        [](const WorkerStats& w) -> auto& { return w.slow_consumers; }));

    MetricFamily rejections{"herald_rejections_total",
                            "Refused requests and connections, by reason",
                            MetricType::Counter,
                            {}};
    for (std::size_t r = 0; r < static_cast<std::size_t>(Rejection::count); ++r) {
        ClientMetric m;
        m.label.push_back({"reason", rejection_name(static_cast<Rejection>(r))});
        for (const auto* w : workers)
            m.counter.value += static_cast<double>(w->rejections[r].get());
        rejections.metric.push_back(std::move(m));
    }
    families.push_back(std::move(rejections));

    MetricFamily auth{"herald_auth_failures_total",
                      "Refused tokens, channels and origins, by reason",
                      MetricType::Counter,
                      {}};
    for (std::size_t r = 0; r < static_cast<std::size_t>(AuthFailure::count); ++r) {
        ClientMetric m;
        m.label.push_back({"reason", auth_failure_name(static_cast<AuthFailure>(r))});
        for (const auto* w : workers)
            m.counter.value += static_cast<double>(w->auth_failures[r].get());
        auth.metric.push_back(std::move(m));
    }
    families.push_back(std::move(auth));

    MetricFamily batches{
        "herald_write_batch_events", "Buffers per gather write", MetricType::Histogram, {}};
    ClientMetric h;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= batch_buckets.size(); ++i) {
        for (const auto* w : workers)
            cumulative += w->write_batches[i].get();
        double bound =
            i < batch_buckets.size() ? batch_buckets[i] : std::numeric_limits<double>::infinity();
        h.histogram.bucket.push_back({cumulative, bound});
    }
    h.histogram.sample_count = cumulative;
    h.histogram.sample_sum = total(
        workers, [](const WorkerStats& w) -> auto& { return w.write_batch_sum; });
    batches.metric.push_back(std::move(h));
    families.push_back(std::move(batches));

    families.push_back(single(
        "herald_queued_bytes", "Bytes queued to subscribers, not yet written", MetricType::Gauge,
        total(
            workers, [](const WorkerStats& w) -> auto& { return w.queued_bytes; })));
    families.push_back(
        single("herald_events_published_total", "Events accepted by POST /publish on this node",
               MetricType::Counter,
               total(
                   workers, [](const WorkerStats& w) -> auto& { return w.events_published; })));
    families.push_back(
        single("herald_accept_errors_total", "accept() failures (out of file descriptors, ...)",
               MetricType::Counter,
               total(
                   workers, [](const WorkerStats& w) -> auto& { return w.accept_errors; })));
    families.push_back(
        single("herald_idle_timeouts_total", "Keep-alive connections closed after idle_timeout",
               MetricType::Counter,
               total(
                   workers, [](const WorkerStats& w) -> auto& { return w.idle_timeouts; })));
    families.push_back(
        single("herald_ws_published_total", "Events accepted from WebSocket publish messages",
               MetricType::Counter,
               total(
                   workers, [](const WorkerStats& w) -> auto& { return w.ws_published; })));
    families.push_back(single("herald_events_ingested_total",
                              "Events fanned out by the hub (from any publisher)",
                              MetricType::Counter, static_cast<double>(hub.events_ingested.get())));
    families.push_back(single("herald_duplicate_ids_total",
                              "Publishes refused for reusing an event id", MetricType::Counter,
                              static_cast<double>(hub.duplicate_ids.get())));
    families.push_back(single("herald_channels_active", "Channels with at least one subscriber",
                              MetricType::Gauge, static_cast<double>(hub.channels_active.get())));
    families.push_back(single("herald_history_events", "Events held for resume", MetricType::Gauge,
                              static_cast<double>(hub.history_events.get())));
    families.push_back(single("herald_history_channels", "Channels with resume history",
                              MetricType::Gauge, static_cast<double>(hub.history_channels.get())));
    if (redis) {
        auto value = [](const auto& c) { return static_cast<double>(c.get()); };
        families.push_back(single("herald_redis_connected",
                                  "1 while the Redis bridge is connected and subscribed",
                                  MetricType::Gauge, value(redis->connected)));
        families.push_back(single("herald_redis_reconnects_total", "Redis reconnections",
                                  MetricType::Counter, value(redis->reconnects)));
        families.push_back(single("herald_redis_messages_received_total",
                                  "Pub/sub messages received from Redis", MetricType::Counter,
                                  value(redis->messages_received)));
        families.push_back(single("herald_redis_bad_payloads_total",
                                  "Redis messages dropped as invalid (bad UTF-8, bad envelope)",
                                  MetricType::Counter, value(redis->bad_payloads)));
        families.push_back(single("herald_redis_canary_rtt_seconds",
                                  "Round trip of the last subscription canary", MetricType::Gauge,
                                  value(redis->canary_rtt_us) / 1e6));
        families.push_back(single("herald_redis_canary_failures_total",
                                  "Canaries that did not come back in time", MetricType::Counter,
                                  value(redis->canary_failures)));
    }
    families.push_back(
        single("herald_uptime_seconds", "Seconds since start", MetricType::Gauge, uptime_seconds));

    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
}

} // namespace herald
