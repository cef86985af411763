#pragma once
// The Admin API across nodes (README "Admin API"), whatever carries it: the
// asker publishes the request on admin_wire::request_name, the publish's
// integer reply (how many subscribers got it) says how many reports to wait
// for, every node acts through its hub and publishes its report on the
// asker's reply channel, and the asker answers when all reports are in, or
// after `wait` with what came and "incomplete":true.
//
// RedisBridge (PUBLISH/SUBSCRIBE) and RedisClusterBridge (SPUBLISH/
// SSUBSCRIBE to the owner of each channel's slot) differ only in how a
// payload goes out, so that is all they supply: a Publish. They subscribe
// to request_name and to reply_channel(), and hand what arrives there to
// on_message(). The format is admin_wire's, the sum AdminAnswer's. On the
// hub's thread, like both bridges.
#include "herald/hub/hub.hpp"
#include "herald/server/server_info.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace herald {

class AdminRelay final : public Hub::SharedAdmin {
public:
    // How many subscribers got a publish; nullopt when the command failed.
    using Receivers = std::function<void(std::optional<long long>)>;
    // Publishes `payload` on the herald-side channel name `channel` (the
    // bridge adds channel_prefix); `done`, when set, gets the reply. Returns
    // false, without calling `done`, when nothing can be sent now (Redis down).
    using Publish =
        std::function<bool(const std::string& channel, std::string payload, Receivers done)>;

    AdminRelay(Hub& hub, ServerInfo& info, Publish publish);

    static constexpr Millis wait{1000};
    // This node's reply channel (admin_wire::reply_name of its boot id).
    const std::string& reply_channel() const { return reply_; }

    // Hub::SharedAdmin.
    void ask(admin::Request request, Hub::AdminAnswerHandler done) override;
    // A message on request_name or reply_channel() (names without the prefix).
    void on_message(const std::string& channel, std::string_view payload);

private:
    struct Ask;
    void check(std::uint64_t id);
    void finish(std::uint64_t id);
    void error(const std::string& what);

    Hub& hub_;
    ServerInfo& info_;
    Publish publish_;
    const std::string reply_;
    std::uint64_t next_ = 0;
    std::unordered_map<std::uint64_t, std::shared_ptr<Ask>> asks_;
};

} // namespace herald
