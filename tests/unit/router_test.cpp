#include "herald/http/router.hpp"

#include <gtest/gtest.h>

using namespace herald;
using boost::beast::http::verb;

TEST(Router, KnownPathsAndMethods) {
    EXPECT_EQ(route_request(verb::get, "/events?channel=a").endpoint, Endpoint::events);
    EXPECT_TRUE(route_request(verb::get, "/events?channel=a").method_allowed);
    EXPECT_EQ(route_request(verb::get, "/ws").endpoint, Endpoint::ws);
    EXPECT_TRUE(route_request(verb::post, "/publish").method_allowed);
    EXPECT_FALSE(route_request(verb::get, "/publish").method_allowed);
    EXPECT_TRUE(route_request(verb::head, "/healthz").method_allowed);
    EXPECT_TRUE(route_request(verb::head, "/readyz").method_allowed);
    EXPECT_FALSE(route_request(verb::head, "/metrics").method_allowed);
    EXPECT_FALSE(route_request(verb::post, "/events").method_allowed);
}

TEST(Router, AdminPaths) {
    EXPECT_EQ(route_request(verb::get, "/admin/channels?pattern=a*").endpoint,
              Endpoint::admin_channels);
    EXPECT_EQ(route_request(verb::get, "/admin/connections?user=1").endpoint,
              Endpoint::admin_connections);
    EXPECT_TRUE(route_request(verb::post, "/admin/disconnect").method_allowed);
    EXPECT_FALSE(route_request(verb::get, "/admin/disconnect").method_allowed);
    EXPECT_TRUE(route_request(verb::post, "/admin/unsubscribe").method_allowed);
    EXPECT_EQ(route_request(verb::get, "/admin/presence?channel=a").endpoint,
              Endpoint::admin_presence);
    EXPECT_EQ(route_request(verb::get, "/admin").endpoint, Endpoint::not_found);
    EXPECT_TRUE(is_admin(Endpoint::admin_presence));
    EXPECT_FALSE(is_admin(Endpoint::presence));
}

TEST(Router, PathIsExactUpToTheQuery) {
    for (auto target : {"/", "/events/", "/Events", "/events#x", "events", "/ws/x", "", "?/ws"}) {
        const auto route = route_request(verb::get, target);
        EXPECT_EQ(route.endpoint, Endpoint::not_found) << target;
        EXPECT_FALSE(route.method_allowed) << target;
    }
    EXPECT_EQ(route_request(verb::get, "/metrics?").endpoint, Endpoint::metrics);
}

TEST(Router, HeadSizeIsTheCanonicalHead) {
    boost::beast::http::request_header<> head;
    head.method(verb::get);
    head.target("/events?channel=a");
    head.version(11);
    head.set("Host", "x");
    head.set("X-Big", std::string(1000, 'b'));
    const std::string written =
        "GET /events?channel=a HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1000, 'b') +
        "\r\n\r\n";
    EXPECT_EQ(request_head_size(head), written.size());
}
