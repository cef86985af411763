#pragma once
// Process-wide facts that /healthz and /metrics report.
#include "herald/server/connection_limits.hpp"
#include "herald/metrics/metrics.hpp"
#include "herald/util/net.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace herald {

class Worker;
namespace auth {
class AccessPolicy;
}

// A stable id of this process among the nodes: "<hostname>-<random hex>".
std::string generate_node_id();

struct ServerInfo {
    Clock::time_point started = Clock::now();
    std::string node_id = generate_node_id(); // the "node" of upstream messages
    std::vector<Worker*> workers;
    HubStats hub_stats;
    RedisStats redis_stats;
    bool redis_enabled = false;
    std::atomic<bool> shutting_down{false}; // draining: /readyz answers 503 "draining"
    ReloadStats reload_stats;
    ConnectionLimits limits; // max_connections, max_connections_per_ip
    // Set before the workers start; each worker keeps its own copy
    // (Worker::access), which a reload replaces. Main thread only after that.
    std::shared_ptr<const auth::AccessPolicy> access;

    // Readiness (/readyz): set by the broker, read by any worker.
    void set_ready(bool ready, std::string reason = {}) {
        std::lock_guard lock(readiness_mutex_);
        ready_ = ready;
        not_ready_reason_ = std::move(reason);
    }
    std::pair<bool, std::string> readiness() const {
        std::lock_guard lock(readiness_mutex_);
        return {ready_, not_ready_reason_};
    }

    // JWKS from jwks_url (auth::JwksFetcher): whether a key set is
    // installed, and why the last fetch failed (empty when it did not).
    // Without keys herald is not ready; a failed refresh with keys kept shows
    // on /readyz without making it fail.
    JwksStats jwks_stats;
    bool jwks_enabled = false;
    void set_jwks_state(bool have_keys, std::string last_error) {
        std::lock_guard lock(readiness_mutex_);
        jwks_have_keys_ = have_keys;
        jwks_error_ = std::move(last_error);
    }
    std::pair<bool, std::string> jwks_state() const {
        std::lock_guard lock(readiness_mutex_);
        return {jwks_have_keys_, jwks_error_};
    }

    double uptime_seconds() const {
        return std::chrono::duration<double>(Clock::now() - started).count();
    }

private:
    mutable std::mutex readiness_mutex_;
    bool ready_ = true;
    std::string not_ready_reason_;
    bool jwks_have_keys_ = false;
    std::string jwks_error_;
};

} // namespace herald
