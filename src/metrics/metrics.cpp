#include "herald/metrics/metrics.hpp"

#include "metric_families.hpp"

#include <iterator>
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
    case Transport::poll:
        return "poll";
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
    case Rejection::token_expired:
        return "token_expired";
    case Rejection::publish_uncertain:
        return "publish_uncertain";
    case Rejection::count:
        break;
    }
    return "?";
}

const char* auth_failure_name(AuthFailure f) {
    static constexpr const char* names[] = {
        "malformed", "oversize",         "bad_algorithm",     "unknown_key",      "bad_signature",
        "expired",   "not_yet_valid",    "bad_issuer",        "bad_audience",     "bad_claims",
        "no_token",  "forbidden_origin", "forbidden_channel", "forbidden_publish", "other_user",
        "admin_key"};
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

std::string render_metrics(const std::vector<const WorkerStats*>& workers, const HubStats& hub,
                           const RedisStats* redis, double uptime_seconds,
                           const JwksStats* jwks, const ReloadStats* reload) {
    using namespace metric_families;
    Families out;
    add_connections(out, workers);
    add_refusals(out, workers);
    add_write_batches(out, workers);
    add_worker_totals(out, workers);
    add_hub(out, hub);
    if (redis) // only when the Redis bridge is enabled
        add_redis(out, *redis);
    if (jwks) // only with jwks_url
        add_jwks(out, *jwks);
    if (reload)
        add_reload(out, *reload);
    add_uptime(out, uptime_seconds);

    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, out);
    return text.str();
}

} // namespace herald
