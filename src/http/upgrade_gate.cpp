#include "herald/http/upgrade_gate.hpp"

#include "herald/util/strings.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace herald {

namespace http = boost::beast::http;

namespace {

std::string_view cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        auto semi = header.find(';');
        auto pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name)
            continue;
        auto value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        return value;
    }
    return {};
}

GateRefusal token_refusal(const auth::TokenFailure& failure) {
    return {401, static_cast<AuthFailure>(failure.error), "invalid token: " + failure.message,
            "token"};
}

static_assert(static_cast<int>(AuthFailure::bad_claims) ==
              static_cast<int>(auth::TokenError::bad_claims));

} // namespace

std::string find_token(const UpgradeRequest& request, const StreamParams& params,
                       std::string_view cookie_name) {
    auto authorization = request[http::field::authorization];
    if (authorization.size() > 7 &&
        (authorization.substr(0, 7) == "Bearer " || authorization.substr(0, 7) == "bearer "))
        return std::string(trim(authorization.substr(7)));
    if (params.token && !params.token->empty())
        return *params.token;
    if (!cookie_name.empty())
        for (const auto& field : request)
            if (field.name() == http::field::cookie)
                if (auto value = cookie_value(field.value(), cookie_name); !value.empty())
                    return std::string(value);
    return {};
}

std::variant<auth::Identity, GateRefusal> check_upgrade(const auth::AccessPolicy& policy,
                                                        const UpgradeRequest& request,
                                                        StreamParams& params) {
    // Cross-site WebSocket hijacking: a page elsewhere opening a socket with
    // this user's cookies. Browsers always send Origin on WebSocket and on
    // cross-origin EventSource requests; other clients send none.
    if (auto origin = request.find(http::field::origin); origin != request.end())
        if (!policy.origin_allowed(origin->value(), request[http::field::host]))
            return GateRefusal{403, AuthFailure::forbidden_origin,
                               "origin not allowed: " + std::string(origin->value()), "origin"};

    auth::Identity identity;
    if (auto token = find_token(request, params, policy.token_cookie()); !token.empty()) {
        auto result = policy.authenticate(token);
        if (auto* who = std::get_if<auth::Identity>(&result))
            identity = std::move(*who);
        else if (!policy.insecure())
            return token_refusal(std::get<auth::TokenFailure>(result));
        else
            spdlog::debug("insecure mode: ignoring an invalid token: {}",
                          std::get<auth::TokenFailure>(result).message);
    }
    for (const auto& channel : params.channels) {
        if (policy.may_subscribe(identity, channel))
            continue;
        if (!identity.has_token)
            return GateRefusal{401, AuthFailure::no_token, "channel " + channel + " needs a token",
                               "channel"};
        return GateRefusal{403, AuthFailure::forbidden_channel,
                           "token does not allow channel " + channel, "channel"};
    }
    if (identity.user) {
        auto own = "user:" + *identity.user;
        if (std::find(params.channels.begin(), params.channels.end(), own) == params.channels.end())
            params.channels.push_back(std::move(own));
    }
    return identity;
}

} // namespace herald
