// The hub's side of the Admin API: it fans a request out to its workers,
// each of which acts on its own sessions on its own thread, and gathers
// their shares into this node's report; with Redis, the bridge asks every
// node for theirs (SharedAdmin).
#include "herald/hub/admin_answer.hpp"
#include "herald/hub/hub.hpp"
#include "herald/server/worker.hpp"

#include <map>

namespace herald {

void Hub::admin(admin::Request request, AdminAnswerHandler done) {
    if (shared_admin_)
        return shared_admin_->ask(std::move(request), std::move(done));
    admin_local(request, [request, done = std::move(done)](admin::Report report) {
        admin::AdminAnswer answer(request);
        answer.add(std::move(report));
        done(answer.body(/*incomplete=*/false));
    });
}

void Hub::admin_local(const admin::Request& request, AdminReportHandler done) {
    // Touched on the hub thread only; the workers get a copy of the request
    // and hand their share back by posting here.
    struct Gather {
        admin::Request request;
        AdminReportHandler done;
        std::size_t left;
        admin::Report report;
        std::map<std::string, admin::ChannelCount> counts;
    };
    auto gather = std::make_shared<Gather>(Gather{request, std::move(done), workers_.size(), {}, {}});
    gather->report.node = boot_id_;
    auto finish = [this](Gather& g) {
        std::vector<admin::ChannelCount> counts;
        for (auto& entry : g.counts)
            counts.push_back(std::move(entry.second));
        g.report.channels = admin::channel_page(std::move(counts), g.request);
        for (auto& c : g.report.connections)
            c.node = boot_id_;
        g.done(std::move(g.report));
    };
    if (workers_.empty())
        return finish(*gather);
    for (auto* worker : workers_) {
        net::post(worker->context(), [this, worker, gather, request, finish] {
            auto share = worker->admin_act(request);
            net::post(context_, [gather, finish, share = std::move(share)]() mutable {
                auto& g = *gather;
                g.report.count += share.count;
                std::move(share.connections.begin(), share.connections.end(),
                          std::back_inserter(g.report.connections));
                for (auto& c : share.channels) {
                    auto& sum = g.counts[c.channel];
                    sum.channel = c.channel;
                    sum += c;
                }
                if (--g.left == 0)
                    finish(g);
            });
        });
    }
}

} // namespace herald
