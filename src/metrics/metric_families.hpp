#pragma once
// The /metrics families, in groups (private to src/metrics). Each function
// appends its group to `out`; render_metrics calls them in the order the
// exposition has always listed them. A family's Prometheus type follows the
// C++ type of what it reads: a Counter renders as a counter, a Gauge as a gauge.
#include "herald/metrics/metrics.hpp"

#include <prometheus/metric_family.h>

#include <vector>

namespace herald::metric_families {

using Families = std::vector<prometheus::MetricFamily>;
using Workers = std::vector<const WorkerStats*>;

// Per transport: open and accepted connections, deliveries, slow consumers.
void add_connections(Families& out, const Workers& workers);
// Per reason: rejections and auth failures.
void add_refusals(Families& out, const Workers& workers);
// The histogram of buffers per gather write.
void add_write_batches(Families& out, const Workers& workers);
// Single values summed over the workers.
void add_worker_totals(Families& out, const Workers& workers);
void add_hub(Families& out, const HubStats& hub);
void add_redis(Families& out, const RedisStats& redis);
void add_jwks(Families& out, const JwksStats& jwks);
void add_reload(Families& out, const ReloadStats& reload);
void add_uptime(Families& out, double uptime_seconds);

} // namespace herald::metric_families
