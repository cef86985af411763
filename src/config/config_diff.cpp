#include "herald/config/config_diff.hpp"

#include "config_keys.hpp"

#include <algorithm>

namespace herald {

const std::vector<std::string_view>& restart_only_keys() {
    static const std::vector<std::string_view> keys = {
        // The acceptors and the worker pool.
        "listen", "threads", "flush_interval",
        // The hub's history, built once.
        "history_size", "history_ttl", "history_backend",
        // The Redis bridge and its connections.
        "redis_url", "channel_prefix", "canary_interval", "canary_timeout", "presence_ttl",
        "redis_sentinels", "redis_master_name", "redis_sentinel_username",
        "redis_sentinel_password", "redis_cluster",
        // The jwks_url fetcher (its URL, TLS context and schedule); the key
        // checks it feeds (jwt_algorithms, jwt_issuer, ...) are live.
        "jwks_url", "jwks_refresh_interval", "jwks_ca_file",
        // Turning authentication off (or on) is no change to make in passing.
        "insecure",
        // The upstream client of each worker.
        "upstream_stream", "upstream_maxlen", "upstream_url", "upstream_timeout",
        "upstream_retries"};
    return keys;
}

namespace {

bool restart_only(std::string_view key) {
    const auto& keys = restart_only_keys();
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// What of a namespace was built into state at start-up: which channels it
// covers, their history and presence.
bool namespaces_need_restart(const std::vector<Namespace>& a, const std::vector<Namespace>& b) {
    if (a.size() != b.size())
        return true;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].pattern != b[i].pattern || a[i].history_size != b[i].history_size ||
            a[i].history_ttl != b[i].history_ttl || a[i].presence != b[i].presence ||
            a[i].join_leave != b[i].join_leave)
            return true;
    return false;
}

// A new admin_key is live, but turning the Admin API on or off is not: the
// Redis bridge subscribes to the admin channels, and streams keep the
// identity the API finds them by, only when it is on at start-up.
bool switches_admin_api(std::string_view key, const Config& running, const Config& next) {
    return key == "admin_key" && running.admin_key.empty() != next.admin_key.empty();
}

} // namespace

ConfigDiff diff_config(const Config& running, const Config& next) {
    ConfigDiff diff{{}, {}, next};
    for (const auto& key : config_keys::all_keys()) {
        const auto before = key.show(running);
        if (key.show(next) == before)
            continue;
        if (!restart_only(key.name) && !switches_admin_api(key.name, running, next)) {
            diff.applied.push_back(key.name);
            continue;
        }
        diff.need_restart.push_back(key.name);
        // A list member directly; a scalar through its own text form, as a
        // flag would set it (each shows a value that it reads back unchanged).
        if (key.list)
            diff.config.*(key.list_member) = running.*(key.list_member);
        else
            key.set(diff.config, before);
    }
    if (running.namespaces != next.namespaces) {
        if (namespaces_need_restart(running.namespaces, next.namespaces)) {
            diff.need_restart.push_back("namespace");
            diff.config.namespaces = running.namespaces;
        } else {
            diff.applied.push_back("namespace");
        }
    }
    return diff;
}

} // namespace herald
