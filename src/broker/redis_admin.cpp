// The Redis bridge's share of the Admin API (README "Admin API"): the
// asking node PUBLISHes the request on the admin channel, and the reply
// (how many subscribers got it) says how many reports to wait for; every
// node, this one too, acts through its hub and PUBLISHes its report on the
// asker's reply channel. The asker answers when all reports are in, or
// after admin_wait with what came and "incomplete":true. The format is
// admin_wire's; the sum is AdminAnswer's.
#include "herald/broker/redis_bridge.hpp"

#include "herald/broker/redis/admin_wire.hpp"
#include "herald/broker/redis/command.hpp"
#include "herald/hub/admin_answer.hpp"

#include <spdlog/spdlog.h>

namespace herald {

namespace wire = redis::admin_wire;
using redis::Reply;

struct RedisBridge::AdminAsk {
    AdminAsk(admin::Request request, Hub::AdminAnswerHandler done, net::io_context& context)
        : answer(std::move(request)), done(std::move(done)), timer(context) {}
    admin::AdminAnswer answer;
    Hub::AdminAnswerHandler done;
    net::steady_timer timer;
};

void RedisBridge::ask(admin::Request request, Hub::AdminAnswerHandler done) {
    if (!commands_usable()) {
        // Redis is down: what this node can do is still worth doing (a
        // disconnect above all), and the answer says it is not everything.
        hub_.admin_local(request, [this, request, done = std::move(done)](admin::Report report) {
            admin::AdminAnswer answer(request);
            answer.add(std::move(report));
            info_.hub_stats.admin_incomplete.add();
            done(answer.body(/*incomplete=*/true));
        });
        return;
    }
    const auto id = ++next_admin_;
    auto payload = wire::encode_request({id, admin_reply_, request});
    auto ask = std::make_shared<AdminAsk>(std::move(request), std::move(done), hub_.context());
    asks_.emplace(id, ask);
    ask->timer.expires_after(admin_wait);
    ask->timer.async_wait([this, id](error_code ec) {
        if (!ec)
            admin_finish(id);
    });
    commands_->send(redis::format_command(
        {"PUBLISH", config_.channel_prefix + std::string(wire::request_name), payload}));
    command_queue_.push([this, id](const Reply& reply) {
        auto it = asks_.find(id);
        if (it == asks_.end())
            return;
        if (reply.type != Reply::Type::integer)
            return admin_finish(id); // the connection went: answer with what came
        it->second->answer.expect(static_cast<std::size_t>(std::max(0LL, reply.integer)));
        admin_check(id);
    });
}

void RedisBridge::on_admin_message(const std::string& name, std::string_view payload) {
    info_.redis_stats.messages_received.add();
    if (name == wire::request_name) {
        auto parsed = wire::parse_request(payload);
        if (auto* bad = std::get_if<wire::Bad>(&parsed))
            return admin_error(bad->reason);
        auto& envelope = std::get<wire::Envelope>(parsed);
        hub_.admin_local(envelope.request, [this, id = envelope.id,
                                            reply = envelope.reply](admin::Report report) {
            if (!commands_usable())
                return; // the asker's wait ends without us
            commands_->send(redis::format_command(
                {"PUBLISH", config_.channel_prefix + reply, wire::encode_report(id, report)}));
            command_queue_.push();
        });
        return;
    }
    if (name != admin_reply_)
        return; // another node's reply channel: never subscribed, never here
    auto parsed = wire::parse_report(payload);
    if (auto* bad = std::get_if<wire::Bad>(&parsed))
        return admin_error(bad->reason);
    auto& envelope = std::get<wire::ReportEnvelope>(parsed);
    auto it = asks_.find(envelope.id);
    if (it == asks_.end())
        return; // answered already (late, after admin_wait), or a restart's
    it->second->answer.add(std::move(envelope.report));
    admin_check(envelope.id);
}

void RedisBridge::admin_check(std::uint64_t id) {
    auto it = asks_.find(id);
    if (it != asks_.end() && it->second->answer.complete())
        admin_finish(id);
}

void RedisBridge::admin_finish(std::uint64_t id) {
    auto it = asks_.find(id);
    if (it == asks_.end())
        return;
    auto ask = std::move(it->second);
    asks_.erase(it);
    ask->timer.cancel();
    const bool incomplete = !ask->answer.complete();
    if (incomplete) {
        info_.hub_stats.admin_incomplete.add();
        spdlog::warn("admin: not every node answered within {} ms ({} did)", admin_wait.count(),
                     ask->answer.reports());
    }
    ask->done(ask->answer.body(incomplete));
}

void RedisBridge::admin_error(const std::string& what) {
    info_.hub_stats.admin_bad_messages.add();
    spdlog::warn("admin: ignored a message from Redis: {}", what);
}

} // namespace herald
