#include "herald/broker/redis/handshake.hpp"

#include "herald/broker/redis/command.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using namespace std::chrono_literals;
using Kind = Handshake::Step::Kind;
using Commands = std::vector<std::string>;

namespace {

const Handshake::Clock::time_point t0{std::chrono::hours{1}};
const std::string canary = "!herald-canary:1";

RedisEndpoint endpoint(std::string user, std::string password, int db) {
    RedisEndpoint e;
    e.host = "localhost";
    e.user = std::move(user);
    e.password = std::move(password);
    e.db = db;
    return e;
}

TEST(RedisHandshake, WithoutAuthOrSelectOnlyTheCanaryAckIsAwaited) {
    Handshake h(1000ms);
    const auto out = h.start(endpoint("", "", 0), canary, t0);
    EXPECT_EQ(out.subscriber, Commands{format_command({"SUBSCRIBE", canary})});
    EXPECT_TRUE(out.commands.empty());
    EXPECT_TRUE(h.commands_ready()); // PUBLISH may be queued right away
    EXPECT_FALSE(h.complete());
    // No reply belongs to the handshake: a publish's reply passes through.
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::pass);
    EXPECT_EQ(h.on_subscriber_reply(ok()).kind, Kind::pass);
    EXPECT_TRUE(h.on_canary_subscribed());
    EXPECT_TRUE(h.complete());
    EXPECT_FALSE(h.on_canary_subscribed()); // a repeated ack starts no second canary
}

TEST(RedisHandshake, AuthAndSelectAreAnsweredBeforeAnythingElse) {
    Handshake h(1000ms);
    const auto out = h.start(endpoint("herald", "secret", 3), canary, t0);
    EXPECT_EQ(out.subscriber, (Commands{format_command({"AUTH", "herald", "secret"}),
                                        format_command({"SUBSCRIBE", canary})}));
    EXPECT_EQ(out.commands, (Commands{format_command({"AUTH", "herald", "secret"}),
                                      format_command({"SELECT", "3"})}));
    EXPECT_FALSE(h.commands_ready());
    EXPECT_EQ(h.on_subscriber_reply(ok()).kind, Kind::consumed);
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::consumed);
    EXPECT_FALSE(h.commands_ready()); // SELECT still unanswered
    EXPECT_FALSE(h.on_canary_subscribed());
    EXPECT_FALSE(h.complete());
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::complete); // the last one in
    EXPECT_TRUE(h.commands_ready());
    EXPECT_TRUE(h.complete());
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::pass);
    EXPECT_EQ(h.on_subscriber_reply(ok()).kind, Kind::pass);
}

TEST(RedisHandshake, PasswordWithoutUserUsesOneArgumentAuth) {
    Handshake h(1000ms);
    const auto out = h.start(endpoint("", "secret", 0), canary, t0);
    ASSERT_EQ(out.commands, Commands{format_command({"AUTH", "secret"})});
    EXPECT_EQ(out.subscriber.front(), format_command({"AUTH", "secret"}));
    EXPECT_FALSE(h.on_canary_subscribed());
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::complete);
}

TEST(RedisHandshake, RefusedAuthIsReportedWithRedisWords) {
    Handshake h(1000ms);
    h.start(endpoint("", "wrong", 0), canary, t0);
    const auto step = h.on_subscriber_reply(error("WRONGPASS invalid username-password pair"));
    EXPECT_EQ(step.kind, Kind::refused);
    EXPECT_EQ(step.error, "Redis refused the handshake: WRONGPASS invalid username-password pair");
    EXPECT_FALSE(h.commands_ready());
    EXPECT_FALSE(h.complete());
}

TEST(RedisHandshake, RefusedSelectStopsPublishing) {
    Handshake h(1000ms);
    h.start(endpoint("", "", 99), canary, t0);
    EXPECT_FALSE(h.commands_ready());
    const auto step = h.on_command_reply(error("ERR DB index is out of range"));
    EXPECT_EQ(step.kind, Kind::refused);
    EXPECT_NE(step.error.find("DB index is out of range"), std::string::npos);
    EXPECT_FALSE(h.commands_ready());
    EXPECT_FALSE(h.on_canary_subscribed()); // nothing completes a refused handshake
}

TEST(RedisHandshake, AHungHandshakeIsGivenUpAfterTheTimeout) {
    Handshake h(1000ms);
    h.start(endpoint("", "secret", 0), canary, t0);
    EXPECT_FALSE(h.check(t0 + 1000ms)); // exactly the timeout is still fine
    const auto reason = h.check(t0 + 1001ms);
    ASSERT_TRUE(reason);
    EXPECT_EQ(*reason, "no answer from Redis while connecting");
    // Half the handshake answered is still a hung handshake.
    h.start(endpoint("", "secret", 0), canary, t0);
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::consumed);
    EXPECT_TRUE(h.check(t0 + 5s));
}

TEST(RedisHandshake, ACompleteOrStoppedHandshakeNeverTimesOut) {
    Handshake h(1000ms);
    EXPECT_FALSE(h.check(t0 + 1h)); // never started
    h.start(endpoint("", "", 0), canary, t0);
    EXPECT_TRUE(h.on_canary_subscribed());
    EXPECT_FALSE(h.check(t0 + 1h)); // the canary watches the connection from here
    h.start(endpoint("", "", 0), canary, t0);
    h.stop();
    EXPECT_FALSE(h.check(t0 + 1h));
    EXPECT_FALSE(h.commands_ready());
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::pass);
}

TEST(RedisHandshake, StartForgetsTheEarlierConnection) {
    Handshake h(1000ms);
    h.start(endpoint("", "", 0), canary, t0);
    EXPECT_TRUE(h.on_canary_subscribed());
    h.start(endpoint("", "secret", 0), canary, t0 + 10s);
    EXPECT_FALSE(h.complete());
    EXPECT_FALSE(h.commands_ready());
    EXPECT_FALSE(h.check(t0 + 10s + 500ms)); // timed from the new start
    EXPECT_TRUE(h.check(t0 + 12s));
    EXPECT_EQ(h.on_subscriber_reply(ok()).kind, Kind::consumed);
    EXPECT_FALSE(h.on_canary_subscribed());
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::complete);
}

} // namespace

namespace {

Reply role(std::string name) {
    return array({bulk(std::move(name)), integer(0)});
}

TEST(RedisHandshake, WithSentinelRoleMustSayMasterOnBothConnections) {
    Handshake h(1000ms);
    const auto out = h.start(endpoint("", "secret", 2), canary, t0, /*require_master=*/true);
    EXPECT_EQ(out.subscriber, (Commands{format_command({"AUTH", "secret"}), format_command({"ROLE"}),
                                        format_command({"SUBSCRIBE", canary})}));
    EXPECT_EQ(out.commands, (Commands{format_command({"AUTH", "secret"}),
                                      format_command({"SELECT", "2"}), format_command({"ROLE"})}));
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::consumed);
    EXPECT_EQ(h.on_command_reply(ok()).kind, Kind::consumed);
    EXPECT_FALSE(h.commands_ready()); // no PUBLISH before ROLE said master
    EXPECT_EQ(h.on_command_reply(role("master")).kind, Kind::consumed);
    EXPECT_TRUE(h.commands_ready());
    EXPECT_EQ(h.on_subscriber_reply(ok()).kind, Kind::consumed);
    EXPECT_EQ(h.on_subscriber_reply(role("master")).kind, Kind::consumed);
    EXPECT_TRUE(h.on_canary_subscribed());
}

TEST(RedisHandshake, AReplicaNamedDuringAFailoverIsRefused) {
    for (bool on_subscriber : {false, true}) {
        Handshake h(1000ms);
        h.start(endpoint("", "", 0), canary, t0, /*require_master=*/true);
        const auto replica = array({bulk("slave"), bulk("127.0.0.1"), integer(6379)});
        const auto step =
            on_subscriber ? h.on_subscriber_reply(replica) : h.on_command_reply(replica);
        EXPECT_EQ(step.kind, Kind::refused);
        EXPECT_EQ(step.error, "the server the sentinels named is not a master (ROLE: slave); a "
                              "failover may be under way");
        EXPECT_FALSE(h.commands_ready());
        EXPECT_FALSE(h.on_canary_subscribed());
    }
    Handshake h(1000ms);
    h.start(endpoint("", "", 0), canary, t0, /*require_master=*/true);
    const auto step = h.on_command_reply(bulk("what"));
    EXPECT_EQ(step.kind, Kind::refused);
    EXPECT_NE(step.error.find("ROLE: unreadable"), std::string::npos);
}

TEST(RedisHandshake, WithoutSentinelNoRoleIsAsked) {
    Handshake h(1000ms);
    const auto out = h.start(endpoint("", "", 0), canary, t0);
    EXPECT_TRUE(out.commands.empty());
    EXPECT_EQ(out.subscriber.size(), 1u);
}

} // namespace
