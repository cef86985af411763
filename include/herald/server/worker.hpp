#pragma once
// One thread, one io_context, its own acceptor (SO_REUSEPORT), its own slice
// of the registry. Every connection lives its whole life here, so its
// handlers need no strand; only the hub posts in from outside.
#include "herald/config/config.hpp"
#include "herald/server/connection.hpp"
#include "herald/hub/admin.hpp"
#include "herald/hub/event.hpp"
#include "herald/server/flusher.hpp"
#include "herald/metrics/metrics.hpp"
#include "herald/util/net.hpp"
#include "herald/hub/shard.hpp"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace herald {

namespace upstream {
class HttpUpstream;
}
class Broker;
class Hub;
class Listener;
class Session;
struct ServerInfo;
struct SubscribeResult;

class Worker {
public:
    Worker(unsigned index, const Config& config, Hub& hub, Broker& broker, ServerInfo& info);
    ~Worker();

    unsigned index() const { return index_; }
    net::io_context& context() { return context_; }
    const Config& config() const { return config_; }
    WorkerStats& stats() { return stats_; }
    Flusher& flusher() { return flusher_; }
    Broker& broker() { return broker_; }
    // POSTs client sends to upstream_url; null with Redis or without the URL.
    upstream::HttpUpstream* http_upstream() { return http_upstream_.get(); }
    Hub& hub() { return hub_; }
    ServerInfo& info() { return info_; }
    ConnectionList& connections() { return connections_; }
    Shard& shard() { return shard_; }
    // Some namespace has presence (then sessions need their identity kept).
    bool presence_configured() const { return presence_configured_; }

    void listen(const tcp::endpoint& endpoint, error_code& ec);
    tcp::endpoint local_endpoint() const;
    void start();          // runs the io_context on a new thread
    void begin_shutdown(); // posted: stop accepting, close every connection
    void join();
    bool idle() const { return live_connections_.load() == 0; }

    // Worker thread. Asks the hub to register `channels` for `session`; on the
    // reply the session enters the shard and gets its replay.
    void subscribe(const std::shared_ptr<Session>& session, std::vector<std::string> channels,
                   std::optional<std::string> last_event_id);
    void on_subscribed(const std::shared_ptr<Session>& session,
                       const std::vector<std::string>& channels, const SubscribeResult& result);
    void unsubscribe(Session& session, const std::string& channel);
    void unsubscribe_all(Session& session);

    // Posted by the hub (hub_admin.cpp): this worker's share of an Admin API
    // request, done and reported (src/server/worker_admin.cpp).
    admin::Report admin_act(const admin::Request& request);

    // Posted by the hub: fan a batch out to this worker's subscribers.
    void deliver(const std::vector<EventPtr>& batch);

    void connection_opened(Connection& c);
    void connection_closed(Connection& c);

private:
    void schedule_sweep();
    void sweep();

    unsigned index_;
    const Config& config_;
    Hub& hub_;
    Broker& broker_;
    ServerInfo& info_;
    net::io_context context_{1};
    std::unique_ptr<upstream::HttpUpstream> http_upstream_;
    WorkerStats stats_;
    Flusher flusher_;
    Shard shard_;
    ConnectionList connections_;
    std::atomic<std::size_t> live_connections_{0};
    std::unique_ptr<Listener> listener_;
    net::steady_timer sweep_timer_;
    std::vector<std::shared_ptr<Connection>> due_;
    std::thread thread_;
    bool shutting_down_ = false;
    // Some namespace has presence: only then does a subscription look its
    // channel's options up on the way in.
    bool presence_configured_ = false;
};

} // namespace herald
