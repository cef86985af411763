#pragma once
// The measurements. Each returns its part of the output JSON and never runs
// past `deadline`; "error" is set in the result when something failed.
#include "children.hpp"
#include "options.hpp"
#include "publisher.hpp"

#include <future>
#include <nlohmann/json.hpp>

namespace bench {

nlohmann::json run_idle(const Options& options, SteadyTime deadline);
nlohmann::json run_fanout(const Options& options, SteadyTime deadline);
nlohmann::json run_connect_storm(const Options& options, SteadyTime deadline);
nlohmann::json run_slow_consumers(const Options& options, SteadyTime deadline);

// Shared helpers (scenario_common.cpp).
// Host, port, threads, server profile and transport of the options.
PoolConfig base_pool_config(const Options& o);
// A publish plan for the server of the options (mode, port, rate, size, ...).
PublishPlan base_publish_plan(const Options& o, std::uint32_t channels, std::string prefix);
// Publishes on a thread of its own, so the caller can keep polling the children.
// Call only after every fork.
std::future<PublishResult> start_publisher(PublishPlan plan, SteadyTime deadline);
// Sum of the server processes' RSS (kB) / CPU seconds; null without --server-pids.
nlohmann::json server_rss_json(const Options& o);
// Polls the children until every subscriber is subscribed or failed; false on
// deadline or a child that died.
bool wait_all_settled(Children& children, std::uint64_t count, SteadyTime deadline);
// Polls the children (so their pipes never fill) for `seconds`, bounded by deadline.
void pump_for(Children& children, double seconds, SteadyTime deadline);
// Non-herald servers do not confirm a subscription: wait --settle seconds.
void settle(const Options& o, Children& children, SteadyTime deadline);
nlohmann::json merge_errors(const std::vector<nlohmann::json>& finals);
// Sum of an integer field over the children's final reports.
std::uint64_t sum_field(const std::vector<nlohmann::json>& finals, const char* key);

} // namespace bench
