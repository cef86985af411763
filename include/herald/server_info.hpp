#pragma once
// Process-wide facts that /healthz and /metrics report.
#include "herald/metrics.hpp"
#include "herald/net.hpp"

#include <atomic>
#include <vector>

namespace herald {

class Worker;

struct ServerInfo {
    Clock::time_point started = Clock::now();
    std::vector<Worker*> workers;
    HubStats hub_stats;
    std::atomic<bool> shutting_down{false};

    double uptime_seconds() const {
        return std::chrono::duration<double>(Clock::now() - started).count();
    }
};

} // namespace herald
