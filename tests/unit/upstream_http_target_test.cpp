#include "herald/upstream/http_target.hpp"

#include <gtest/gtest.h>

using namespace herald::upstream;

namespace {

HttpTarget ok(std::string_view url) {
    auto parsed = parse_http_target(url);
    EXPECT_TRUE(std::holds_alternative<HttpTarget>(parsed)) << url;
    return std::holds_alternative<HttpTarget>(parsed) ? std::get<HttpTarget>(parsed) : HttpTarget{};
}

std::string error(std::string_view url) {
    auto parsed = parse_http_target(url);
    return std::holds_alternative<UrlError>(parsed) ? std::get<UrlError>(parsed).message : "";
}

} // namespace

TEST(UpstreamHttpTarget, HostPortAndTarget) {
    auto t = ok("http://127.0.0.1:9000/herald/upstream?x=1");
    EXPECT_EQ(t.host, "127.0.0.1");
    EXPECT_EQ(t.port, "9000");
    EXPECT_EQ(t.target, "/herald/upstream?x=1");
    EXPECT_EQ(t.host_header, "127.0.0.1:9000");

    t = ok("http://app.internal");
    EXPECT_EQ(t.port, "80");
    EXPECT_EQ(t.target, "/");
    EXPECT_EQ(t.host_header, "app.internal");

    t = ok("http://[::1]:81/in");
    EXPECT_EQ(t.host, "::1");
    EXPECT_EQ(t.host_header, "[::1]:81");
}

TEST(UpstreamHttpTarget, Refusals) {
    EXPECT_NE(error("https://app.example/").find("https:// is not supported"), std::string::npos);
    EXPECT_NE(error("redis://x/").find("unsupported scheme"), std::string::npos);
    EXPECT_NE(error("/path").find("not an absolute URL"), std::string::npos);
    EXPECT_NE(error("http://u:p@x/").find("user:password"), std::string::npos);
    EXPECT_NE(error("http:///x").find("host"), std::string::npos);
    EXPECT_NE(error("http://x:0/").find("port"), std::string::npos);
    EXPECT_NE(error("http://x/#f").find("fragment"), std::string::npos);
}

// jwks_url: the same parser, with https:// the one scheme accepted.
TEST(UpstreamHttpTarget, HttpsForJwksUrl) {
    auto parsed = parse_http_target("https://tenant.eu.auth0.com/.well-known/jwks.json", "https");
    ASSERT_TRUE(std::holds_alternative<HttpTarget>(parsed));
    const auto& t = std::get<HttpTarget>(parsed);
    EXPECT_EQ(t.host, "tenant.eu.auth0.com");
    EXPECT_EQ(t.port, "443");
    EXPECT_EQ(t.target, "/.well-known/jwks.json");
    EXPECT_EQ(t.host_header, "tenant.eu.auth0.com");

    auto plain = parse_http_target("http://idp.example/jwks.json", "https");
    ASSERT_TRUE(std::holds_alternative<UrlError>(plain));
    EXPECT_EQ(std::get<UrlError>(plain).message, "unsupported scheme 'http' (expected https://)");
}
