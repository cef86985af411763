#pragma once
// One thread, one io_context, its own acceptor (SO_REUSEPORT), its own slice
// of the registry. Every connection lives its whole life here, so its
// handlers need no strand; only the hub posts in from outside.
#include "herald/config/config.hpp"
#include "herald/server/connection.hpp"
#include "herald/hub/admin.hpp"
#include "herald/hub/event.hpp"
#include "herald/server/drain_schedule.hpp"
#include "herald/server/flusher.hpp"
#include "herald/server/worker_inbox.hpp"
#include "herald/metrics/metrics.hpp"
#include "herald/util/net.hpp"
#include "herald/hub/shard.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace herald {

namespace upstream {
class HttpUpstream;
}
namespace auth {
class AccessPolicy;
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
    // The live configuration (README "Drain and reload"): replaced by a
    // reload, on this thread, between two handlers. Read it per use; what a
    // session took from it when it was admitted stays with the session.
    const Config& config() const { return *config_; }
    // Who may subscribe and publish: this worker's own copy, replaced
    // with the configuration, so that the hot path takes no lock.
    const auth::AccessPolicy& access() const { return *access_; }
    // Any thread: installs a reloaded configuration and access policy here.
    void apply(std::shared_ptr<const Config> config,
               std::shared_ptr<const auth::AccessPolicy> access);
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
    // Posted: stop accepting, answer polls and close plain HTTP now, and
    // close the streams in slices spread over `window` (DrainSchedule).
    void begin_drain(Millis window);
    // Posted (a second SIGTERM): close every connection left, now.
    void drain_now();
    std::size_t open_connections() const { return live_connections_.load(); }
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

    // Hub thread: events to fan out to this worker's subscribers, and the
    // hub's answers, in the hub's order (WorkerInbox). What the worker is
    // too far behind to take is shed there, and its subscribers are told.
    void offer(WorkerInbox::Batch batch);
    void post_from_hub(WorkerInbox::Task task);
    bool has_room(std::uint32_t recipients) const { return inbox_.has_room(recipients); }
    void shed(const std::string& channel);

    void connection_opened(Connection& c);
    void connection_closed(Connection& c);

private:
    // Takes what the hub handed over and fans it out, a bounded slice per
    // handler, so that writes and reads run between slices of a flood.
    void on_inbox();
    void fan_out(const EventPtr& event);
    void announce_shed(const WorkerInbox::Shed& shed);
    void schedule_sweep();
    void sweep();
    void do_drain(Millis window);
    void on_drain_tick();
    void close_drained(std::size_t upto);
    void close_the_rest();

    unsigned index_;
    std::shared_ptr<const Config> config_;
    std::shared_ptr<const auth::AccessPolicy> access_;
    Hub& hub_;
    Broker& broker_;
    ServerInfo& info_;
    net::io_context context_{1};
    std::unique_ptr<upstream::HttpUpstream> http_upstream_;
    WorkerStats stats_;
    Flusher flusher_;
    Shard shard_;
    WorkerInbox inbox_;
    std::deque<WorkerInbox::Item> backlog_; // taken from the inbox, in order
    std::size_t backlog_next_ = 0;          // next event of the front batch
    bool inbox_continues_ = false;          // on_inbox() is posted again
    ConnectionList connections_;
    std::atomic<std::size_t> live_connections_{0};
    std::unique_ptr<Listener> listener_;
    net::steady_timer sweep_timer_;
    std::vector<std::shared_ptr<Connection>> due_;
    std::thread thread_;
    bool shutting_down_ = false;
    // The drain: the streams open when it began, oldest first, closed in
    // the schedule's slices; then whatever opened meanwhile (an upgrade
    // that was under way).
    std::vector<std::weak_ptr<Connection>> draining_;
    std::optional<DrainSchedule> drain_;
    std::optional<RetryJitter> jitter_;
    std::size_t drain_tick_ = 0;
    std::size_t drain_closed_ = 0;
    Clock::time_point drain_started_;
    net::steady_timer drain_timer_;
    // Some namespace has presence: only then does a subscription look its
    // channel's options up on the way in.
    bool presence_configured_ = false;
};

} // namespace herald
