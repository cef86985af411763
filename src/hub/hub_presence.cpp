// The hub's side of presence: the registry of who is subscribed to presence
// channels, and the join/leave events its changes make. Only channels whose
// namespace has presence reach here; the fan-out path knows nothing of it.
#include "herald/broker/broker.hpp"
#include "herald/hub/hub.hpp"

namespace herald {

void Hub::presence_add(const std::string& user, const std::string& info,
                       const std::vector<std::string>& channels) {
    for (const auto& channel : channels)
        if (auto change = presence_.add(channel, user, info))
            announce(*change);
    note_presence();
}

void Hub::presence_remove(const std::string& user, const std::vector<std::string>& channels) {
    for (const auto& channel : channels)
        if (auto change = presence_.remove(channel, user))
            announce(*change);
    note_presence();
}

void Hub::announce(const Presence::Change& change) {
    if (!channel_options(config_, change.channel).join_leave)
        return;
    auto data = Presence::event_data(change.user, change.info);
    // The data is a JSON object, so EventSource's event.data is its text.
    Publication publication{change.channel, change.event(), "", data, data, true, ""};
    stamp_publication(config_, publication);
    if (publish_presence_event) {
        // Through Redis, and back to every node's subscribers (this one's too).
        std::vector<Publication> batch;
        batch.push_back(std::move(publication));
        publish_presence_event(std::move(batch));
        return;
    }
    std::vector<std::shared_ptr<Event>> batch;
    batch.push_back(make_event(std::move(publication)));
    ingest(std::move(batch), false);
}

void Hub::note_presence() {
    stats_.presence_channels.set(presence_.channels());
    stats_.presence_members.set(presence_.member_count());
}

} // namespace herald
