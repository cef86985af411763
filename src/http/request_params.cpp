#include "herald/http/request_params.hpp"

#include "herald/hub/channel.hpp"
#include "herald/util/strings.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>

namespace herald {

std::variant<StreamParams, ParamError> parse_stream_target(std::string_view target,
                                                           std::size_t max_channels) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url)
        return ParamError{"target", "malformed request target"};
    StreamParams params;
    params.path = std::string(url->path());
    for (auto param : url->params()) {
        if (param.key == "channel") {
            if (!is_valid_channel(param.value))
                return ParamError{"channel",
                                  "invalid channel name (1-200 chars of A-Za-z0-9_-:.@/=)"};
            if (std::find(params.channels.begin(), params.channels.end(), param.value) ==
                params.channels.end())
                params.channels.push_back(param.value);
        } else if (param.key == "lastEventId") {
            params.last_event_id = param.value;
        } else if (param.key == "token") {
            params.token = param.value;
        }
    }
    if (params.channels.size() > max_channels)
        return ParamError{"channel",
                          "too many channels (max " + std::to_string(max_channels) + ")"};
    return params;
}

bool secret_equals(std::string_view a, std::string_view b) {
    // Time depends only on the lengths, not on where the first difference is.
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
    return diff == 0;
}

bool bearer_matches(std::string_view authorization, std::string_view key) {
    constexpr std::string_view scheme = "Bearer ";
    return !key.empty() && authorization.starts_with(scheme) &&
           secret_equals(authorization.substr(scheme.size()), key);
}

} // namespace herald

namespace herald {

namespace {
bool trusted(std::string_view address, const std::vector<std::string>& proxies) {
    return std::find(proxies.begin(), proxies.end(), address) != proxies.end();
}
} // namespace

std::string client_address(const std::string& peer_address, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
    if (forwarded_for.empty() || !trusted(peer_address, trusted_proxies))
        return peer_address;
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        auto comma = rest.rfind(',');
        auto entry = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        if (entry.empty())
            continue;
        if (!trusted(entry, trusted_proxies))
            return std::string(entry);
    }
    return peer_address;
}

bool is_trusted_proxy(std::string_view address, const std::vector<std::string>& trusted_proxies) {
    return trusted(address, trusted_proxies);
}

} // namespace herald
