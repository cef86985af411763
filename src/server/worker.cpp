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

Worker::Worker(unsigned index, const Config& config, Hub& hub, Broker& broker, ServerInfo& info)
    // The boot configuration is the Server's and outlives the worker: held
    // without ownership until a reload hands over an owned snapshot.
    : index_(index), config_(std::shared_ptr<const Config>(), &config), access_(info.access),
      hub_(hub), broker_(broker), info_(info), flusher_(context_, config.flush_interval),
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
                net::post(context_, [this, weak = std::move(weak), channels = std::move(channels),
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

void Worker::deliver(const std::vector<EventPtr>& batch) {
    for (const auto& event : batch) {
        const auto* entries = shard_.find(event->channel);
        if (!entries)
            continue;
        for (const auto& entry : *entries)
            entry.session->deliver(event);
    }
    // The flusher runs after this handler: one gather write per session.
}

} // namespace herald
