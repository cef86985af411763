// The transport-independent half of the Admin API across nodes: pending
// asks by id, each with its timer and its AdminAnswer, and what every node
// does with a request. How payloads travel is the bridge's Publish.
#include "herald/broker/admin_relay.hpp"

#include "herald/broker/redis/admin_wire.hpp"
#include "herald/hub/admin_answer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace herald {

namespace wire = redis::admin_wire;

struct AdminRelay::Ask {
    Ask(admin::Request request, Hub::AdminAnswerHandler done, net::io_context& context)
        : answer(std::move(request)), done(std::move(done)), timer(context) {}
    admin::AdminAnswer answer;
    Hub::AdminAnswerHandler done;
    net::steady_timer timer;
};

AdminRelay::AdminRelay(Hub& hub, ServerInfo& info, Publish publish)
    : hub_(hub), info_(info), publish_(std::move(publish)),
      reply_(wire::reply_name(hub.boot_id())) {}

void AdminRelay::ask(admin::Request request, Hub::AdminAnswerHandler done) {
    const auto id = ++next_;
    auto payload = wire::encode_request({id, reply_, request});
    auto ask = std::make_shared<Ask>(request, std::move(done), hub_.context());
    // In place before publishing: a Publish may answer at once.
    asks_.emplace(id, ask);
    ask->timer.expires_after(wait);
    ask->timer.async_wait([this, id](error_code ec) {
        if (!ec)
            finish(id);
    });
    const bool sent =
        publish_(std::string(wire::request_name), std::move(payload),
                 [this, id](std::optional<long long> receivers) {
                     auto it = asks_.find(id);
                     if (it == asks_.end())
                         return;
                     if (!receivers) // the connection went: answer with what came
                         return finish(id);
                     it->second->answer.expect(static_cast<std::size_t>(std::max(0LL, *receivers)));
                     check(id);
                 });
    if (sent)
        return;
    asks_.erase(id);
    ask->timer.cancel();
    // Redis is down: what this node can do is still worth doing (a
    // disconnect above all), and the answer says it is not everything.
    hub_.admin_local(request, [this, ask](admin::Report report) {
        ask->answer.add(std::move(report));
        info_.hub_stats.admin_incomplete.add();
        ask->done(ask->answer.body(/*incomplete=*/true));
    });
}

void AdminRelay::on_message(const std::string& channel, std::string_view payload) {
    if (channel == wire::request_name) {
        auto parsed = wire::parse_request(payload);
        if (auto* bad = std::get_if<wire::Bad>(&parsed))
            return error(bad->reason);
        auto& envelope = std::get<wire::Envelope>(parsed);
        hub_.admin_local(envelope.request,
                         [this, id = envelope.id, reply = envelope.reply](admin::Report report) {
                             // Not sent (Redis down): the asker's wait ends without us.
                             publish_(reply, wire::encode_report(id, report), nullptr);
                         });
        return;
    }
    if (channel != reply_)
        return; // another node's reply channel: never subscribed, never here
    auto parsed = wire::parse_report(payload);
    if (auto* bad = std::get_if<wire::Bad>(&parsed))
        return error(bad->reason);
    auto& envelope = std::get<wire::ReportEnvelope>(parsed);
    auto it = asks_.find(envelope.id);
    if (it == asks_.end())
        return; // answered already (late, after wait), or a restart's
    it->second->answer.add(std::move(envelope.report));
    check(envelope.id);
}

void AdminRelay::check(std::uint64_t id) {
    auto it = asks_.find(id);
    if (it != asks_.end() && it->second->answer.complete())
        finish(id);
}

void AdminRelay::finish(std::uint64_t id) {
    auto it = asks_.find(id);
    if (it == asks_.end())
        return;
    auto ask = std::move(it->second);
    asks_.erase(it);
    ask->timer.cancel();
    const bool incomplete = !ask->answer.complete();
    if (incomplete) {
        info_.hub_stats.admin_incomplete.add();
        spdlog::warn("admin: not every node answered within {} ms ({} did)", wait.count(),
                     ask->answer.reports());
    }
    ask->done(ask->answer.body(incomplete));
}

void AdminRelay::error(const std::string& what) {
    info_.hub_stats.admin_bad_messages.add();
    spdlog::warn("admin: ignored a message from Redis: {}", what);
}

} // namespace herald
