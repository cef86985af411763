#include "herald/server/worker.hpp"

#include "herald/upstream/http_upstream.hpp"

#include "herald/hub/hub.hpp"
#include "herald/poll/poll_cursor.hpp"
#include "herald/server/listener.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/session.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace herald {

namespace {
// How far the fan-out may fall behind before the hub's events are shed at
// the inbox (WorkerInbox): a few tenths of a second of a worker's work on a
// small machine (one fans out 300,000-400,000 deliveries a second on the
// benchmark's, docs/benchmarks-findings.md), inside the default
// max_queued_age, so that what is kept is still fresh when it goes out.
constexpr std::size_t inbox_max_deliveries = 131'072;
// The same for many small channels, where events rather than deliveries
// cost: this many queued events hold a few tens of MiB at most.
constexpr std::size_t inbox_max_events = 65'536;
// Deliveries per handler: after this many the worker lets its writes, reads
// and timers run before it fans out more (uWebSockets drains its pub/sub
// once per loop pass for the same reason). Four times this made a Redis
// flood's deliveries later (median 2.1 s against 1.2 s) for no more of them.
constexpr std::size_t deliveries_per_pass = 16'384;
} // namespace

Worker::Worker(unsigned index, const Config& config, Hub& hub, Broker& broker, ServerInfo& info)
    // The boot configuration is the Server's and outlives the worker: held
    // without ownership until a reload hands over an owned snapshot.
    : index_(index), config_(std::shared_ptr<const Config>(), &config), access_(info.access),
      hub_(hub), broker_(broker), info_(info), flusher_(context_, config.flush_interval),
      inbox_(inbox_max_deliveries, inbox_max_events),
      listener_(std::make_unique<Listener>(*this)), sweep_timer_(context_), drain_timer_(context_),
      presence_configured_(std::any_of(config.namespaces.begin(), config.namespaces.end(),
                                       [](const Namespace& ns) { return ns.presence; })) {
    if (!uses_redis(config) && !config.upstream_url.empty())
        http_upstream_ = std::make_unique<upstream::HttpUpstream>(
            context_, config,
            std::get<upstream::HttpTarget>(upstream::parse_http_target(config.upstream_url)));
}

Worker::~Worker() {
    join();
    // Close what is still open and run the aborted handlers here, so that no
    // session outlives the members of this worker that it uses.
    listener_->stop();
    sweep_timer_.cancel();
    drain_timer_.cancel();
    for (auto& c : connections_)
        c.abort();
    context_.restart();
    context_.poll();
}

void Worker::listen(const tcp::endpoint& endpoint, error_code& ec) {
    listener_->open(endpoint, ec);
}

tcp::endpoint Worker::local_endpoint() const {
    return listener_->local_endpoint();
}

void Worker::start() {
    listener_->start();
    schedule_sweep();
    thread_ = std::thread([this] {
        // Handlers return error codes; an exception here is a bug, and one
        // connection's bug must not take the worker down.
        for (;;) {
            try {
                context_.run();
                return;
            } catch (const std::exception& e) {
                spdlog::error("worker {}: unexpected exception: {}", index_, e.what());
            }
        }
    });
}

void Worker::join() {
    if (thread_.joinable())
        thread_.join();
}

void Worker::apply(std::shared_ptr<const Config> config,
                   std::shared_ptr<const auth::AccessPolicy> access) {
    net::post(context_, [this, config = std::move(config), access = std::move(access)]() mutable {
        config_ = std::move(config);
        access_ = std::move(access);
    });
}

void Worker::connection_opened(Connection& c) {
    connections_.push_back(c);
    live_connections_.fetch_add(1, std::memory_order_relaxed);
    auto t = static_cast<std::size_t>(c.transport());
    stats_.connections_open[t].add();
    stats_.connections_total[t].add();
}

void Worker::connection_closed(Connection& c) {
    live_connections_.fetch_sub(1, std::memory_order_relaxed);
    stats_.connections_open[static_cast<std::size_t>(c.transport())].sub();
    // The intrusive hook unlinks itself when the connection is destroyed.
}

void Worker::schedule_sweep() {
    // One timer per worker serves every connection's deadlines; its period is
    // the finest granularity any of them needs.
    auto period =
        std::min({Millis{1000}, config().heartbeat_interval / 2, config().handshake_timeout / 2,
                  config().heartbeat_timeout / 2, config().idle_timeout / 2});
    period = std::max(period, Millis{20});
    sweep_timer_.expires_after(period);
    sweep_timer_.async_wait([this](error_code ec) {
        if (ec)
            return;
        sweep();
        schedule_sweep();
    });
}

void Worker::sweep() {
    auto now = Clock::now();
    // Snapshot first: on_sweep may close connections, which unlinks them.
    for (auto& c : connections_)
        if (c.next_check() <= now)
            due_.push_back(c.shared_from_this());
    for (auto& c : due_)
        c->on_sweep(now);
    due_.clear();
    if (shutting_down_ && connections_.empty())
        sweep_timer_.cancel();
}

void Worker::subscribe(const std::shared_ptr<Session>& session, std::vector<std::string> channels,
                       std::optional<std::string> last_event_id) {
    net::post(hub_.context(), [this, weak = std::weak_ptr<Session>(session),
                               channels = std::move(channels),
                               last_event_id = std::move(last_event_id)]() mutable {
        auto requested = channels;
        hub_.subscribe(
            index_, std::move(requested), std::move(last_event_id),
            [this, weak, channels = std::move(channels)](SubscribeResult result) mutable {
                // Through the inbox, in line with the events: the session
                // enters the shard after every event its replay holds and
                // before every later one.
                post_from_hub([this, weak = std::move(weak), channels = std::move(channels),
                               result = std::move(result)]() mutable {
                    on_subscribed(weak.lock(), channels, result);
                });
            });
    });
}

void Worker::on_subscribed(const std::shared_ptr<Session>& session,
                           const std::vector<std::string>& channels,
                           const SubscribeResult& result) {
    // Registering only now, after the hub has counted us and taken the
    // replay, means every later event reaches this worker after the replay:
    // nothing is missed and nothing arrives twice.
    std::vector<std::string> unwanted;
    std::vector<std::string> confirmed; // every request still wanted gets its answer
    std::vector<std::string> joined;    // newly subscribed presence channels
    for (const auto& channel : channels) {
        if (!session || session->closing() || !session->take_pending(channel)) {
            unwanted.push_back(channel); // withdrawn, or the session is gone
            continue;
        }
        confirmed.push_back(channel);
        if (session->is_subscribed(channel)) {
            unwanted.push_back(channel); // a duplicate request: the hub counted it twice
            continue;
        }
        // A poll is one short request: counting it would make its client
        // join and leave on every poll.
        const bool presence = presence_configured_ && session->transport() != Transport::poll &&
                              channel_options(config(), channel).presence;
        auto& subs = session->subscriptions();
        subs.push_back({channel, 0, presence});
        shard_.add(channel, *session, static_cast<std::uint32_t>(subs.size() - 1));
        if (presence)
            joined.push_back(channel);
    }
    if (!unwanted.empty())
        net::post(hub_.context(),
                  [this, unwanted = std::move(unwanted)] { hub_.unsubscribe(index_, unwanted); });
    // After the session entered the shard: its own join reaches it too. Each
    // channel flagged here is removed from presence exactly once, when the
    // subscription goes (unsubscribe or unsubscribe_all).
    if (!joined.empty())
        net::post(hub_.context(), [this, user = session->identity().id(),
                                   info = session->identity().info, joined = std::move(joined)] {
            hub_.presence_add(user, info, joined);
        });
    if (session && !session->closing()) {
        session->on_subscribed(confirmed, result.reset, result.reset_reason, result.replay,
                               format_position(hub_.boot_id(), result.last_seq));
    }
}

void Worker::unsubscribe(Session& session, const std::string& channel) {
    auto& subs = session.subscriptions();
    auto it = std::find_if(subs.begin(), subs.end(),
                           [&](const Subscription& s) { return s.channel == channel; });
    if (it == subs.end())
        return;
    shard_.remove(channel, it->slot);
    const bool presence = it->presence;
    auto index = static_cast<std::uint32_t>(it - subs.begin());
    if (index + 1 != subs.size()) {
        *it = std::move(subs.back());
        shard_.reindex(it->channel, it->slot, index);
    }
    subs.pop_back();
    if (!presence)
        return net::post(hub_.context(), [this, channel] { hub_.unsubscribe(index_, {channel}); });
    net::post(hub_.context(), [this, channel, user = session.identity().id()] {
        hub_.unsubscribe(index_, {channel});
        hub_.presence_remove(user, {channel});
    });
}

void Worker::unsubscribe_all(Session& session) {
    auto& subs = session.subscriptions();
    if (subs.empty())
        return;
    std::vector<std::string> channels;
    std::vector<std::string> left; // presence channels, also in `channels`
    channels.reserve(subs.size());
    for (auto& s : subs) {
        shard_.remove(s.channel, s.slot);
        if (s.presence)
            left.push_back(s.channel);
        channels.push_back(std::move(s.channel));
    }
    subs.clear();
    if (left.empty())
        return net::post(hub_.context(), [this, channels = std::move(channels)] {
            hub_.unsubscribe(index_, channels);
        });
    net::post(hub_.context(), [this, channels = std::move(channels), left = std::move(left),
                               user = session.identity().id()] {
        hub_.unsubscribe(index_, channels);
        hub_.presence_remove(user, left);
    });
}

void Worker::offer(WorkerInbox::Batch batch) {
    if (inbox_.offer(std::move(batch)).wake)
        net::post(context_, [this] { on_inbox(); });
}

void Worker::post_from_hub(WorkerInbox::Task task) {
    if (inbox_.post(std::move(task)))
        net::post(context_, [this] { on_inbox(); });
}

void Worker::shed(const std::string& channel) {
    if (inbox_.shed(channel))
        net::post(context_, [this] { on_inbox(); });
}

void Worker::on_inbox() {
    inbox_.take(backlog_);
    std::size_t events = 0, deliveries = 0; // done, as the inbox counted them
    while (!backlog_.empty() && deliveries < deliveries_per_pass) {
        auto& item = backlog_.front();
        if (auto* batch = std::get_if<WorkerInbox::Batch>(&item)) {
            while (backlog_next_ < batch->size() && deliveries < deliveries_per_pass) {
                const auto& f = (*batch)[backlog_next_++];
                fan_out(f.event);
                ++events;
                deliveries += f.recipients;
            }
            if (backlog_next_ < batch->size())
                break;
            backlog_next_ = 0;
        } else if (auto* shed = std::get_if<WorkerInbox::Shed>(&item)) {
            announce_shed(*shed);
        } else {
            std::get<WorkerInbox::Task>(item)();
        }
        backlog_.pop_front();
    }
    inbox_.done(events, deliveries);
    // The flusher runs after this handler: one gather write per session.
    if (!backlog_.empty() && !inbox_continues_) {
        inbox_continues_ = true;
        net::post(context_, [this] {
            inbox_continues_ = false;
            on_inbox();
        });
    }
}

void Worker::fan_out(const EventPtr& event) {
    const auto* entries = shard_.find(event->channel);
    if (!entries)
        return;
    for (const auto& entry : *entries)
        entry.session->deliver(event);
}

void Worker::announce_shed(const WorkerInbox::Shed& shed) {
    // One notice per channel and pass, encoded once for all its subscribers
    // here, in the place of the events it counts.
    const auto* entries = shard_.find(shed.channel);
    if (!entries)
        return;
    stats_.backlog_events_dropped.add(shed.events * entries->size());
    fan_out(make_reset_notice(shed.channel,
                              "server busy: " + std::to_string(shed.events) + " events dropped",
                              shed.events));
}

} // namespace herald
