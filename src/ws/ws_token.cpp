// WsSession and its token's lifetime (README "Token lifetimes"). A WebSocket
// can be handed a new token in the stream, so herald asks for one before
// exp ({"type":"refresh"}) and closes with 4001 only when none came by exp
// plus jwt_leeway. All of it runs on the session's worker, from the sweep
// or from the client's message.
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"
#include "herald/ws/client_message.hpp"
#include "herald/ws/ws_session.hpp"

#include <spdlog/spdlog.h>

namespace herald {

namespace {
// 4000-4999 is for applications (RFC 6455 7.4.2); 4001 echoes HTTP 401,
// which the same token would get at a new upgrade.
constexpr std::uint16_t token_expired_close_code = 4001;
} // namespace

bool WsSession::check_token(Clock::time_point now) {
    switch (token_deadline_.check(now)) {
    case auth::TokenDeadline::Due::nothing:
        return true;
    case auth::TokenDeadline::Due::refresh:
        send_text(make_refresh_message());
        return true;
    case auth::TokenDeadline::Due::expire:
        break;
    }
    worker_.stats().rejection(Rejection::token_expired);
    spdlog::debug("ws {}: token expired, closing", peer());
    close_with(token_expired_close_code, "token expired");
    return false;
}

void WsSession::handle_refresh(const std::string& token) {
    const auto& access = worker_.access();
    const auto& current = identity();
    // An anonymous connection never had a token to run out: a refresh would
    // be a login, which happens at the upgrade.
    if (!current.has_token)
        return send_text(
            make_error_message("refresh: this connection has no token to replace", "bad_message"));
    auto result = access.authenticate(token);
    if (auto* failure = std::get_if<auth::TokenFailure>(&result)) {
        worker_.stats().auth_failure(static_cast<AuthFailure>(failure->error));
        // The current token stays, until its own deadline.
        return send_text(
            make_error_message("refresh: invalid token: " + failure->message, "unauthorized"));
    }
    auto& fresh = std::get<auth::Identity>(result);
    // The connection's user is who presence shows and what `from` says: a
    // token of someone else must not turn it into their connection.
    if (fresh.user != current.user) {
        worker_.stats().auth_failure(AuthFailure::other_user);
        return send_text(
            make_error_message("refresh: the token is for another user (sub)", "forbidden"));
    }
    fresh.anonymous_id = current.anonymous_id;
    const std::int64_t exp = fresh.expires;
    set_identity(std::make_shared<const auth::Identity>(std::move(fresh)));
    arm_token_deadline(exp, /*ask_refresh=*/true);
    drop_disallowed_channels();
    send_text(make_refreshed_message(exp));
}

void WsSession::drop_disallowed_channels() {
    // The safe side: what the new token does not allow is left at once,
    // rather than kept on the strength of a token that is gone.
    const auto& access = worker_.access();
    for (const auto& channel : channel_names()) {
        if (access.may_subscribe(identity(), channel))
            continue;
        worker_.stats().auth_failure(AuthFailure::forbidden_channel);
        unsubscribe(channel);
        send_text(make_error_message("token no longer allows channel " + channel, "forbidden"));
        send_text(make_unsubscribed_message(channel, "token"));
    }
}

} // namespace herald
