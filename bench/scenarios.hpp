#pragma once
// The two measurements. Each returns its part of the output JSON and never
// runs past `deadline`; "error" is set in the result when something failed.
#include "children.hpp"
#include "options.hpp"

#include <nlohmann/json.hpp>

namespace bench {

nlohmann::json run_idle(const Options& options, SteadyTime deadline);
nlohmann::json run_fanout(const Options& options, SteadyTime deadline);

// Shared helpers (scenario_idle.cpp).
// Polls the children until every subscriber is subscribed or failed; false on
// deadline or a child that died.
bool wait_all_settled(Children& children, std::uint64_t count, SteadyTime deadline);
// Polls the children (so their pipes never fill) for `seconds`, bounded by deadline.
void pump_for(Children& children, double seconds, SteadyTime deadline);
nlohmann::json merge_errors(const std::vector<nlohmann::json>& finals);

} // namespace bench
