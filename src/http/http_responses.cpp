#include "herald/http/http_responses.hpp"

#include "herald/server/worker.hpp"

#include <nlohmann/json.hpp>

namespace herald {

namespace {
constexpr auto json_replace = nlohmann::json::error_handler_t::replace;

std::vector<const WorkerStats*> worker_stats(const ServerInfo& info) {
    std::vector<const WorkerStats*> stats;
    for (auto* w : info.workers)
        stats.push_back(&w->stats());
    return stats;
}
} // namespace

std::string json_error(std::string_view message, std::string_view field) {
    nlohmann::json body{{"error", message}};
    if (!field.empty())
        body["field"] = field;
    return body.dump(-1, ' ', false, json_replace);
}

std::string json_ids(const std::vector<std::string>& ids, std::string_view error) {
    // An ephemeral event has no id: null in its place keeps request order.
    auto list = nlohmann::json::array();
    for (const auto& id : ids)
        list.push_back(id.empty() ? nlohmann::json() : nlohmann::json(id));
    nlohmann::json body;
    if (!error.empty())
        body["error"] = error;
    body["ids"] = std::move(list);
    return body.dump(-1, ' ', false, json_replace);
}

std::string health_body(const ServerInfo& info) {
    nlohmann::json connections = nlohmann::json::object();
    for (std::size_t t = 0; t < transport_count; ++t) {
        std::uint64_t n = 0;
        for (auto* w : info.workers)
            n += w->stats().connections_open[t].get();
        connections[transport_name(static_cast<Transport>(t))] = n;
    }
    return nlohmann::json{{"status", info.shutting_down ? "shutting_down" : "ok"},
                          {"uptime_seconds", info.uptime_seconds()},
                          {"connections", connections}}
        .dump();
}

std::pair<bool, std::string> readiness_body(const ServerInfo& info) {
    auto [ready, reason] = info.readiness();
    // Draining (SIGTERM): load balancers must stop sending here while the
    // open streams are closed in slices.
    const bool draining = info.shutting_down;
    if (draining) {
        ready = false;
        reason = "draining: the server is shutting down";
    }
    // jwks_url: no keys yet is not ready (every token would be refused); a
    // failed refresh with the last good keys kept is ready, and says so.
    std::string jwks_error;
    if (info.jwks_enabled) {
        auto [have_keys, error] = info.jwks_state();
        if (ready && !have_keys) {
            ready = false;
            reason = "jwks_url: no keys yet" + (error.empty() ? "" : ": " + error);
        } else if (!error.empty()) {
            jwks_error = "last refresh failed, keeping the last good keys: " + error;
        }
    }
    nlohmann::json body{{"status", ready ? "ready" : draining ? "draining" : "not ready"}};
    if (!ready)
        body["reason"] = reason;
    if (!jwks_error.empty())
        body["jwks"] = jwks_error;
    return {ready, body.dump(-1, ' ', false, json_replace)};
}

std::string metrics_body(const ServerInfo& info) {
    return render_metrics(worker_stats(info), info.hub_stats,
                          info.redis_enabled ? &info.redis_stats : nullptr, info.uptime_seconds(),
                          info.jwks_enabled ? &info.jwks_stats : nullptr, &info.reload_stats);
}

} // namespace herald
