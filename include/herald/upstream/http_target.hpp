#pragma once
// Where upstream_url points: http://host[:port][/path][?query]. Only plain
// HTTP: the application's endpoint is expected beside herald (loopback or a
// private network); TLS would need certificates and a verify policy that
// nothing else in herald has, so https:// is refused at start-up.
#include <string>
#include <string_view>
#include <variant>

namespace herald::upstream {

struct HttpTarget {
    std::string host;        // as written, without brackets for IPv6
    std::string port;        // "80" when absent
    std::string target;      // path and query, at least "/"
    std::string host_header; // host[:port] as written, for the Host header
};

struct UrlError {
    std::string message;
};

std::variant<HttpTarget, UrlError> parse_http_target(std::string_view url);

} // namespace herald::upstream
