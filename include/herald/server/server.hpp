#pragma once
// Owns the hub thread, the broker and the worker pool; turns SIGINT/SIGTERM
// into a drain spread over drain_window and bounded by shutdown_timeout after
// it, and SIGHUP into a reload of the configuration (README "Drain and reload").
#include "herald/broker/broker.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/hub.hpp"
#include "herald/server/jwks_fetcher.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/signal_watch.hpp"
#include "herald/server/worker.hpp"

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace herald {

namespace auth {
class AccessPolicy;
}
class RedisBridge;
class RedisClusterBridge;

class Server {
public:
    explicit Server(Config config);
    ~Server();
    // Throws ConfigError for a bad redis_url.
    // Binds, runs until a signal, shuts down. Returns the process exit code.
    int run();
    // The command line (argv[0] included) and environment the configuration
    // was read from: a reload parses them again over the re-read file, so
    // that the precedence file < environment < flag holds as at start-up.
    // Without it SIGHUP has nothing to read and is ignored.
    void set_reload_source(std::vector<std::string> args, std::vector<std::string> environment);

private:
    bool bind(error_code& ec);
    void begin_drain();
    bool drained() const;
    void finish();
    // server_reload.cpp
    void reload();
    void apply(const Config& next, std::shared_ptr<const auth::AccessPolicy> access);

    // First: the signals are blocked before anything below can start a thread.
    SignalWatch signals_;
    Config config_; // as at start-up: what the objects built from it keep
    // The live configuration: config_ until a reload; read on the main thread,
    // and posted to each worker and the hub, which keep their own copy.
    std::shared_ptr<const Config> live_;
    std::vector<std::string> reload_args_;
    std::vector<std::string> reload_environment_;
    Clock::time_point drain_deadline_;
    ServerInfo info_;
    Hub hub_;
    std::unique_ptr<JwksFetcher> jwks_;     // with jwks_url; runs on the hub's context
    RedisBridge* bridge_ = nullptr;         // set when redis_url is configured
    RedisClusterBridge* cluster_ = nullptr; // set when redis_cluster is
    std::unique_ptr<Broker> broker_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::thread hub_thread_;
};

} // namespace herald
