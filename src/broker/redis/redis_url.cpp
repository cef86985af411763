#include "herald/broker/redis/redis_url.hpp"

#include <charconv>
#include <exception>
#include <optional>

#include <boost/url.hpp>

namespace herald::redis {
namespace {

namespace urls = boost::urls;
using Result = std::variant<RedisEndpoint, std::string>;

// Strict decimal: from_chars alone would accept a prefix ("12abc").
template <typename Int> bool parse_decimal(std::string_view text, Int& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return !text.empty() && ec == std::errc{} && ptr == end;
}

std::optional<std::string> parse_db(std::string_view text, int& db) {
    if (!parse_decimal(text, db) || db < 0) {
        return "invalid database number '" + std::string(text) + "'";
    }
    return std::nullopt;
}

// No '+'-as-space: a literal '+' in a password must survive.
const urls::encoding_opts exact{false, false, false};

Result parse_tcp(const urls::url_view& u) {
    RedisEndpoint ep;
    ep.kind = RedisEndpoint::tcp;
    switch (u.host_type()) {
    case urls::host_type::name:
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
        ep.host = u.host_address(); // decoded, IPv6 without brackets
        break;
    default:
        return "unsupported host";
    }
    if (ep.host.empty() || ep.host.find('\0') != std::string::npos) {
        return "missing or invalid host";
    }
    if (u.has_port()) {
        unsigned port = 0;
        if (!parse_decimal(std::string_view(u.port()), port) || port == 0 || port > 65535) {
            return "invalid port '" + std::string(u.port()) + "'";
        }
        ep.port = static_cast<std::uint16_t>(port);
    }
    if (u.has_userinfo()) {
        ep.user = u.encoded_user().decode(exact);
        if (u.has_password()) {
            ep.password = u.encoded_password().decode(exact);
        }
        // "redis://secret@host" is a classic mistake for ":secret@"; refuse
        // it rather than silently connecting without authentication.
        if (!ep.user.empty() && ep.password.empty()) {
            return "user without password (write redis://user:password@host, "
                   "or redis://:password@host for a password alone)";
        }
    }
    const std::string_view path = u.encoded_path();
    if (!path.empty() && path != "/") {
        if (auto error = parse_db(path.substr(1), ep.db)) {
            return *error;
        }
    }
    if (u.has_query()) {
        return "unexpected query in redis:// URL";
    }
    return ep;
}

Result parse_unix(const urls::url_view& u) {
    RedisEndpoint ep;
    ep.kind = RedisEndpoint::unix_socket;
    if (u.has_authority() && !u.encoded_authority().empty()) {
        return "unix:// URL takes no host (write unix:///path/to/socket)";
    }
    ep.path = u.path();
    if (ep.path.empty() || ep.path.front() != '/' || ep.path.find('\0') != std::string::npos) {
        return "unix socket path must be absolute";
    }
    for (const auto& param : u.params(exact)) {
        if (param.key == "db") {
            if (auto error = parse_db(param.value, ep.db)) {
                return *error;
            }
        } else if (param.key == "password") {
            ep.password = param.value;
        } else if (param.key == "user") {
            ep.user = param.value;
        } else {
            return "unknown parameter '" + param.key + "' (expected db, password, user)";
        }
    }
    if (!ep.user.empty() && ep.password.empty()) {
        return "user without password";
    }
    return ep;
}

} // namespace

std::variant<RedisEndpoint, std::string> parse_redis_url(std::string_view url) {
    try {
        auto parsed = urls::parse_uri(url);
        if (!parsed) {
            return "invalid URL: " + parsed.error().message();
        }
        const urls::url_view& u = *parsed;
        if (u.has_fragment()) {
            return "unexpected fragment";
        }
        const std::string_view scheme = u.scheme();
        if (urls::grammar::ci_is_equal(scheme, "redis")) {
            return parse_tcp(u);
        }
        if (urls::grammar::ci_is_equal(scheme, "unix")) {
            return parse_unix(u);
        }
        if (urls::grammar::ci_is_equal(scheme, "rediss")) {
            return "TLS (rediss://) is not supported";
        }
        return "unsupported scheme '" + std::string(scheme) + "' (expected redis:// or unix://)";
    } catch (const std::exception& e) {
        return std::string("invalid URL: ") + e.what();
    }
}

std::string redacted(const RedisEndpoint& ep) {
    try {
        const auto enc = [](std::string_view s) { return urls::encode(s, urls::unreserved_chars); };
        std::string out;
        if (ep.kind == RedisEndpoint::unix_socket) {
            out = "unix://" + urls::encode(ep.path, urls::pchars + urls::grammar::lut_chars('/')) +
                  "?db=" + std::to_string(ep.db);
            if (!ep.user.empty()) {
                out += "&user=" + enc(ep.user);
            }
            if (!ep.password.empty()) {
                out += "&password=***";
            }
            return out;
        }
        out = "redis://";
        if (!ep.user.empty() || !ep.password.empty()) {
            out += enc(ep.user) + (ep.password.empty() ? "" : ":***") + "@";
        }
        const bool ipv6 = ep.host.find(':') != std::string::npos;
        out += ipv6 ? "[" + ep.host + "]" : enc(ep.host);
        out += ":" + std::to_string(ep.port) + "/" + std::to_string(ep.db);
        return out;
    } catch (const std::exception&) {
        return "redis://?"; // only on allocation failure; logs must not throw
    }
}

} // namespace herald::redis
