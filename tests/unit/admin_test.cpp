// The Admin API's sans-io parts: the HTTP request parser, the glob and the
// channel pages, the Redis messages between nodes, and the sum of the
// nodes' reports (README "Admin API").
#include "herald/broker/redis/admin_wire.hpp"
#include "herald/http/admin_request.hpp"
#include "herald/hub/admin_answer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace herald {
namespace {

using admin::Action;
using json = nlohmann::json;
namespace wire = redis::admin_wire;

admin::Request parsed(Action action, std::string_view target, std::string_view body = {}) {
    auto result = parse_admin_request(action, target, body);
    EXPECT_TRUE(std::holds_alternative<admin::Request>(result))
        << std::get<ParamError>(result).message;
    return std::holds_alternative<admin::Request>(result) ? std::get<admin::Request>(result)
                                                          : admin::Request{};
}

std::string error_field(Action action, std::string_view target, std::string_view body = {}) {
    auto result = parse_admin_request(action, target, body);
    return std::holds_alternative<ParamError>(result) ? std::get<ParamError>(result).field
                                                      : "(accepted)";
}

TEST(AdminRequest, ChannelsQueryHasDefaultsAndBounds) {
    auto r = parsed(Action::channels, "/admin/channels");
    EXPECT_EQ(r.limit, admin::default_limit);
    EXPECT_EQ(r.pattern, "");
    r = parsed(Action::channels, "/admin/channels?pattern=room%3A*&limit=1000&cursor=room:7");
    EXPECT_EQ(r.pattern, "room:*");
    EXPECT_EQ(r.limit, 1000u);
    EXPECT_EQ(r.cursor, "room:7");
    EXPECT_EQ(error_field(Action::channels, "/admin/channels?limit=1001"), "limit");
    EXPECT_EQ(error_field(Action::channels, "/admin/channels?limit=0"), "limit");
    EXPECT_EQ(error_field(Action::channels, "/admin/channels?limit=ten"), "limit");
}

TEST(AdminRequest, ConnectionsNeedAUser) {
    EXPECT_EQ(parsed(Action::connections, "/admin/connections?user=42").user, "42");
    EXPECT_EQ(error_field(Action::connections, "/admin/connections"), "user");
    EXPECT_EQ(error_field(Action::connections, "/admin/connections?user="), "user");
}

TEST(AdminRequest, DisconnectBodyDefaultsAndTruncatesTheReason) {
    auto r = parsed(Action::disconnect, "/admin/disconnect", R"({"user":"42","reason":"logout"})");
    EXPECT_EQ(r.user, "42");
    EXPECT_EQ(r.reason, "logout");
    EXPECT_EQ(parsed(Action::disconnect, "/", R"({"user":"42"})").reason, "disconnected");
    // 122 ASCII bytes then a 2-byte character: cut before it, not inside it.
    auto long_reason = std::string(122, 'a') + "\xC3\xA9" + "zzz";
    r = parsed(Action::disconnect, "/", json{{"user", "42"}, {"reason", long_reason}}.dump());
    EXPECT_EQ(r.reason, std::string(122, 'a'));
    EXPECT_EQ(error_field(Action::disconnect, "/", "not json"), "body");
    EXPECT_EQ(error_field(Action::disconnect, "/", "[]"), "body");
    EXPECT_EQ(error_field(Action::disconnect, "/", R"({"reason":"x"})"), "user");
    EXPECT_EQ(error_field(Action::disconnect, "/", R"({"user":42})"), "user");
}

TEST(AdminRequest, UnsubscribeNeedsAValidChannel) {
    auto r = parsed(Action::unsubscribe, "/", R"({"user":"42","channel":"room:1"})");
    EXPECT_EQ(r.channel, "room:1");
    EXPECT_EQ(error_field(Action::unsubscribe, "/", R"({"user":"42"})"), "channel");
    EXPECT_EQ(error_field(Action::unsubscribe, "/", R"({"user":"42","channel":"a b"})"),
              "channel");
}

TEST(AdminGlob, StarMatchesAnyRun) {
    EXPECT_TRUE(admin::glob_match("room:*", "room:1"));
    EXPECT_TRUE(admin::glob_match("room:*", "room:"));
    EXPECT_FALSE(admin::glob_match("room:*", "user:1"));
    EXPECT_TRUE(admin::glob_match("*:1", "room:1"));
    EXPECT_TRUE(admin::glob_match("r*m:*1", "room:11"));
    EXPECT_FALSE(admin::glob_match("r*m:*2", "room:11"));
    EXPECT_TRUE(admin::glob_match("*", ""));
    EXPECT_TRUE(admin::glob_match("room:1", "room:1"));
    EXPECT_FALSE(admin::glob_match("room:1", "room:12"));
    // Many stars against a long non-match stay quick (no exponential backtracking).
    EXPECT_FALSE(admin::glob_match(std::string(100, '*') + "b", std::string(10'000, 'a')));
}

TEST(AdminPage, SortsFiltersAndCutsAfterTheCursor) {
    admin::Request r;
    r.pattern = "room:*";
    r.limit = 2;
    std::vector<admin::ChannelCount> counts{
        {"room:3", 1, 0, 0}, {"user:1", 1, 0, 0}, {"room:1", 0, 1, 0}, {"room:2", 0, 0, 1}};
    auto page = admin::channel_page(counts, r);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].channel, "room:1");
    EXPECT_EQ(page[1].channel, "room:2");
    r.cursor = "room:2";
    page = admin::channel_page(counts, r);
    ASSERT_EQ(page.size(), 1u);
    EXPECT_EQ(page[0].channel, "room:3");
}

TEST(AdminAnswer, SumsChannelsOverNodesAndPaginates) {
    admin::Request r;
    r.limit = 2;
    admin::AdminAnswer answer(r);
    answer.expect(2);
    answer.add({"a", 0, {}, {{"room:1", 1, 0, 0}, {"room:2", 0, 1, 0}}});
    EXPECT_FALSE(answer.complete());
    answer.add({"b", 0, {}, {{"room:1", 0, 2, 0}}});
    EXPECT_TRUE(answer.complete());
    auto body = json::parse(answer.body(false));
    ASSERT_EQ(body["channels"].size(), 2u);
    EXPECT_EQ(body["channels"][0],
              (json{{"channel", "room:1"}, {"subscribers", {{"sse", 1}, {"ws", 2}, {"poll", 0}}}}));
    EXPECT_EQ(body["next"], "room:2"); // node a's page was full: more may follow
    EXPECT_EQ(body["nodes"], 2);
    EXPECT_FALSE(body.contains("incomplete"));

    admin::AdminAnswer last(r);
    last.add({"a", 0, {}, {{"room:3", 1, 0, 0}}});
    body = json::parse(last.body(true));
    EXPECT_TRUE(body["next"].is_null());
    EXPECT_EQ(body["incomplete"], true);
}

TEST(AdminAnswer, CountsAndConnections) {
    admin::Request r;
    r.action = Action::disconnect;
    admin::AdminAnswer answer(r);
    answer.add({"a", 2, {}, {}});
    answer.add({"b", 1, {}, {}});
    EXPECT_EQ(json::parse(answer.body(false)), (json{{"disconnected", 3}, {"nodes", 2}}));
    r.action = Action::unsubscribe;
    admin::AdminAnswer none(r);
    EXPECT_EQ(json::parse(none.body(true)),
              (json{{"unsubscribed", 0}, {"nodes", 0}, {"incomplete", true}}));

    r.action = Action::connections;
    admin::AdminAnswer list(r);
    list.add({"b", 0, {{"b", "sse", {"room:1"}, "2026-01-01T00:00:00.000Z", "1.2.3.4:5"}}, {}});
    list.add({"a", 0, {{"a", "ws", {}, "2026-01-02T00:00:00.000Z", "1.2.3.4:6"}}, {}});
    auto body = json::parse(list.body(false));
    ASSERT_EQ(body["connections"].size(), 2u);
    EXPECT_EQ(body["connections"][0]["node"], "a");
    EXPECT_EQ(body["connections"][1],
              (json{{"node", "b"},
                    {"transport", "sse"},
                    {"channels", {"room:1"}},
                    {"since", "2026-01-01T00:00:00.000Z"},
                    {"address", "1.2.3.4:5"}}));
}

TEST(AdminAnswer, Rfc3339) {
    using namespace std::chrono;
    auto t = system_clock::time_point(milliseconds(1'700'000'000'123));
    EXPECT_EQ(admin::rfc3339_utc(t), "2023-11-14T22:13:20.123Z");
}

TEST(AdminWire, RequestRoundTrips) {
    wire::Envelope e{7, wire::reply_name("node1"), {}};
    e.request.action = Action::unsubscribe;
    e.request.user = "42";
    e.request.channel = "room:1";
    e.request.reason = "disconnected";
    auto parsed = wire::parse_request(wire::encode_request(e));
    ASSERT_TRUE(std::holds_alternative<wire::Envelope>(parsed));
    auto& back = std::get<wire::Envelope>(parsed);
    EXPECT_EQ(back.id, 7u);
    EXPECT_EQ(back.reply, "#admin:node1");
    EXPECT_EQ(back.request.action, Action::unsubscribe);
    EXPECT_EQ(back.request.user, "42");
    EXPECT_EQ(back.request.channel, "room:1");
}

TEST(AdminWire, ReportRoundTrips) {
    admin::Report report{"node1", 3, {{"", "ws", {"room:1"}, "2026-01-01T00:00:00.000Z", "a:1"}},
                         {{"room:1", 1, 2, 3}}};
    auto parsed = wire::parse_report(wire::encode_report(9, report));
    ASSERT_TRUE(std::holds_alternative<wire::ReportEnvelope>(parsed));
    auto& back = std::get<wire::ReportEnvelope>(parsed);
    EXPECT_EQ(back.id, 9u);
    EXPECT_EQ(back.report.node, "node1");
    EXPECT_EQ(back.report.count, 3u);
    ASSERT_EQ(back.report.connections.size(), 1u);
    EXPECT_EQ(back.report.connections[0].node, "node1"); // the reporting node's
    EXPECT_EQ(back.report.connections[0].channels, std::vector<std::string>{"room:1"});
    ASSERT_EQ(back.report.channels.size(), 1u);
    EXPECT_EQ(back.report.channels[0].poll, 3u);
}

TEST(AdminWire, GarbageIsBadNeverAThrow) {
    for (std::string_view payload :
         {"", "x", "[]", "{}", R"({"id":-1,"reply":"#admin:a","action":"channels"})",
          R"({"id":1,"reply":"elsewhere","action":"channels"})",
          R"({"id":1,"reply":"#admin:a","action":"reboot"})",
          R"({"id":1,"reply":"#admin:a","action":"disconnect"})",
          R"({"id":1,"reply":"#admin:a","action":"channels","limit":5000})",
          R"({"id":1,"reply":"#admin:a","action":"unsubscribe","user":"1","channel":"a b"})",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
        EXPECT_TRUE(std::holds_alternative<wire::Bad>(wire::parse_request(payload))) << payload;
        EXPECT_TRUE(std::holds_alternative<wire::Bad>(wire::parse_report(payload))) << payload;
    }
    EXPECT_TRUE(std::holds_alternative<wire::Bad>(wire::parse_report(
        R"({"id":1,"node":"a","count":1,"connections":[],"channels":[["room:1",1,2]]})")));
    EXPECT_TRUE(std::holds_alternative<wire::Bad>(wire::parse_report(
        R"({"id":1,"node":"a","count":1,"connections":[{"transport":"ws"}],"channels":[]})")));
}

} // namespace
} // namespace herald
