#include "herald/broker/redis/redis_url.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;

namespace {

RedisEndpoint ok(std::string_view url) {
    auto r = parse_redis_url(url);
    if (auto* error = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << url << ": " << *error;
        return {};
    }
    return std::get<RedisEndpoint>(r);
}

std::string error(std::string_view url) {
    auto r = parse_redis_url(url);
    if (auto* e = std::get_if<std::string>(&r)) {
        return *e;
    }
    ADD_FAILURE() << url << " was accepted";
    return {};
}

TEST(RedisUrl, HostOnlyUsesDefaults) {
    const auto ep = ok("redis://localhost");
    EXPECT_EQ(ep.kind, RedisEndpoint::tcp);
    EXPECT_EQ(ep.host, "localhost");
    EXPECT_EQ(ep.port, 6379);
    EXPECT_EQ(ep.db, 0);
    EXPECT_TRUE(ep.user.empty());
    EXPECT_TRUE(ep.password.empty());
    EXPECT_EQ(ok("redis://localhost/"), ep);
}

TEST(RedisUrl, FullForm) {
    const auto ep = ok("redis://alice:s3cret@redis.internal:6380/3");
    EXPECT_EQ(ep.host, "redis.internal");
    EXPECT_EQ(ep.port, 6380);
    EXPECT_EQ(ep.user, "alice");
    EXPECT_EQ(ep.password, "s3cret");
    EXPECT_EQ(ep.db, 3);
}

TEST(RedisUrl, PasswordOnly) {
    const auto ep = ok("redis://:hunter2@10.0.0.5");
    EXPECT_EQ(ep.host, "10.0.0.5");
    EXPECT_TRUE(ep.user.empty());
    EXPECT_EQ(ep.password, "hunter2");
}

TEST(RedisUrl, PercentDecodesCredentials) {
    const auto ep = ok("redis://us%40er:p%3Aa%2Fs%40s%25+x@h");
    EXPECT_EQ(ep.user, "us@er");
    EXPECT_EQ(ep.password, "p:a/s@s%+x"); // '+' stays a plus
}

TEST(RedisUrl, Ipv6HostInBrackets) {
    const auto ep = ok("redis://[::1]:7000/1");
    EXPECT_EQ(ep.host, "::1");
    EXPECT_EQ(ep.port, 7000);
    EXPECT_EQ(ep.db, 1);
    EXPECT_EQ(ok("redis://[2001:db8::2]").host, "2001:db8::2");
}

TEST(RedisUrl, SchemeIsCaseInsensitive) {
    EXPECT_EQ(ok("REDIS://h").host, "h");
}

TEST(RedisUrl, UnixSocket) {
    const auto ep = ok("unix:///run/redis/redis.sock");
    EXPECT_EQ(ep.kind, RedisEndpoint::unix_socket);
    EXPECT_EQ(ep.path, "/run/redis/redis.sock");
    EXPECT_EQ(ep.db, 0);
    EXPECT_TRUE(ep.password.empty());

    const auto full = ok("unix:///tmp/r%20s.sock?db=5&password=a%26b+c&user=bob");
    EXPECT_EQ(full.path, "/tmp/r s.sock");
    EXPECT_EQ(full.db, 5);
    EXPECT_EQ(full.password, "a&b+c");
    EXPECT_EQ(full.user, "bob");

    EXPECT_EQ(ok("unix:/tmp/x.sock").path, "/tmp/x.sock");
}

TEST(RedisUrl, RejectsBadInput) {
    EXPECT_NE(error("").find("invalid URL"), std::string::npos);
    EXPECT_NE(error("localhost:6379").find("scheme"), std::string::npos);
    EXPECT_NE(error("http://h").find("unsupported scheme"), std::string::npos);
    EXPECT_NE(error("rediss://h").find("TLS"), std::string::npos);
    EXPECT_NE(error("redis://").find("host"), std::string::npos);
    EXPECT_NE(error("redis://h:0").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h:65536").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h:").find("port"), std::string::npos);
    EXPECT_NE(error("redis://h/x").find("database"), std::string::npos);
    EXPECT_NE(error("redis://h/-1").find("database"), std::string::npos);
    EXPECT_NE(error("redis://h/1/2").find("database"), std::string::npos);
    EXPECT_NE(error("redis://h/99999999999").find("database"), std::string::npos);
    EXPECT_NE(error("redis://h?db=1").find("query"), std::string::npos);
    EXPECT_NE(error("redis://h#frag").find("fragment"), std::string::npos);
    EXPECT_NE(error("redis://secret@h").find("user without password"), std::string::npos);
    EXPECT_NE(error("redis://[::1").find("invalid URL"), std::string::npos);
    EXPECT_NE(error("unix://host/tmp/s").find("no host"), std::string::npos);
    EXPECT_NE(error("unix://").find("absolute"), std::string::npos);
    EXPECT_NE(error("unix:///s?db=x").find("database"), std::string::npos);
    EXPECT_NE(error("unix:///s?timeout=3").find("unknown parameter"), std::string::npos);
    EXPECT_NE(error("unix:///s%00x").find("absolute"), std::string::npos);
}

TEST(RedisUrl, RedactedHidesPassword) {
    const auto ep = ok("redis://alice:s3cret@redis.internal:6380/3");
    EXPECT_EQ(redacted(ep), "redis://alice:***@redis.internal:6380/3");
    EXPECT_EQ(redacted(ok("redis://:pw@h")), "redis://:***@h:6379/0");
    EXPECT_EQ(redacted(ok("redis://h")), "redis://h:6379/0");
    EXPECT_EQ(redacted(ok("redis://[::1]:7000")), "redis://[::1]:7000/0");
    EXPECT_EQ(redacted(ok("unix:///run/r.sock?db=2&password=pw")),
              "unix:///run/r.sock?db=2&password=***");
    for (const auto* url : {"redis://u:topsecret@h", "unix:///s?password=topsecret"}) {
        EXPECT_EQ(redacted(ok(url)).find("topsecret"), std::string::npos) << url;
    }
}

TEST(RedisUrl, RedactedRoundTripsWithoutPassword) {
    for (const auto* url : {"redis://h:1/2", "redis://[fe80::1]:6379/0", "redis://u%3Ax:p@h",
                            "unix:///tmp/a%20b.sock?db=1"}) {
        auto ep = ok(url);
        ep.password.clear();
        ep.user.clear();
        EXPECT_EQ(ok(redacted(ep)), ep) << url;
    }
}

} // namespace
