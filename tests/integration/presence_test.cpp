// Presence through the real binary: who is subscribed to a presence channel
// (one member per user, with a connection count), join/leave events sent on
// a user's first and last connection only, to SSE and WS subscribers, the WS
// and HTTP queries, their errors, and join/leave never replayed on resume.
#include "presence_fixture.hpp"

#include <memory>

using namespace herald_test;

class Presence : public ::testing::Test {
protected:
    HeraldProcess herald{presence_flags(), Security::as_configured};
    const json ann_info = {{"name", "Ann"}};
};

TEST_F(Presence, TabsOfOneUserAreOneMemberWithOneJoinAndOneLeave) {
    // Two watchers, SSE and WS, see their own joins first.
    SseClient sse_watch(herald.port(), events_target({"chat:1"}, "token=" + token_for("7")));
    ASSERT_EQ(sse_watch.status(), 200u);
    auto own = sse_watch.next_event();
    ASSERT_TRUE(own);
    EXPECT_EQ(own->type, "join");
    EXPECT_EQ(own->data, R"({"user":"7"})");
    WsClient ws_watch(herald.port(), ws_target({"chat:1"}, "token=" + token_for("8")));
    ASSERT_TRUE(ws_watch.wait_subscribed("chat:1"));
    auto own_ws = next_ws_event(ws_watch);
    ASSERT_TRUE(own_ws);
    EXPECT_EQ((*own_ws)["data"], json({{"user", "8"}}));
    ASSERT_EQ(sse_watch.next_event()->data, R"({"user":"8"})");

    // Ann's first tab (WS): one join, to both watchers.
    auto ann_tab1 = std::make_unique<WsClient>(
        herald.port(), ws_target({"chat:1"}, "token=" + token_for("42", ann_info)));
    ASSERT_TRUE(ann_tab1->wait_subscribed("chat:1"));
    const json ann_data = {{"user", "42"}, {"info", ann_info}};
    auto join = sse_watch.next_event();
    ASSERT_TRUE(join);
    EXPECT_EQ(join->type, "join");
    EXPECT_EQ(json::parse(join->data), ann_data);
    EXPECT_FALSE(join->id) << "an ephemeral event has no id";
    auto ws_join = next_ws_event(ws_watch);
    ASSERT_TRUE(ws_join);
    EXPECT_EQ((*ws_join)["event"], "join");
    EXPECT_EQ((*ws_join)["channel"], "chat:1");
    EXPECT_EQ((*ws_join)["data"], ann_data);

    // Her second tab (SSE): no second join.
    auto ann_tab2 = std::make_unique<SseClient>(
        herald.port(), events_target({"chat:1"}, "token=" + token_for("42", ann_info)));
    ASSERT_EQ(ann_tab2->status(), 200u);
    EXPECT_FALSE(sse_watch.next_event(Millis{400})) << "a second tab is no new member";

    auto answer = ws_presence(ws_watch, "chat:1");
    const json expected_two = {{"type", "presence"},
                               {"channel", "chat:1"},
                               {"members",
                                {{{"user", "42"}, {"connections", 2}, {"info", ann_info}},
                                 {{"user", "7"}, {"connections", 1}},
                                 {{"user", "8"}, {"connections", 1}}}}};
    EXPECT_EQ(answer, expected_two);
    auto http = get_presence(herald.port(), "?channel=chat:1", true);
    EXPECT_EQ(http.status, 200u) << http.body;
    EXPECT_EQ(http.header("content-type"), "application/json");
    EXPECT_EQ(http.json(), expected_two);
    EXPECT_EQ(metric_value(herald.port(), "herald_presence_channels"), 1);
    EXPECT_EQ(metric_value(herald.port(), "herald_presence_members"), 3);

    // One tab goes: no leave; the last one drops without a close frame: leave.
    ann_tab2.reset();
    EXPECT_FALSE(sse_watch.next_event(Millis{400})) << "a tab left, the user did not";
    ASSERT_TRUE(wait_until([&] {
        return get_presence(herald.port(), "?channel=chat:1", true)
                   .json()["members"][0]["connections"] == 1;
    }));
    ann_tab1.reset();
    auto leave = sse_watch.next_event();
    ASSERT_TRUE(leave);
    EXPECT_EQ(leave->type, "leave");
    EXPECT_EQ(json::parse(leave->data), ann_data);
    auto ws_leave = next_ws_event(ws_watch);
    ASSERT_TRUE(ws_leave);
    EXPECT_EQ((*ws_leave)["event"], "leave");
    EXPECT_FALSE(sse_watch.next_event(Millis{300})) << "exactly one leave";
    EXPECT_TRUE(wait_until(
        [&] { return metric_value(herald.port(), "herald_presence_members") == 2; }));
}

TEST_F(Presence, QueriesNeedPresenceAccessAndTheKey) {
    WsClient ws(herald.port(), ws_target({"quiet:1"}, "token=" + token_for("42", ann_info)));
    ASSERT_TRUE(ws.wait_subscribed("quiet:1"));
    // presence without join_leave: members, but no events.
    auto answer = ws_presence(ws, "quiet:1");
    EXPECT_EQ(answer["members"], json::parse(R"([{"user":"42","connections":1,"info":{"name":"Ann"}}])"))
        << answer.dump();
    EXPECT_EQ(ws_presence(ws, "room:1")["code"], "not_found");
    EXPECT_EQ(ws_presence(ws, "chat-admin")["code"], "forbidden");
    EXPECT_FALSE(ws.closed());

    auto no_key = get_presence(herald.port(), "?channel=quiet:1", false);
    expect_refused(no_key.status, no_key.body, 401, "");
    auto not_presence = get_presence(herald.port(), "?channel=room:1", true);
    expect_refused(not_presence.status, not_presence.body, 404, "channel");
    auto no_channel = get_presence(herald.port(), "", true);
    expect_refused(no_channel.status, no_channel.body, 400, "channel");
    auto two = get_presence(herald.port(), "?channel=quiet:1&channel=quiet:2", true);
    EXPECT_EQ(two.status, 400u) << two.body;
    EXPECT_EQ(get_presence(herald.port(), "?channel=quiet:1", true).json()["members"].size(), 1u);
}

TEST_F(Presence, JoinAndLeaveAreNeverReplayed) {
    const auto key = std::optional<std::string>("pk");
    publish_event(herald.port(), "chat:2", 1, "", "c-1", key);
    {
        WsClient passer(herald.port(), ws_target({"chat:2"}, "token=" + token_for("42")));
        ASSERT_TRUE(passer.wait_subscribed("chat:2"));
    } // join and leave of 42 happen here
    ASSERT_TRUE(wait_until([&] {
        return get_presence(herald.port(), "?channel=chat:2", true).json()["members"].empty();
    }));
    SseClient resumer(herald.port(), events_target({"chat:2"}, "token=" + token_for("7")),
                      {{"Last-Event-ID", "c-1"}});
    ASSERT_EQ(resumer.status(), 200u);
    publish_event(herald.port(), "chat:2", 2, "", "c-2", key);
    // Only the resumer's own (live) join may come before c-2.
    for (int i = 0; i < 3; ++i) {
        auto event = resumer.next_event();
        ASSERT_TRUE(event);
        if (event->id == std::optional<std::string>("c-2"))
            return;
        EXPECT_EQ(event->data, R"({"user":"7"})") << event->type << " " << event->data;
    }
    FAIL() << "c-2 never came";
}

TEST(PresenceAnonymous, EachAnonymousConnectionIsItsOwnMember) {
    auto args = presence_flags();
    // Insecure: anonymous connections may subscribe anywhere; the flags from
    // secure_flags() stay (a jwt secret does not matter to anonymous clients).
    HeraldProcess herald(args);
    SseClient sse(herald.port(), events_target({"quiet:9"}));
    ASSERT_EQ(sse.status(), 200u);
    WsClient ws(herald.port(), ws_target({"quiet:9"}));
    ASSERT_TRUE(ws.wait_subscribed("quiet:9"));
    json members;
    ASSERT_TRUE(wait_until([&] {
        members = get_presence(herald.port(), "?channel=quiet:9", true).json()["members"];
        return members.size() == 2;
    })) << members.dump();
    for (const auto& m : members) {
        EXPECT_TRUE(m["user"].get<std::string>().starts_with("anon-")) << m.dump();
        EXPECT_EQ(m["connections"], 1);
    }
}
