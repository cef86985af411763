#include "herald/server/server.hpp"

#include "herald/auth/access_policy.hpp"
#include "herald/broker/redis_bridge.hpp"
#include "herald/broker/redis_cluster_bridge.hpp"
#include "herald/server/systemd_notify.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <csignal>
#include <functional>
#include <spdlog/spdlog.h>

namespace herald {

namespace {
std::unique_ptr<Broker> make_broker(const Config& config, Hub& hub, ServerInfo& info,
                                    RedisBridge*& bridge, RedisClusterBridge*& cluster) {
    if (!uses_redis(config))
        return std::make_unique<EmbeddedBroker>(hub);
    if (!config.redis_cluster.empty()) {
        auto redis = std::make_unique<RedisClusterBridge>(config, hub, info);
        cluster = redis.get();
        return redis;
    }
    redis::RedisEndpoint endpoint; // with sentinels and no redis_url: no auth, db 0
    if (!config.redis_url.empty()) {
        auto parsed = redis::parse_redis_url(config.redis_url);
        if (auto* error = std::get_if<std::string>(&parsed))
            throw ConfigError("redis_url: " + *error);
        endpoint = std::get<redis::RedisEndpoint>(parsed);
    }
    if (!config.redis_sentinels.empty()) {
        // The sentinels name a TCP host:port; a socket path has no place in that.
        if (endpoint.kind == redis::RedisEndpoint::unix_socket)
            throw ConfigError("redis_url: a unix:// socket cannot be used with redis_sentinels "
                              "(write redis://[user:password@]host[/db]: with sentinels only "
                              "its user, password and db are used)");
        if (!config.redis_url.empty())
            spdlog::info("redis: redis_sentinels is set: the master's address comes from them, "
                         "redis_url gives only user, password and db");
    }
    auto redis = std::make_unique<RedisBridge>(config, hub, info, std::move(endpoint));
    bridge = redis.get();
    return redis;
}
} // namespace

Server::Server(Config config)
    : config_(std::move(config)), live_(std::shared_ptr<const Config>(), &config_),
      hub_(config_, info_.hub_stats),
      broker_(make_broker(config_, hub_, info_, bridge_, cluster_)) {
    auto access = auth::AccessPolicy::from_config(config_);
    if (!config_.jwks_url.empty()) {
        jwks_ = std::make_unique<JwksFetcher>(hub_.context(), config_, info_, access);
        access->set_unknown_kid_hook([fetcher = jwks_.get()] { fetcher->kid_miss(); });
    }
    info_.access = std::move(access);
    unsigned threads =
        config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < threads; ++i)
        workers_.push_back(std::make_unique<Worker>(i, config_, hub_, *broker_, info_));
    std::vector<Worker*> raw;
    for (auto& w : workers_)
        raw.push_back(w.get());
    hub_.attach(raw);
    info_.workers = raw;
    raise_descriptor_limit();
    info_.limits.configure(resolve_max_connections(config_.max_connections),
                           config_.max_connections_per_ip);
}

Server::~Server() {
    for (auto& w : workers_)
        w->context().stop();
    hub_.context().stop();
    if (hub_thread_.joinable())
        hub_thread_.join();
}

bool Server::bind(error_code& ec) {
    auto address = parse_listen(config_.listen);
    net::io_context resolver_context;
    tcp::resolver resolver(resolver_context);
    auto results = resolver.resolve(address.host, std::to_string(address.port),
                                    tcp::resolver::numeric_service, ec);
    if (ec)
        return false;
    tcp::endpoint endpoint = results.begin()->endpoint();
    // Port 0: the first acceptor picks a port, the others share it.
    for (auto& worker : workers_) {
        worker->listen(endpoint, ec);
        if (ec)
            return false;
        endpoint = worker->local_endpoint();
    }
    return true;
}

int Server::run() {
    error_code ec;
    if (!bind(ec)) {
        spdlog::critical("cannot listen on {}: {}", config_.listen, ec.message());
        return 1;
    }
    auto endpoint = workers_.front()->local_endpoint();
    // Signals are read before anything says herald is up (the log, READY=1);
    // one sent earlier has waited, blocked, in the kernel (SignalWatch).
    net::io_context signals_context;
    net::steady_timer insecure_warning(signals_context);
    net::steady_timer keepalive_timer(signals_context);
    net::steady_timer drain_watch(signals_context);
    bool draining = false;
    // Until every connection is gone, or drain_window + shutdown_timeout.
    std::function<void()> watch_drain = [&] {
        if (drained()) {
            keepalive_timer.cancel(); // the watchdog is fed until here
            signals_.stop();
            return;
        }
        drain_watch.expires_after(std::chrono::milliseconds(20));
        drain_watch.async_wait([&](error_code ec) {
            if (!ec)
                watch_drain();
        });
    };
    signals_.start(signals_context, [&](int signal) {
        if (signal == SIGHUP && !draining) {
            reload();
        } else if (signal != SIGHUP && !draining) {
            draining = true;
            insecure_warning.cancel();
            spdlog::info("signal {}: draining: streams close over {} ms", signal,
                         live_->drain_window.count());
            begin_drain();
            watch_drain();
        } else if (signal != SIGHUP) {
            // Operators expect a second Ctrl-C (or SIGTERM) to mean "now".
            spdlog::info("signal {} during the drain: closing every connection now", signal);
            for (auto& worker : workers_)
                worker->drain_now();
        }
    });
    auto work = net::make_work_guard(hub_.context());
    hub_.start_maintenance();
    if (bridge_)
        net::post(hub_.context(), [this] { bridge_->start(); });
    if (cluster_)
        net::post(hub_.context(), [this] { cluster_->start(); });
    if (jwks_) // /readyz answers 503 until its first keys arrive
        net::post(hub_.context(), [this] { jwks_->start(); });
    hub_thread_ = std::thread([this] { hub_.context().run(); });
    for (auto& worker : workers_)
        worker->start();
    spdlog::info("max_connections {}, max_connections_per_ip {}", info_.limits.max_connections(),
                 config_.max_connections_per_ip);
    spdlog::info("herald {} listening on {}:{} with {} workers ({})", HERALD_VERSION,
                 endpoint.address().to_string(), endpoint.port(), workers_.size(),
                 bridge_ ? "Redis bridge" : cluster_ ? "Redis Cluster bridge" : "embedded broker");

    spdlog::info("access: {}", info_.access->describe());
    systemd::notify("READY=1");

    // --insecure must not go unnoticed in a log: warn now and every minute.
    std::function<void()> warn_insecure = [&] {
        spdlog::warn("insecure mode: no authentication and no Origin check; "
                     "every client may subscribe and publish to every channel");
        insecure_warning.expires_after(std::chrono::minutes(1));
        insecure_warning.async_wait([&](error_code ec) {
            if (!ec)
                warn_insecure();
        });
    };
    if (info_.access->insecure())
        warn_insecure();
    // WatchdogSec=: a keep-alive each half period, but only while the hub and
    // every worker answer a posted ping, so that a wedged loop gets restarted.
    systemd::LoopWatchdog watchdog(workers_.size() + 1);
    const auto keepalive_period = systemd::watchdog_period();
    std::function<void()> keep_alive = [&] {
        if (watchdog.round_complete()) {
            systemd::notify("WATCHDOG=1");
            auto ping = [&watchdog] { watchdog.answered(); };
            net::post(hub_.context(), ping);
            for (auto& worker : workers_)
                net::post(worker->context(), ping);
        } else {
            spdlog::warn(
                "an event loop has not answered the watchdog ping for {} ms; "
                "no keep-alive to systemd",
                std::chrono::duration_cast<std::chrono::milliseconds>(keepalive_period).count());
        }
        keepalive_timer.expires_after(keepalive_period);
        keepalive_timer.async_wait([&](error_code ec) {
            if (!ec)
                keep_alive();
        });
    };
    if (keepalive_period.count() > 0)
        keep_alive();
    signals_context.run();
    signals_.stop(); // before signals_context goes (the drain has stopped it already)

    finish();
    work.reset();
    return 0;
}

void Server::begin_drain() {
    info_.shutting_down = true; // /readyz: 503 "draining"
    systemd::notify("STOPPING=1");
    for (auto& worker : workers_)
        worker->begin_drain(live_->drain_window);
    drain_deadline_ = Clock::now() + live_->drain_window + live_->shutdown_timeout;
}

bool Server::drained() const {
    return Clock::now() >= drain_deadline_ ||
           std::all_of(workers_.begin(), workers_.end(), [](auto& w) { return w->idle(); });
}

void Server::finish() {
    std::size_t cut = 0;
    for (auto& worker : workers_)
        cut += worker->open_connections();
    if (cut > 0)
        spdlog::warn("drain_window + shutdown_timeout reached with {} connections still open; "
                     "cutting them",
                     cut);
    for (auto& worker : workers_) {
        worker->context().stop();
        worker->join();
    }
    net::post(hub_.context(), [this] {
        if (bridge_)
            bridge_->stop();
        if (cluster_)
            cluster_->stop();
        hub_.stop();
        hub_.context().stop();
    });
    if (hub_thread_.joinable())
        hub_thread_.join();
    spdlog::info("stopped");
}

} // namespace herald
