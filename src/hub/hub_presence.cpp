// The hub's side of presence: the registry of who is subscribed to presence
// channels, and the join/leave events its changes make. Only channels whose
// namespace has presence reach here; the fan-out path knows nothing of it.
//
// Every node announces joins and leaves to its own subscribers only: with
// Redis, each node that follows a channel sees the same changes (its own,
// and the other nodes' deltas), so each subscriber hears of each change once.
#include "herald/broker/broker.hpp"
#include "herald/hub/hub.hpp"

namespace herald {

void Hub::presence_add(const std::string& user, const std::string& info,
                       const std::vector<std::string>& channels) {
    for (const auto& channel : channels) {
        auto change = presence_.add(channel, user, info);
        if (shared_presence_)
            shared_presence_->on_local_change(presence_.local_entry(channel, user));
        if (change && (!shared_presence_ || shared_presence_->announcing(channel)))
            announce(*change);
    }
    note_presence();
}

void Hub::presence_remove(const std::string& user, const std::vector<std::string>& channels) {
    for (const auto& channel : channels) {
        auto change = presence_.remove(channel, user);
        if (shared_presence_)
            shared_presence_->on_local_change(presence_.local_entry(channel, user));
        if (change && (!shared_presence_ || shared_presence_->announcing(channel)))
            announce(*change);
    }
    note_presence();
}

void Hub::presence_query(const std::string& channel, PresenceHandler done) {
    if (shared_presence_ && !shared_presence_->synced(channel))
        return shared_presence_->fetch(channel, std::move(done));
    done(presence_.answer(channel));
}

void Hub::presence_merge(const Presence::Entry& entry) {
    if (auto change =
            presence_.merge(entry.node, entry.channel, entry.user, entry.connections, entry.info))
        announce(*change);
    note_presence();
}

void Hub::presence_snapshot(const std::string& channel,
                            const std::vector<Presence::Entry>& entries, bool initial) {
    auto changes = presence_.replace_remote(channel, entries);
    if (initial) {
        // The other nodes' members were there before: no events for them.
        // This node's own users, whose joins waited for this, join now
        // unless they were already members elsewhere.
        changes.clear();
        for (const auto& local : presence_.local_entries(channel))
            if (!presence_.elsewhere(channel, local.user))
                changes.push_back({Presence::Change::Kind::join, channel, local.user, local.info});
    }
    for (const auto& change : changes)
        announce(change);
    note_presence();
}

void Hub::presence_drop_node(const std::string& node) {
    for (const auto& change : presence_.drop_node(node))
        announce(change);
    note_presence();
}

void Hub::presence_forget(const std::string& channel) {
    presence_.forget_remote(channel);
    note_presence();
}

void Hub::announce(const Presence::Change& change) {
    if (!channel_options(live(), change.channel).join_leave)
        return;
    auto data = Presence::event_data(change.user, change.info);
    // The data is a JSON object, so EventSource's event.data is its text.
    Publication publication{change.channel, change.event(), "", data, data, true, ""};
    stamp_publication(live(), publication);
    std::vector<std::shared_ptr<Event>> batch;
    batch.push_back(make_event(std::move(publication)));
    ingest(std::move(batch), false);
}

void Hub::note_presence() {
    stats_.presence_channels.set(presence_.channels());
    stats_.presence_members.set(presence_.member_count());
}

} // namespace herald
