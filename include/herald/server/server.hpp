#pragma once
// Owns the hub thread, the broker and the worker pool; turns SIGINT/SIGTERM
// into a graceful shutdown bounded by shutdown_timeout.
#include "herald/broker/broker.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/hub.hpp"
#include "herald/server/jwks_fetcher.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"

#include <memory>
#include <thread>
#include <vector>

namespace herald {

class RedisBridge;
class RedisClusterBridge;

class Server {
public:
    explicit Server(Config config);
    ~Server();
    // Throws ConfigError for a bad redis_url.
    // Binds, runs until a signal, shuts down. Returns the process exit code.
    int run();

private:
    bool bind(error_code& ec);
    void shutdown();

    Config config_;
    ServerInfo info_;
    Hub hub_;
    std::unique_ptr<JwksFetcher> jwks_; // with jwks_url; runs on the hub's context
    RedisBridge* bridge_ = nullptr; // set when redis_url is configured
    RedisClusterBridge* cluster_ = nullptr; // set when redis_cluster is
    std::unique_ptr<Broker> broker_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::thread hub_thread_;
};

} // namespace herald
