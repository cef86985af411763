#pragma once
// What a reload (SIGHUP, README "Drain and reload") may change. Most keys are
// read per use through the live snapshot (Worker::config, Hub::live) and
// change at once; those that shaped an object built at start-up (the
// listening sockets, the thread count, the Redis bridge, history, the
// upstream client, the jwks_url fetcher) need a restart and keep their
// running value. Sans-io: the server applies the result.
#include "herald/config/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace herald {

struct ConfigDiff {
    std::vector<std::string> applied;      // live keys whose value changed
    std::vector<std::string> need_restart; // restart-only keys whose value changed (kept)
    // The new configuration with every restart-only key (and the namespaces,
    // when they need a restart) at its running value: what is applied.
    Config config;
};

// The restart-only keys. Any other key, including one added later, is live
// as long as it is read through the live snapshot.
const std::vector<std::string_view>& restart_only_keys();

// Compares key by key. "namespace" stands for the [[namespace]] tables: live,
// unless a pattern, presence or history option changed (history and
// presence state were built with the old ones), then restart-only as a whole.
ConfigDiff diff_config(const Config& running, const Config& next);

} // namespace herald
