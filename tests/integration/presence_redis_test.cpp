// Presence shared across nodes through a real Redis: one member per user
// whatever the nodes of their tabs, the same answer from every node (one
// without subscribers reads Redis), one join and one leave per user for each
// subscriber, and the members of a killed node leaving within presence_ttl.
#include "presence_fixture.hpp"
#include "redis_server.hpp"

#include <csignal>
#include <memory>

using namespace herald_test;

namespace {

std::vector<std::string> shared_presence_args(const RedisServer& redis) {
    return redis_herald_args(redis.url(), [] {
        auto flags = presence_flags();
        flags.insert(flags.end(), {"--presence-ttl", "1500ms"});
        return flags;
    }());
}

json members_on(std::uint16_t port, const std::string& channel) {
    auto answer = get_presence(port, "?channel=" + channel, true);
    return answer.status == 200 ? answer.json()["members"] : json(answer.status);
}

// The next SSE event that is a join or leave, as "join 42".
std::optional<std::string> next_change(SseClient& sse, Millis timeout = kTimeout) {
    auto event = sse.next_event(timeout);
    if (!event)
        return std::nullopt;
    return event->type + " " + json::parse(event->data)["user"].get<std::string>();
}

} // namespace

TEST(PresenceRedis, TabsOnTwoNodesAreOneMemberSeenAlikeFromEveryNode) {
    RedisServer redis;
    const auto args = shared_presence_args(redis);
    HeraldProcess a(args, Security::as_configured);
    HeraldProcess b(args, Security::as_configured);
    HeraldProcess c(args, Security::as_configured); // never has a subscriber
    const json ann_info = {{"name", "Ann"}};

    SseClient watch_b(b.port(), events_target({"chat:5"}, "token=" + token_for("7")));
    ASSERT_EQ(watch_b.status(), 200u);
    EXPECT_EQ(next_change(watch_b), "join 7");

    // Ann's first tab, on A: one join, which B's subscriber hears from B.
    auto ann_a = std::make_unique<WsClient>(
        a.port(), ws_target({"chat:5"}, "token=" + token_for("42", ann_info)));
    ASSERT_TRUE(ann_a->wait_subscribed("chat:5"));
    EXPECT_EQ(next_change(watch_b), "join 42");
    // Her second tab, on B: no second join anywhere.
    auto ann_b = std::make_unique<SseClient>(
        b.port(), events_target({"chat:5"}, "token=" + token_for("42", ann_info)));
    ASSERT_EQ(ann_b->status(), 200u);
    EXPECT_FALSE(watch_b.next_event(Millis{500})) << "a tab on another node is no new member";

    const json both = {{{"user", "42"}, {"connections", 2}, {"info", ann_info}},
                       {{"user", "7"}, {"connections", 1}}};
    for (auto port : {a.port(), b.port(), c.port()}) {
        json seen;
        EXPECT_TRUE(wait_until([&] { return (seen = members_on(port, "chat:5")) == both; }))
            << "node on port " << port << " answers " << seen.dump();
    }
    auto ws_answer = ws_presence(*ann_a, "chat:5");
    EXPECT_EQ(ws_answer["members"], both) << ws_answer.dump();
    EXPECT_EQ(metric_value(a.port(), "herald_presence_members"), 2);

    // The tab on B goes: Ann stays, with one connection.
    ann_b.reset();
    EXPECT_FALSE(watch_b.next_event(Millis{500})) << "a tab left, the user did not";
    EXPECT_TRUE(wait_until(
        [&] { return members_on(c.port(), "chat:5")[0]["connections"] == json(1); }));
    // The last one, on A: one leave.
    ann_a.reset();
    EXPECT_EQ(next_change(watch_b), "leave 42");
    EXPECT_FALSE(watch_b.next_event(Millis{500})) << "exactly one leave";
    EXPECT_TRUE(wait_until([&] { return members_on(a.port(), "chat:5").size() == 1; }));
}

TEST(PresenceRedis, ANodeThatFollowsLateAnnouncesNoPastAndNoSecondJoin) {
    RedisServer redis;
    const auto args = shared_presence_args(redis);
    HeraldProcess a(args, Security::as_configured);
    HeraldProcess b(args, Security::as_configured);
    WsClient ann_a(a.port(), ws_target({"chat:6"}, "token=" + token_for("42")));
    ASSERT_TRUE(ann_a.wait_subscribed("chat:6"));
    // Ann's own join goes out through Redis: once it is back on her tab it
    // cannot reach Bob, who subscribes next, as a live event.
    std::optional<json> own;
    while ((own = ann_a.next_json()) && own->value("event", "") != "join") {
    }
    ASSERT_TRUE(own) << "Ann's join came back";
    SseClient bob_a(a.port(), events_target({"chat:6"}, "token=" + token_for("9")));
    ASSERT_EQ(bob_a.status(), 200u);
    EXPECT_EQ(next_change(bob_a), "join 9");

    // B's first subscriber to chat:6 is Ann's second tab: the members A has
    // are the past, and Ann was one already, so nothing is announced.
    SseClient ann_b(b.port(), events_target({"chat:6"}, "token=" + token_for("42")));
    ASSERT_EQ(ann_b.status(), 200u);
    EXPECT_FALSE(ann_b.next_event(Millis{800})) << "no join for members already there";
    EXPECT_FALSE(bob_a.next_event(Millis{100}));
    EXPECT_EQ(members_on(b.port(), "chat:6"),
              json::parse(R"([{"user":"42","connections":2},{"user":"9","connections":1}])"));

    // Someone new on B: one join, on both nodes.
    SseClient eve_b(b.port(), events_target({"chat:6"}, "token=" + token_for("5")));
    ASSERT_EQ(eve_b.status(), 200u);
    EXPECT_EQ(next_change(ann_b), "join 5");
    EXPECT_EQ(next_change(bob_a), "join 5");
    EXPECT_EQ(next_change(eve_b), "join 5");
}

TEST(PresenceRedis, AKilledNodesMembersLeaveOnceWithinPresenceTtl) {
    RedisServer redis;
    const auto args = shared_presence_args(redis);
    HeraldProcess a(args, Security::as_configured);
    auto b = std::make_unique<HeraldProcess>(args, Security::as_configured);
    SseClient watch_a(a.port(), events_target({"chat:7"}, "token=" + token_for("7")));
    ASSERT_EQ(watch_a.status(), 200u);
    EXPECT_EQ(next_change(watch_a), "join 7");
    SseClient ann_b(b->port(), events_target({"chat:7"}, "token=" + token_for("42")));
    ASSERT_EQ(ann_b.status(), 200u);
    EXPECT_EQ(next_change(watch_a), "join 42");

    // No goodbye: B's keys and heartbeats simply stop.
    const auto killed = std::chrono::steady_clock::now();
    b->send_signal(SIGKILL);
    ASSERT_TRUE(b->wait_exit(Millis{5'000}));
    EXPECT_EQ(next_change(watch_a, Millis{6'000}), "leave 42");
    const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - killed);
    // presence_ttl is 1.5 s; a heartbeat may have come just before the kill.
    EXPECT_LE(took.count(), 1'500 + 1'000) << "the leave took " << took.count() << " ms";
    EXPECT_FALSE(watch_a.next_event(Millis{500})) << "exactly one leave";
    EXPECT_EQ(metric_value(a.port(), "herald_presence_nodes_expired_total"), 1);
    EXPECT_EQ(members_on(a.port(), "chat:7"), json::parse(R"([{"user":"7","connections":1}])"));
    // Redis forgot B's members too: a node that reads it now finds only A's.
    HeraldProcess c(args, Security::as_configured);
    EXPECT_EQ(members_on(c.port(), "chat:7"), json::parse(R"([{"user":"7","connections":1}])"));
}
