// A worker's share of an Admin API request: what its sessions report, and
// what it does to them (README "Admin API"). Posted by the hub
// (hub_admin.cpp), run on this worker's thread, the only one that may touch
// its sessions.
#include "herald/hub/admin_answer.hpp"
#include "herald/server/session.hpp"
#include "herald/server/worker.hpp"

#include <map>

namespace herald {

admin::Report Worker::admin_act(const admin::Request& request) {
    // Snapshot first, as sweep() does: a disconnect closes sessions, and a
    // closing session may leave the list under our feet.
    std::vector<std::shared_ptr<Session>> sessions;
    for (auto& c : connections_) {
        if (c.transport() == Transport::http)
            continue;
        auto session = std::static_pointer_cast<Session>(c.shared_from_this());
        if (session->closing())
            continue;
        if (request.action == admin::Action::channels ||
            session->identity().id() == request.user)
            sessions.push_back(std::move(session));
    }
    admin::Report report;
    switch (request.action) {
    case admin::Action::channels: {
        std::map<std::string, admin::ChannelCount> counts;
        for (const auto& s : sessions)
            for (const auto& sub : s->subscriptions()) {
                if (!request.pattern.empty() && !admin::glob_match(request.pattern, sub.channel))
                    continue;
                auto& c = counts[sub.channel];
                auto t = s->transport();
                ++(t == Transport::sse ? c.sse : t == Transport::ws ? c.ws : c.poll);
            }
        for (auto& [name, c] : counts) {
            c.channel = name;
            report.channels.push_back(std::move(c));
        }
        break;
    }
    case admin::Action::connections:
        for (const auto& s : sessions) {
            // peer() is "address[ user=id]", for logs: the address alone here.
            const auto& peer = s->peer();
            report.connections.push_back({"", transport_name(s->transport()), s->channel_names(),
                                          admin::rfc3339_utc(s->opened()),
                                          peer.substr(0, peer.find(' '))});
        }
        break;
    case admin::Action::disconnect:
        for (const auto& s : sessions)
            s->admin_disconnect(request.reason);
        report.count = sessions.size();
        break;
    case admin::Action::unsubscribe:
        for (const auto& s : sessions)
            report.count += s->admin_unsubscribe(request.channel) ? 1 : 0;
        break;
    }
    return report;
}

} // namespace herald
