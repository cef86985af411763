// SIGHUP (README "Drain and reload"): the configuration is read again from
// the same command line and environment (the file re-read), checked as at
// start-up, and what may change live is handed to every thread as a new
// snapshot. Runs on the main thread, which serves only signals: reading key
// files here blocks no event loop.
//
// Why snapshots rather than one shared pointer swapped under a lock: each
// worker and the hub own their copy (shared_ptr, replaced by a posted
// handler), so the hot path reads its config and access policy with no lock
// and no atomic, and ThreadSanitizer sees every hand-over as a post.
// (libstdc++ 12's std::atomic<std::shared_ptr> hides its lock from TSan.)
#include "herald/server/server.hpp"

#include "herald/auth/access_policy.hpp"
#include "herald/config/config_diff.hpp"
#include "herald/server/systemd_notify.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <ctime>

namespace herald {

namespace {

// sd_notify(3): RELOADING=1 carries the time it began, so that systemd
// (Type=notify-reload) can tell this reload from an earlier one.
std::string reloading_state() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

} // namespace

void Server::set_reload_source(std::vector<std::string> args,
                               std::vector<std::string> environment) {
    reload_args_ = std::move(args);
    reload_environment_ = std::move(environment);
}

void Server::reload() {
    if (reload_args_.empty()) {
        spdlog::warn("SIGHUP: no command line to read the configuration from; ignored");
        return;
    }
    systemd::notify(reloading_state());
    std::vector<const char*> argv;
    for (const auto& arg : reload_args_)
        argv.push_back(arg.c_str());
    Config next;
    ConfigDiff diff;
    std::shared_ptr<auth::AccessPolicy> access;
    try {
        if (parse_command_line(static_cast<int>(argv.size()), argv.data(), reload_environment_,
                               next) != ParseOutcome::run)
            throw ConfigError("the command line asks for no server");
        diff = diff_config(*live_, next);
        // Key files are read here: a missing or bad one refuses the reload.
        access = auth::AccessPolicy::from_config(diff.config);
    } catch (const std::exception& e) { // ConfigError, or a key file that cannot be used
        info_.reload_stats.reload_errors.add();
        spdlog::error("reload: the new configuration is invalid, keeping the running one: {}",
                      e.what());
        systemd::notify("READY=1");
        return;
    }
    for (const auto& key : diff.need_restart)
        spdlog::warn("reload: {} changed; it takes effect after a restart", key);
    if (!diff.applied.empty()) {
        if (jwks_) {
            access->set_unknown_kid_hook([fetcher = jwks_.get()] { fetcher->kid_miss(); });
            jwks_->retarget(access);
        }
        info_.access = access;
        apply(diff.config, std::move(access));
    }
    info_.reload_stats.reloads.add();
    if (diff.applied.empty())
        spdlog::info("reload: applied 0 changes");
    else
        spdlog::info("reload: applied {} changes ({})", diff.applied.size(),
                     fmt::join(diff.applied, ", "));
    systemd::notify("READY=1");
}

void Server::apply(const Config& next, std::shared_ptr<const auth::AccessPolicy> access) {
    auto live = std::make_shared<const Config>(next);
    live_ = live;
    spdlog::set_level(spdlog::level::from_str(live->log_level));
    info_.limits.configure(resolve_max_connections(live->max_connections),
                           live->max_connections_per_ip);
    for (auto& worker : workers_)
        worker->apply(live, access);
    hub_.apply(live);
}

} // namespace herald
