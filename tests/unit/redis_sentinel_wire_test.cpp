#include "herald/broker/redis/sentinel_wire.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using namespace herald::redis::sentinel_wire;
using Kind = MasterAddr::Kind;

namespace {

HostPort address(std::string_view text) {
    auto parsed = parse_host_port(text);
    EXPECT_TRUE(std::holds_alternative<HostPort>(parsed)) << text;
    return std::holds_alternative<HostPort>(parsed) ? std::get<HostPort>(parsed) : HostPort{};
}

std::string error_of(std::string_view text) {
    auto parsed = parse_host_port(text);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(RedisSentinelWire, AddressesWithAndWithoutPortsAndIpv6) {
    EXPECT_EQ(address("127.0.0.1:26380"), (HostPort{"127.0.0.1", 26380}));
    EXPECT_EQ(address("sentinel-a"), (HostPort{"sentinel-a", 26379}));
    EXPECT_EQ(address("[::1]:5000"), (HostPort{"::1", 5000}));
    EXPECT_EQ(address("[fe80::1]"), (HostPort{"fe80::1", 26379}));
    EXPECT_EQ(to_string(HostPort{"::1", 5000}), "[::1]:5000");
    EXPECT_EQ(to_string(HostPort{"10.0.0.2", 6379}), "10.0.0.2:6379");
}

TEST(RedisSentinelWire, BadAddressesSayWhy) {
    EXPECT_NE(error_of("").find("host"), std::string::npos);
    EXPECT_NE(error_of(":26379").find("host"), std::string::npos);
    EXPECT_NE(error_of("host:").find("invalid port"), std::string::npos);
    EXPECT_NE(error_of("host:0").find("invalid port"), std::string::npos);
    EXPECT_NE(error_of("host:65536").find("invalid port"), std::string::npos);
    EXPECT_NE(error_of("host:12ab").find("invalid port"), std::string::npos);
    EXPECT_NE(error_of("host:026379").find("invalid port"), std::string::npos);
    EXPECT_NE(error_of("::1:26379").find("brackets"), std::string::npos);
    EXPECT_NE(error_of("[::1").find("]"), std::string::npos);
    EXPECT_NE(error_of("[::1]x").find("':'"), std::string::npos);
    EXPECT_NE(error_of("[host]:1").find("IPv6"), std::string::npos);
    EXPECT_NE(error_of("a b:1").find("host"), std::string::npos);
}

TEST(RedisSentinelWire, MasterAddressReply) {
    auto found = parse_master_addr(array({bulk("10.0.0.5"), bulk("6380")}));
    EXPECT_EQ(found.kind, Kind::found);
    EXPECT_EQ(found.address, (HostPort{"10.0.0.5", 6380}));
    // An unknown name: nil (RESP2), or an empty array from some versions.
    EXPECT_EQ(parse_master_addr(make(herald::redis::Reply::Type::nil)).kind, Kind::unknown);
    EXPECT_EQ(parse_master_addr(array({})).kind, Kind::unknown);
    auto refused = parse_master_addr(error("NOAUTH Authentication required."));
    EXPECT_EQ(refused.kind, Kind::bad);
    EXPECT_EQ(refused.reason, "error: NOAUTH Authentication required.");
}

TEST(RedisSentinelWire, MasterAddressOfAnUnexpectedShapeIsRefused) {
    for (const auto& reply :
         {array({bulk("10.0.0.5")}), array({bulk("h"), integer(6380)}),
          array({bulk("h"), bulk("0")}), array({bulk("h"), bulk("70000")}),
          array({bulk(""), bulk("6379")}), array({bulk("a b"), bulk("1")}),
          array({bulk("h"), bulk("1"), bulk("x")}), bulk("10.0.0.5:6380"), ok()}) {
        auto parsed = parse_master_addr(reply);
        EXPECT_EQ(parsed.kind, Kind::bad);
        EXPECT_FALSE(parsed.reason.empty());
    }
}

TEST(RedisSentinelWire, SwitchMasterMessage) {
    auto moved = parse_switch("mymaster 127.0.0.1 6379 127.0.0.1 6380");
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->name, "mymaster");
    EXPECT_EQ(moved->from, (HostPort{"127.0.0.1", 6379}));
    EXPECT_EQ(moved->to, (HostPort{"127.0.0.1", 6380}));
    auto v6 = parse_switch("m ::1 1 ::2 2");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->to, (HostPort{"::2", 2}));
    for (const char* bad :
         {"", "mymaster", "mymaster 127.0.0.1 6379 127.0.0.1", "m h 1 h 2 extra", "m h 1 h x",
          "m h 0 h 2", "m h 07 h 2", " h 1 h 2", "m  h 1 h 2", "m h 1 h 2 ", "m h 1 h 99999"})
        EXPECT_FALSE(parse_switch(bad)) << bad;
}

TEST(RedisSentinelWire, RoleReply) {
    EXPECT_EQ(parse_role(array({bulk("master"), integer(0), array({})})), "master");
    EXPECT_EQ(parse_role(array({bulk("slave"), bulk("127.0.0.1"), integer(6379), bulk("connected"),
                                integer(1)})),
              "slave");
    EXPECT_EQ(parse_role(array({bulk("sentinel"), array({bulk("mymaster")})})), "sentinel");
    EXPECT_FALSE(parse_role(error("NOPERM this user has no permissions to run 'role'")));
    EXPECT_FALSE(parse_role(array({})));
    EXPECT_FALSE(parse_role(array({bulk("primary")})));
    EXPECT_FALSE(parse_role(array({integer(1)})));
    EXPECT_FALSE(parse_role(bulk("master")));
}

} // namespace
