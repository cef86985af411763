#pragma once
// Blocking one-shot HTTP GETs against the server (/healthz, /metrics), used by
// the coordinating process between phases. Plain sockets with timeouts.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace bench {

// Body of a 200 answer to GET `path`, or nullopt (error, timeout, other status).
std::optional<std::string> http_get(const std::string& host, std::uint16_t port,
                                    const std::string& path, double timeout_seconds = 3.0);

// Sum of every sample whose line starts with `series` in a Prometheus text
// body, e.g. `herald_events_delivered_total{transport="sse"}`.
double metric_value(const std::string& body, const std::string& series);

// {"sse":N,"ws":N,"http":N} from /healthz, or null.
nlohmann::json server_connections(const std::string& host, std::uint16_t port);

} // namespace bench
