#include "herald/http/admin_request.hpp"

#include "herald/hub/channel.hpp"
#include "herald/wire/json.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

namespace herald {

namespace {

using admin::Action;

// A user id is what a token's sub may be: any non-empty text, bounded.
constexpr std::size_t max_user = 1024;

std::optional<ParamError> check_user(const std::string& user) {
    if (user.empty())
        return ParamError{"user", "user: required"};
    if (user.size() > max_user)
        return ParamError{"user", "user: too long (max 1024 bytes)"};
    return std::nullopt;
}

std::variant<admin::Request, ParamError> from_query(Action action, std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url)
        return ParamError{"target", "malformed request target"};
    admin::Request request;
    request.action = action;
    for (auto param : url->params()) {
        if (param.key == "user") {
            request.user = param.value;
        } else if (param.key == "pattern") {
            if (param.value.size() > 256)
                return ParamError{"pattern", "pattern: too long (max 256 bytes)"};
            request.pattern = param.value;
        } else if (param.key == "cursor") {
            request.cursor = param.value;
        } else if (param.key == "limit") {
            const auto& v = param.value;
            std::size_t limit = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
            if (ec != std::errc{} || end != v.data() + v.size() || limit == 0 ||
                limit > admin::max_limit)
                return ParamError{"limit", "limit: an integer from 1 to 1000"};
            request.limit = limit;
        }
    }
    if (action == Action::connections)
        if (auto error = check_user(request.user))
            return *error;
    return request;
}

std::variant<admin::Request, ParamError> from_body(Action action, std::string_view body) {
    if (json_nesting_exceeds(body))
        return ParamError{"body", json_too_deep_message()};
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object())
        return ParamError{"body", "body: a JSON object expected"};
    admin::Request request;
    request.action = action;
    auto text = [&](const char* name, std::string& out) -> std::optional<ParamError> {
        auto it = json.find(name);
        if (it == json.end())
            return std::nullopt;
        if (!it->is_string())
            return ParamError{name, std::string(name) + ": a string expected"};
        out = it->get<std::string>();
        return std::nullopt;
    };
    for (auto [name, out] : {std::pair{"user", &request.user}, {"channel", &request.channel},
                             {"reason", &request.reason}})
        if (auto error = text(name, *out))
            return *error;
    if (auto error = check_user(request.user))
        return *error;
    if (action == Action::unsubscribe && !is_valid_channel(request.channel))
        return ParamError{"channel", "channel: required, 1-200 chars of A-Za-z0-9_-:.@/="};
    if (request.reason.empty())
        request.reason = admin::default_reason;
    request.reason = truncate_utf8(request.reason, max_close_reason);
    return request;
}

} // namespace

std::variant<admin::Request, ParamError>
parse_admin_request(Action action, std::string_view target, std::string_view body) {
    if (action == Action::channels || action == Action::connections)
        return from_query(action, target);
    return from_body(action, body);
}

std::string truncate_utf8(std::string_view reason, std::size_t max) {
    if (reason.size() <= max)
        return std::string(reason);
    auto end = max;
    // Back off continuation bytes (10xxxxxx) to the start of their sequence.
    while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80)
        --end;
    return std::string(reason.substr(0, end));
}

} // namespace herald
