#include "herald/upstream/http_target.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace herald::upstream {

std::variant<HttpTarget, UrlError> parse_http_target(std::string_view url,
                                                     std::string_view scheme) {
    const std::string expected = std::string(scheme) + "://";
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return UrlError{"not an absolute URL (expected " + expected + "host[:port]/path)"};
    const auto& u = *parsed;
    if (scheme == "http" && u.scheme() == "https")
        return UrlError{"https:// is not supported (expected http://; put a TLS proxy beside "
                        "herald if the endpoint is remote)"};
    if (u.scheme() != scheme)
        return UrlError{"unsupported scheme '" + std::string(u.scheme()) + "' (expected " +
                        expected + ")"};
    if (u.has_userinfo())
        return UrlError{"user:password@ is not supported"};
    if (u.host().empty())
        return UrlError{"host: required"};
    if (u.has_fragment())
        return UrlError{"a #fragment is not sent to a server; remove it"};
    HttpTarget t;
    t.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.encoded_host_address())
                                                           : std::string(u.encoded_host());
    if (u.host_type() == boost::urls::host_type::ipv6) {
        // encoded_host_address() of [::1] is "::1"; Host must keep the brackets.
        t.host_header = "[" + t.host + "]";
    } else {
        t.host_header = t.host;
    }
    if (u.has_port()) {
        if (u.port_number() == 0)
            return UrlError{"port: must be from 1 to 65535"};
        t.port = std::to_string(u.port_number());
        t.host_header += ":" + t.port;
    } else {
        t.port = scheme == "https" ? "443" : "80";
    }
    t.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
    if (u.has_query())
        t.target += "?" + std::string(u.encoded_query());
    return t;
}

} // namespace herald::upstream
