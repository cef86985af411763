#pragma once
// Bodies of the endpoints that HttpSession answers itself.
#include "herald/server/server_info.hpp"

#include <string>
#include <vector>

namespace herald {

// {"error":"...","field":"..."} (field omitted when empty)
std::string json_error(std::string_view message, std::string_view field = {});
// {"ids":[...]}, or {"error":"...","ids":[...]} with an error
std::string json_ids(const std::vector<std::string>& ids, std::string_view error = {});
// GET /healthz: {"status":"ok","uptime_seconds":..,"connections":{"sse":..,"ws":..,"http":..}}
std::string health_body(const ServerInfo& info);
// GET /readyz: {"status":"ready"} or {"status":"not ready","reason":"..."}; first = ready.
std::pair<bool, std::string> readiness_body(const ServerInfo& info);
// GET /metrics in the Prometheus text format.
std::string metrics_body(const ServerInfo& info);

} // namespace herald
