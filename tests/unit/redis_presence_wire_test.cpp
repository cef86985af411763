// Shared presence's format in Redis: deltas and heartbeats round-trip, what
// a stranger could publish is refused with a reason, and snapshots are read
// from the shape the Lua script returns.
#include "herald/broker/redis/presence_wire.hpp"
#include "redis_replies.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace wire = herald::redis::presence_wire;
using herald::Presence;
using namespace herald::redis::test_replies;

namespace {

std::string bad_reason(const auto& parsed) {
    const auto* bad = std::get_if<wire::Bad>(&parsed);
    return bad ? bad->reason : "accepted";
}

} // namespace

TEST(PresenceWire, NamesAreOutsideEveryHeraldChannel) {
    EXPECT_EQ(wire::delta_name("room:1"), "#presence:room:1");
    EXPECT_EQ(wire::channel_of("#presence:room:1"), "room:1");
    EXPECT_FALSE(wire::channel_of("#presence:"));
    EXPECT_FALSE(wire::channel_of(wire::nodes_name));
    EXPECT_FALSE(wire::channel_of("room:1"));
}

TEST(PresenceWire, DeltasRoundTrip) {
    const Presence::Entry entry{"n1", "room:1", "42", 3, R"({"name":"Ann"})"};
    auto parsed = wire::parse_delta("room:1", wire::encode_delta(entry));
    ASSERT_TRUE(std::holds_alternative<Presence::Entry>(parsed)) << bad_reason(parsed);
    EXPECT_EQ(std::get<Presence::Entry>(parsed), entry);

    const Presence::Entry gone{"n1", "room:1", "user with spaces\n", 0, ""};
    parsed = wire::parse_delta("room:1", wire::encode_delta(gone));
    ASSERT_TRUE(std::holds_alternative<Presence::Entry>(parsed)) << bad_reason(parsed);
    EXPECT_EQ(std::get<Presence::Entry>(parsed), gone);
    // The channel is the pub/sub channel's, whatever the payload says.
    parsed = wire::parse_delta("room:2", R"({"node":"n","user":"u","connections":1,"channel":"x"})");
    EXPECT_EQ(std::get<Presence::Entry>(parsed).channel, "room:2");
}

TEST(PresenceWire, DeltasFromStrangersAreRefusedWithAReason) {
    EXPECT_EQ(bad_reason(wire::parse_delta("c", "not json")), "presence delta: not a JSON object");
    EXPECT_EQ(bad_reason(wire::parse_delta("c", R"({"user":"u","connections":1})")),
              "presence delta: node: must be a string of 1 to 64 bytes");
    EXPECT_EQ(bad_reason(wire::parse_delta("c", R"({"node":"n","user":"","connections":1})")),
              "presence delta: user: must be a string of 1 to 1024 bytes");
    EXPECT_EQ(bad_reason(wire::parse_delta("c", R"({"node":"n","user":"u","connections":-1})")),
              "presence delta: connections: must be a whole number");
    EXPECT_EQ(
        bad_reason(wire::parse_delta("c", R"({"node":"n","user":"u","connections":1,"info":[1]})")),
        "presence delta: info: must be a JSON object of at most 1024 bytes");
    const std::string huge = R"({"node":"n","user":"u","connections":1,"info":{"x":")" +
                             std::string(2000, 'a') + "\"}}";
    EXPECT_NE(bad_reason(wire::parse_delta("c", huge)), "accepted");
    // Info comes out compact, as a token's does.
    auto spaced = wire::parse_delta("c", R"({"node":"n","user":"u","connections":1,"info":{ "a" : 1 }})");
    EXPECT_EQ(std::get<Presence::Entry>(spaced).info, R"({"a":1})");
}

TEST(PresenceWire, Heartbeats) {
    auto parsed = wire::parse_heartbeat(wire::encode_heartbeat({"n1"}));
    ASSERT_TRUE(std::holds_alternative<wire::Heartbeat>(parsed));
    EXPECT_EQ(std::get<wire::Heartbeat>(parsed).node, "n1");
    EXPECT_NE(bad_reason(wire::parse_heartbeat(R"({"node":7})")), "accepted");
    EXPECT_NE(bad_reason(wire::parse_heartbeat("[]")), "accepted");
}

TEST(PresenceWire, SnapshotsListEveryNodesEntries) {
    auto reply = array({bulk("n1"), array({bulk("42"), bulk(R"(2 {"name":"Ann"})"), bulk("7"), bulk("1 ")}),
                        bulk("n2"), array({bulk("42"), bulk("1 ")}), bulk("n3"), array({})});
    auto parsed = wire::parse_snapshot("room:1", reply);
    ASSERT_TRUE((std::holds_alternative<std::vector<Presence::Entry>>(parsed))) << bad_reason(parsed);
    const std::vector<Presence::Entry> expected{{"n1", "room:1", "42", 2, R"({"name":"Ann"})"},
                                                {"n1", "room:1", "7", 1, ""},
                                                {"n2", "room:1", "42", 1, ""}};
    EXPECT_EQ((std::get<std::vector<Presence::Entry>>(parsed)), expected);
    EXPECT_TRUE(std::get<std::vector<Presence::Entry>>(wire::parse_snapshot("c", array({}))).empty());
}

TEST(PresenceWire, BadSnapshotsAreRefused) {
    EXPECT_EQ(bad_reason(wire::parse_snapshot("c", error("NOPERM no"))), "presence snapshot: NOPERM no");
    EXPECT_NE(bad_reason(wire::parse_snapshot("c", integer(1))), "accepted");
    EXPECT_NE(bad_reason(wire::parse_snapshot("c", array({bulk("n1")}))), "accepted");
    for (const char* value : {"0 ", "x {}", "2", "2 [1]", "2 {", "-1 "})
        EXPECT_NE(bad_reason(wire::parse_snapshot("c", array({bulk("n"), array({bulk("u"), bulk(value)})}))),
                  "accepted")
            << value;
}

TEST(PresenceWire, CommandsAreScriptsOnTheChannelsHashTag) {
    const auto write = wire::write_command("app:", {"n1", "room:1", "42", 2, "{}"}, std::chrono::milliseconds{30'000});
    EXPECT_NE(write.find("EVAL"), std::string::npos);
    EXPECT_NE(write.find("app:#presence:{room:1}:n1"), std::string::npos);
    EXPECT_NE(write.find("app:#presence:{room:1}\r\n"), std::string::npos);
    EXPECT_NE(write.find("app:#presence:room:1\r\n"), std::string::npos); // the delta's channel
    EXPECT_NE(write.find("30000"), std::string::npos);
    EXPECT_NE(wire::snapshot_command("app:", "room:1").find("app:#presence:{room:1}"), std::string::npos);
    EXPECT_NE(wire::heartbeat_command("app:", {"n1"}).find("app:#presence-nodes"), std::string::npos);
}
