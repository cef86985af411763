#include "herald/http/router.hpp"

#include <array>

namespace herald {

namespace http = boost::beast::http;

namespace {

struct Entry {
    std::string_view path;
    Endpoint endpoint;
    http::verb method;
    http::verb also; // a second allowed method, or `method` again
};

// HEAD is allowed where a monitor may probe without a body.
const std::array<Entry, 13> routes = {{
    {"/events", Endpoint::events, http::verb::get, http::verb::get},
    {"/ws", Endpoint::ws, http::verb::get, http::verb::get},
    {"/poll", Endpoint::poll, http::verb::get, http::verb::get},
    {"/publish", Endpoint::publish, http::verb::post, http::verb::post},
    {"/presence", Endpoint::presence, http::verb::get, http::verb::get},
    {"/healthz", Endpoint::healthz, http::verb::get, http::verb::head},
    {"/readyz", Endpoint::readyz, http::verb::get, http::verb::head},
    {"/metrics", Endpoint::metrics, http::verb::get, http::verb::get},
    {"/admin/channels", Endpoint::admin_channels, http::verb::get, http::verb::get},
    {"/admin/connections", Endpoint::admin_connections, http::verb::get, http::verb::get},
    {"/admin/disconnect", Endpoint::admin_disconnect, http::verb::post, http::verb::post},
    {"/admin/unsubscribe", Endpoint::admin_unsubscribe, http::verb::post, http::verb::post},
    {"/admin/presence", Endpoint::admin_presence, http::verb::get, http::verb::get},
}};

} // namespace

Route route_request(http::verb method, std::string_view target) {
    const auto path = target.substr(0, target.find('?'));
    for (const auto& entry : routes) {
        if (entry.path != path)
            continue;
        return {entry.endpoint, method == entry.method || method == entry.also};
    }
    return {};
}

std::size_t request_head_size(const http::request_header<>& head) {
    // "METHOD SP target SP HTTP/1.1 CRLF", then "name: value CRLF" each, then CRLF.
    std::size_t size = head.method_string().size() + head.target().size() + 12;
    for (const auto& field : head)
        size += field.name_string().size() + field.value().size() + 4;
    return size + 2;
}

} // namespace herald
