#include "herald/broker/redis/sentinel_resolver.hpp"

#include "herald/broker/redis/command.hpp"

#include "redis_replies.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using namespace herald::redis::test_replies;
using namespace std::chrono_literals;
using HostPort = SentinelResolver::HostPort;
using Kind = SentinelResolver::Outcome::Kind;
using Commands = std::vector<std::string>;

namespace {

const SentinelResolver::Clock::time_point t0{std::chrono::hours{1}};
const HostPort a{"127.0.0.1", 26379}, b{"127.0.0.1", 26380}, c{"127.0.0.1", 26381};

SentinelResolver resolver(std::string password = {}, std::string user = {}) {
    return SentinelResolver({{a, b, c}, "mymaster", std::move(user), std::move(password), 1000ms});
}

Reply master_at(const std::string& host, const std::string& port) {
    return array({bulk(host), bulk(port)});
}

Reply switch_message(const std::string& payload) {
    return array({bulk("message"), bulk("+switch-master"), bulk(payload)});
}

const std::string query = format_command({"SENTINEL", "get-master-addr-by-name", "mymaster"});

TEST(RedisSentinelResolver, AsksEachSentinelInTurnUntilOneNamesTheMaster) {
    auto r = resolver();
    r.begin_round();
    auto first = r.next_query(t0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->sentinel, a);
    EXPECT_EQ(first->commands, Commands{query});
    EXPECT_EQ(r.on_query_lost("connect: Connection refused").kind, Kind::failed);
    auto second = r.next_query(t0);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->sentinel, b);
    auto unknown = r.on_query_reply(make(Reply::Type::nil));
    EXPECT_EQ(unknown.kind, Kind::failed);
    EXPECT_EQ(unknown.reason, "sentinel 127.0.0.1:26380: does not know a master named 'mymaster'");
    auto third = r.next_query(t0);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->sentinel, c);
    auto found = r.on_query_reply(master_at("127.0.0.1", "6380"));
    EXPECT_EQ(found.kind, Kind::master);
    EXPECT_EQ(found.master, (HostPort{"127.0.0.1", 6380}));
    EXPECT_EQ(r.master(), found.master);
    EXPECT_FALSE(r.querying());
    // Nothing was asked after the answer: a stray reply or a close means nothing.
    EXPECT_EQ(r.on_query_reply(ok()).kind, Kind::pending);
    EXPECT_EQ(r.on_query_lost("closed").kind, Kind::pending);
}

TEST(RedisSentinelResolver, TheNextRoundStartsWithTheSentinelThatAnswered) {
    auto r = resolver();
    r.begin_round();
    r.next_query(t0);
    r.on_query_lost("refused");
    r.next_query(t0);
    ASSERT_EQ(r.on_query_reply(master_at("10.0.0.1", "6379")).kind, Kind::master);
    r.begin_round();
    std::vector<HostPort> order;
    while (auto ask = r.next_query(t0)) {
        order.push_back(ask->sentinel);
        r.on_query_lost("refused");
    }
    EXPECT_EQ(order, (std::vector<HostPort>{b, c, a}));
}

TEST(RedisSentinelResolver, ARoundWithoutAnAnswerSaysWhatEachSentinelDid) {
    auto r = resolver();
    r.begin_round();
    r.next_query(t0);
    r.on_query_lost("connect: Connection refused");
    r.next_query(t0);
    r.on_query_reply(make(Reply::Type::nil));
    r.next_query(t0);
    r.on_query_reply(error("ERR unknown command"));
    EXPECT_FALSE(r.next_query(t0));
    EXPECT_EQ(r.round_failure(),
              "no sentinel named the master 'mymaster' (sentinel 127.0.0.1:26379: connect: "
              "Connection refused; sentinel 127.0.0.1:26380: does not know a master named "
              "'mymaster'; sentinel 127.0.0.1:26381: error: ERR unknown command)");
    EXPECT_FALSE(r.master());
    r.begin_round(); // a new round forgets the old errors and asks everyone again
    EXPECT_TRUE(r.next_query(t0));
    EXPECT_EQ(r.round_failure(), "no sentinel named the master 'mymaster'");
}

TEST(RedisSentinelResolver, SentinelAuthPrecedesTheQueryAndItsRefusalIsReported) {
    auto r = resolver("s3cret", "watcher");
    r.begin_round();
    auto ask = r.next_query(t0);
    ASSERT_TRUE(ask);
    EXPECT_EQ(ask->commands, (Commands{format_command({"AUTH", "watcher", "s3cret"}), query}));
    auto refused = r.on_query_reply(error("WRONGPASS invalid username-password pair"));
    EXPECT_EQ(refused.kind, Kind::failed);
    EXPECT_EQ(refused.reason,
              "sentinel 127.0.0.1:26379: AUTH refused: WRONGPASS invalid username-password pair");
    // The query's own reply, should it still come, is not taken for an answer.
    EXPECT_EQ(r.on_query_reply(master_at("10.0.0.1", "6379")).kind, Kind::pending);
    auto next = r.next_query(t0);
    ASSERT_TRUE(next);
    EXPECT_EQ(r.on_query_reply(ok()).kind, Kind::pending); // AUTH accepted
    EXPECT_EQ(r.on_query_reply(master_at("10.0.0.1", "6379")).kind, Kind::master);
}

TEST(RedisSentinelResolver, AQueryWithoutAnAnswerTimesOut) {
    auto r = resolver();
    r.begin_round();
    r.next_query(t0);
    EXPECT_TRUE(r.querying());
    EXPECT_FALSE(r.check(t0 + 1000ms));
    auto hung = r.check(t0 + 1001ms);
    ASSERT_TRUE(hung);
    EXPECT_EQ(hung->kind, Kind::failed);
    EXPECT_EQ(hung->reason, "sentinel 127.0.0.1:26379: no answer within 1000 ms");
    EXPECT_FALSE(r.querying());
    EXPECT_FALSE(r.check(t0 + 5000ms)); // counted once
}

TEST(RedisSentinelResolver, WatchFollowsSwitchesOfOurMasterOnly) {
    auto r = resolver("pw");
    r.begin_round();
    r.next_query(t0);
    r.on_query_lost("refused");
    r.next_query(t0);
    r.on_query_reply(ok());
    r.on_query_reply(master_at("127.0.0.1", "6379"));
    auto watch = r.watch();
    EXPECT_EQ(watch.sentinel, b); // the one that answered
    EXPECT_EQ(watch.commands, (Commands{format_command({"AUTH", "pw"}),
                                        format_command({"SUBSCRIBE", "+switch-master"})}));
    EXPECT_EQ(r.on_watch_reply(ok()).kind, Kind::pending);
    EXPECT_EQ(r.on_watch_reply(array({bulk("subscribe"), bulk("+switch-master"), integer(1)})).kind,
              Kind::subscribed);
    EXPECT_EQ(r.on_watch_reply(switch_message("other 10.0.0.1 1 10.0.0.2 2")).kind, Kind::pending);
    EXPECT_EQ(r.on_watch_reply(switch_message("mymaster garbage")).kind, Kind::pending);
    EXPECT_EQ(r.on_watch_reply(array({bulk("message"), bulk("+sdown"), bulk("x")})).kind,
              Kind::pending);
    auto moved = r.on_watch_reply(switch_message("mymaster 127.0.0.1 6379 127.0.0.1 6380"));
    EXPECT_EQ(moved.kind, Kind::switched);
    EXPECT_EQ(moved.master, (HostPort{"127.0.0.1", 6380}));
    EXPECT_EQ(
        moved.reason,
        "Sentinel failover of 'mymaster': master moved from 127.0.0.1:6379 to 127.0.0.1:6380");
    EXPECT_EQ(r.master(), moved.master);
}

TEST(RedisSentinelResolver, ALostOrRefusedWatchMovesToTheNextSentinel) {
    auto r = resolver("pw");
    EXPECT_EQ(r.watch().sentinel, a);
    auto refused = r.on_watch_reply(error("WRONGPASS invalid username-password pair"));
    EXPECT_EQ(refused.kind, Kind::failed);
    EXPECT_EQ(refused.reason,
              "sentinel 127.0.0.1:26379: AUTH refused: WRONGPASS invalid username-password pair");
    r.on_watch_lost();
    EXPECT_EQ(r.watch().sentinel, b);
    r.on_watch_lost();
    EXPECT_EQ(r.watch().sentinel, c);
    r.on_watch_lost();
    EXPECT_EQ(r.watch().sentinel, a);
    EXPECT_EQ(r.on_watch_reply(ok()).kind, Kind::pending);
    auto error_reply = r.on_watch_reply(error("NOPERM no permissions to access a channel"));
    EXPECT_EQ(error_reply.kind, Kind::failed);
}

} // namespace
