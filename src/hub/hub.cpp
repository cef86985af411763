#include "herald/hub/hub.hpp"

#include "herald/poll/poll_cursor.hpp"
#include "herald/server/worker.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <unordered_set>

namespace herald {
namespace {

// Each channel's history limits come from its namespace, or the global keys.
History make_history(const Config& config) {
    auto longest_ttl = config.history_ttl;
    for (const auto& ns : config.namespaces)
        longest_ttl = std::max(longest_ttl, ns.history_ttl.value_or(longest_ttl));
    return History(
        [&config](std::string_view channel) {
            const auto options = channel_options(config, channel);
            return History::Limits{options.history_size, options.history_ttl};
        },
        longest_ttl);
}

std::string random_boot_id() {
    std::random_device random;
    const auto value = (std::uint64_t{random()} << 32) | random();
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

} // namespace

void Hub::stamp_slow_consumer(Event& event) const {
    // Once per event, here, rather than per recipient on the workers. A
    // reset notice is never dropped or replaced: it is what says so.
    if (event.reset_notice)
        return;
    event.slow_consumer = channel_options(live(), event.channel).slow_consumer;
    if (event.slow_consumer == SlowConsumer::latest)
        event.latest_hash = latest_key_hash(event.channel, event.key);
}

Hub::Hub(const Config& config, HubStats& stats)
    : config_(config), live_(std::shared_ptr<const Config>(), &config), stats_(stats),
      boot_id_(random_boot_id()), history_(make_history(config)) {}

void Hub::apply(std::shared_ptr<const Config> config) {
    net::post(context_, [this, config = std::move(config)]() mutable { live_ = std::move(config); });
}

PublishResult Hub::ingest(std::vector<std::shared_ptr<Event>> events, bool reject_duplicates) {
    PublishResult result;
    if (reject_duplicates) {
        std::unordered_set<std::string_view> batch_ids;
        for (const auto& e : events) {
            if (e->ephemeral)
                continue;
            if (history_.contains(e->channel, e->id) || !batch_ids.insert(e->id).second) {
                stats_.duplicate_ids.add();
                result.failure = PublishResult::Failure::duplicate_id;
                result.error = "id: duplicate id '" + e->id + "' on channel '" + e->channel + "'";
                return result;
            }
        }
    }
    auto now = Clock::now();
    std::vector<WorkerInbox::Batch> per_worker(workers_.size());
    result.ids.reserve(events.size());
    for (auto& mutable_event : events) {
        mutable_event->seq = next_seq_++;
        stamp_slow_consumer(*mutable_event);
        EventPtr event = std::move(mutable_event);
        if (!event->ephemeral)
            history_.append(event, now);
        else if (event->reset_notice)
            history_.mark_gap(event->channel, event->seq, now);
        result.ids.push_back(event->id);
        const auto* per = counts_.find(event->channel);
        if (!per)
            continue;
        for (std::size_t w = 0; w < per_worker.size(); ++w)
            if ((*per)[w] > 0)
                per_worker[w].push_back({event, (*per)[w]});
    }
    stats_.events_ingested.add(events.size());
    // One hand-off per worker per batch, never one per event or per recipient.
    for (std::size_t w = 0; w < per_worker.size(); ++w)
        if (!per_worker[w].empty())
            workers_[w]->offer(std::move(per_worker[w]));
    return result;
}

bool Hub::busy(const std::string& channel) const {
    const auto* per = counts_.find(channel);
    if (!per)
        return false; // nobody here: made for history, fanned out to no one
    for (std::size_t w = 0; w < per->size(); ++w)
        if ((*per)[w] > 0 && workers_[w]->has_room((*per)[w]))
            return false;
    return true;
}

void Hub::shed_unmade(const std::string& channel) {
    // A resume across it must not replay around the hole.
    history_.mark_gap(channel, next_seq_++, Clock::now());
    stats_.events_shed.add();
    if (const auto* per = counts_.find(channel))
        for (std::size_t w = 0; w < per->size(); ++w)
            if ((*per)[w] > 0)
                workers_[w]->shed(channel);
}

void Hub::subscribe(unsigned worker, std::vector<std::string> channels,
                    std::optional<std::string> last_event_id, SubscribeHandler done) {
    for (const auto& channel : channels)
        if (counts_.add(channel, worker) && on_channel_active)
            on_channel_active(channel);
    stats_.channels_active.set(counts_.active_channels());
    Waiting w{std::move(channels), std::move(last_event_id), next_seq_,
              Clock::now() + config_.canary_timeout, std::move(done)};
    if (all_live(w.channels))
        return release(w);
    waiting_.push_back(std::move(w));
    schedule_waiting_check();
}

bool Hub::all_live(const std::vector<std::string>& channels) const {
    if (!is_channel_live)
        return true;
    return std::all_of(channels.begin(), channels.end(),
                       [this](const std::string& c) { return is_channel_live(c); });
}

void Hub::release(Waiting& w) {
    // A position of ours is this node's own (memory) business; an event id,
    // or latest_on_subscribe, is read from the shared history when there is one.
    const auto position = w.last_event_id ? parse_position(*w.last_event_id) : std::nullopt;
    const bool ours = position && position->boot == boot_id_;
    auto latest = latest_channels(w);
    if (!shared_history_ || ours || (!w.last_event_id && latest.empty()))
        return w.done(result_for(w));
    shared_history_->read(w.channels, w.last_event_id, latest,
                          [this, w](SharedHistory::Read read) {
                              w.done(result_from(w, std::move(read)));
                          });
}

std::vector<std::string> Hub::latest_channels(const Waiting& w) const {
    std::vector<std::string> latest;
    for (const auto& channel : w.channels)
        if (const auto* ns = find_namespace(live().namespaces, channel);
            ns && ns->latest_on_subscribe)
            latest.push_back(channel);
    return latest;
}

SubscribeResult Hub::result_from(const Waiting& w, SharedHistory::Read read) {
    if (read.unknown_id)
        return result_for(w);
    SubscribeResult result;
    result.last_seq = next_seq_ - 1;
    if (read.reset) {
        result.reset = true;
        result.reset_reason = std::move(read.reason);
        return result;
    }
    // Live events that reached the channels while the subscriber waited are
    // also in the read when they are in a stream: each comes once, the read's
    // (older) ones first.
    auto window = history_.since_seq(w.channels, w.from_seq);
    auto in_window = [&](const Event& e) {
        return std::any_of(window.begin(), window.end(), [&](const EventPtr& live) {
            return live->channel == e.channel && live->stream_ms == e.stream_ms &&
                   live->stream_seq == e.stream_seq;
        });
    };
    for (auto& event : read.events) {
        if (in_window(*event))
            continue;
        stamp_slow_consumer(*event);
        result.replay.push_back(std::move(event));
    }
    result.replay.insert(result.replay.end(), window.begin(), window.end());
    return result;
}

SubscribeResult Hub::result_for(const Waiting& w) {
    SubscribeResult result;
    result.last_seq = next_seq_ - 1;
    if (w.last_event_id) {
        // A position of ours (a long poll that saw no event), else an event id.
        // A position of another process is looked up as an id: a publisher's
        // id may look like one, and if it does not resolve it is a reset.
        const auto position = parse_position(*w.last_event_id);
        const bool ours = position && position->boot == boot_id_;
        auto replay = !ours ? history_.since(w.channels, *w.last_event_id, Clock::now())
                      : position->seq <= result.last_seq
                          ? history_.after_seq(w.channels, position->seq, Clock::now())
                          : History::Replay{true, "cursor ahead of this node", {}};
        if (replay.reset && position && !ours)
            replay.reason = "cursor from another node or an earlier run";
        result.reset = replay.reset;
        result.reset_reason = std::move(replay.reason);
        result.replay = std::move(replay.events);
    } else {
        // Events that reached already-live channels while the others waited.
        if (w.from_seq < next_seq_)
            result.replay = history_.since_seq(w.channels, w.from_seq);
        add_latest(w, result.replay);
    }
    return result;
}

void Hub::add_latest(const Waiting& w, std::vector<EventPtr>& replay) {
    // latest_on_subscribe: the newest stored event of each such channel comes
    // first, unless it is already in the replay (published while waiting).
    bool added = false;
    for (const auto& channel : w.channels) {
        const auto* ns = find_namespace(live().namespaces, channel);
        if (!ns || !ns->latest_on_subscribe)
            continue;
        if (auto latest = history_.latest(channel, Clock::now()); latest && latest->seq < w.from_seq) {
            replay.push_back(std::move(latest));
            added = true;
        }
    }
    if (added)
        std::sort(replay.begin(), replay.end(),
                  [](const EventPtr& a, const EventPtr& b) { return a->seq < b->seq; });
}

void Hub::channels_confirmed() {
    // `done` only posts to a worker, so waiting_ cannot change underneath.
    auto now = Clock::now();
    std::erase_if(waiting_, [&](Waiting& w) {
        if (!all_live(w.channels) && now < w.deadline)
            return false;
        release(w);
        return true;
    });
}

void Hub::schedule_waiting_check() {
    // Deadlines of waiting subscribers; confirmations release them earlier.
    if (waiting_timer_armed_)
        return;
    waiting_timer_armed_ = true;
    waiting_timer_.expires_after(std::chrono::milliseconds(50));
    waiting_timer_.async_wait([this](error_code ec) {
        waiting_timer_armed_ = false;
        if (ec || stopped_)
            return;
        channels_confirmed();
        if (!waiting_.empty())
            schedule_waiting_check();
    });
}

void Hub::unsubscribe(unsigned worker, const std::vector<std::string>& channels) {
    for (const auto& channel : channels)
        if (counts_.remove(channel, worker) && on_channel_idle)
            on_channel_idle(channel);
    stats_.channels_active.set(counts_.active_channels());
}

void Hub::start_maintenance() {
    schedule_expiry();
}

void Hub::stop() {
    stopped_ = true;
    expiry_timer_.cancel();
    waiting_timer_.cancel();
}

void Hub::schedule_expiry() {
    expiry_timer_.expires_after(std::chrono::seconds(1));
    expiry_timer_.async_wait([this](error_code ec) {
        if (ec || stopped_)
            return;
        history_.expire(Clock::now());
        stats_.history_events.set(history_.event_count());
        stats_.history_channels.set(history_.channel_count());
        schedule_expiry();
    });
}

} // namespace herald
