// The Admin API (README "Admin API") against the real binary: off without
// admin_key, 401 with a wrong one (the publish key included), 400 for bad
// requests, each endpoint on one node, and each endpoint acting on two
// nodes through one real Redis and through a Redis Cluster.
#include "presence_fixture.hpp"
#include "redis_cluster_set.hpp"
#include "redis_server.hpp"

#include <future>
#include <set>

using namespace herald_test;
namespace http = boost::beast::http;

namespace {

constexpr const char* kAdminKey = "ak";

std::vector<std::string> admin_flags(std::vector<std::string> more = {}) {
    auto flags = presence_flags(); // JWT users, publish key "pk", presence on chat:*
    flags.insert(flags.end(), {"--admin-key", kAdminKey});
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}

Headers bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
}

HttpResponse admin_get(std::uint16_t port, const std::string& target,
                       const std::string& key = kAdminKey) {
    return http_request(port, http::verb::get, target, {}, bearer(key));
}

HttpResponse admin_post(std::uint16_t port, const std::string& path, const std::string& body,
                        const std::string& key = kAdminKey) {
    return http_request(port, http::verb::post, path, body, bearer(key));
}

std::string token_query(const std::string& user) {
    return "token=" + token_for(user);
}

// The subscriber counts of `channel` in a listing; null when it is not listed.
json counts_of(const json& listing, const std::string& channel) {
    for (const auto& c : listing["channels"])
        if (c["channel"] == channel)
            return c["subscribers"];
    return nullptr;
}

json sse_json(const json& sse, const json& ws, const json& poll) {
    return {{"sse", sse}, {"ws", ws}, {"poll", poll}};
}

// The next WS message of `type`, skipping events and other control messages.
std::optional<json> next_of_type(WsClient& ws, const std::string& type) {
    for (int i = 0; i < 20; ++i) {
        auto m = ws.next_json();
        if (!m)
            return std::nullopt;
        if (m->value("type", "") == type)
            return m;
    }
    return std::nullopt;
}

std::optional<SseEvent> next_sse_of_type(SseClient& sse, const std::string& type) {
    for (int i = 0; i < 20; ++i) {
        auto e = sse.next_event();
        if (!e)
            return std::nullopt;
        if (e->type == type)
            return e;
    }
    return std::nullopt;
}

// Two-node tests: the user has a WebSocket on one node and an SSE stream on
// the other; what is asked of node `a` reaches both.
void expect_unsubscribed_on_both(std::uint16_t a, WsClient& ws, SseClient& sse) {
    auto r = admin_post(a, "/admin/unsubscribe", R"({"user":"42","channel":"room:1"})");
    EXPECT_EQ(r.json(), (json{{"unsubscribed", 2}, {"nodes", 2}})) << r.body;
    EXPECT_EQ(next_of_type(ws, "unsubscribed"),
              (json{{"type", "unsubscribed"}, {"channel", "room:1"}, {"reason", "admin"}}));
    auto gone = next_sse_of_type(sse, "unsubscribed");
    ASSERT_TRUE(gone);
    EXPECT_EQ(json::parse(gone->data), (json{{"channel", "room:1"}, {"reason", "admin"}}));
}

void expect_disconnected_on_both(std::uint16_t a, std::uint16_t b, WsClient& ws,
                                 SseClient& sse) {
    auto r = admin_post(a, "/admin/disconnect", R"({"user":"42","reason":"logout"})");
    EXPECT_EQ(r.json(), (json{{"disconnected", 2}, {"nodes", 2}})) << r.body;
    ASSERT_TRUE(ws.wait_closed());
    EXPECT_EQ(ws.close_code(), 4002u);
    EXPECT_EQ(ws.close_reason(), "logout");
    auto bye = next_sse_of_type(sse, "disconnect");
    ASSERT_TRUE(bye);
    EXPECT_EQ(json::parse(bye->data), (json{{"reason", "logout"}}));
    EXPECT_TRUE(sse.wait_closed(kTimeout));
    EXPECT_EQ(admin_get(b, "/admin/connections?user=42").json(),
              (json{{"connections", json::array()}, {"nodes", 2}}));
}

} // namespace

TEST(AdminApi, OffWithoutAdminKeyLikeAnUnknownPath) {
    HeraldProcess herald(presence_flags(), Security::as_configured);
    const auto unknown = http_get(herald.port(), "/no-such-path");
    for (const auto* path : {"/admin/channels", "/admin/connections?user=1", "/admin/presence"}) {
        auto r = admin_get(herald.port(), path, "pk");
        EXPECT_EQ(r.status, 404u) << path;
        EXPECT_EQ(r.body, unknown.body) << path;
    }
    auto r = admin_post(herald.port(), "/admin/disconnect", R"({"user":"1"})", "pk");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.body, unknown.body);
}

TEST(AdminApi, WrongOrMissingKeyIs401AndKeysDoNotOpenEachOther) {
    HeraldProcess herald(admin_flags(), Security::as_configured);
    auto none = http_request(herald.port(), http::verb::get, "/admin/channels");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"herald-admin\"");
    EXPECT_TRUE(none.json().contains("error")) << none.body;
    EXPECT_EQ(admin_get(herald.port(), "/admin/channels", "wrong").status, 401u);
    EXPECT_EQ(admin_get(herald.port(), "/admin/channels", "pk").status, 401u)
        << "the publish key must not open the Admin API";
    EXPECT_EQ(admin_post(herald.port(), "/admin/disconnect", R"({"user":"1"})", "pk").status,
              401u);
    EXPECT_EQ(publish(herald.port(), {{"channel", "room:1"}, {"data", 1}}, kAdminKey).status,
              401u)
        << "the admin key must not open POST /publish";
    EXPECT_EQ(
        metric_value(herald.port(), "herald_auth_failures_total{reason=\"admin_key\"}").value_or(0),
        4);
    EXPECT_EQ(admin_get(herald.port(), "/admin/channels").status, 200u);
    EXPECT_EQ(admin_get(herald.port(), "/admin/disconnect").status, 405u);
}

TEST(AdminApi, BadRequestsAre400WithTheErrorForm) {
    HeraldProcess herald(admin_flags(), Security::as_configured);
    auto field_of = [](const HttpResponse& r) {
        EXPECT_EQ(r.status, 400u) << r.body;
        EXPECT_TRUE(r.json().contains("error")) << r.body;
        return r.json().value("field", "");
    };
    EXPECT_EQ(field_of(admin_post(herald.port(), "/admin/disconnect", "not json")), "body");
    EXPECT_EQ(field_of(admin_post(herald.port(), "/admin/disconnect", R"({"reason":"x"})")),
              "user");
    EXPECT_EQ(field_of(admin_post(herald.port(), "/admin/unsubscribe", R"({"user":"42"})")),
              "channel");
    EXPECT_EQ(field_of(admin_get(herald.port(), "/admin/connections")), "user");
    EXPECT_EQ(field_of(admin_get(herald.port(), "/admin/channels?limit=5000")), "limit");
    EXPECT_EQ(field_of(admin_get(herald.port(), "/admin/presence")), "channel");
}

TEST(AdminApi, EachEndpointOnOneNode) {
    HeraldProcess herald(admin_flags(), Security::as_configured);
    const auto port = herald.port();
    WsClient ws(port, ws_target({"room:1", "chat:5"}, token_query("42")));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    SseClient sse(port, events_target({"room:1"}, token_query("42")));
    ASSERT_EQ(sse.status(), 200u);
    WsClient other(port, ws_target({"room:2"}, token_query("7")));
    ASSERT_TRUE(other.wait_subscribed("room:2"));

    json listing;
    ASSERT_TRUE(wait_until([&] {
        listing = admin_get(port, "/admin/channels?pattern=room:*").json();
        return counts_of(listing, "room:1") == sse_json(1, 1, 0);
    })) << listing.dump();
    EXPECT_EQ(counts_of(listing, "room:2"), sse_json(0, 1, 0));
    EXPECT_TRUE(counts_of(listing, "chat:5").is_null()) << "outside the pattern";
    EXPECT_TRUE(listing["next"].is_null());
    EXPECT_EQ(listing["nodes"], 1);
    // One per page, by name: the cursor is the last name returned.
    auto page = admin_get(port, "/admin/channels?limit=1").json();
    ASSERT_EQ(page["channels"].size(), 1u) << page.dump();
    EXPECT_EQ(page["channels"][0]["channel"], "chat:5");
    EXPECT_EQ(page["next"], "chat:5");
    page = admin_get(port, "/admin/channels?limit=1&cursor=chat:5").json();
    EXPECT_EQ(page["channels"][0]["channel"], "room:1") << page.dump();

    auto connections = admin_get(port, "/admin/connections?user=42").json()["connections"];
    ASSERT_EQ(connections.size(), 2u) << connections.dump();
    std::set<std::string> transports;
    for (const auto& c : connections) {
        transports.insert(c["transport"].get<std::string>());
        EXPECT_FALSE(c["node"].get<std::string>().empty());
        EXPECT_TRUE(c["since"].get<std::string>().ends_with("Z")) << c.dump();
        const auto address = c["address"].get<std::string>();
        EXPECT_TRUE(address.starts_with("127.0.0.1:")) << c.dump();
        EXPECT_EQ(address.find(' '), std::string::npos) << c.dump();
    }
    EXPECT_EQ(transports, (std::set<std::string>{"sse", "ws"}));

    auto admin_presence = admin_get(port, "/admin/presence?channel=chat:5");
    EXPECT_EQ(admin_presence.status, 200u);
    EXPECT_EQ(admin_presence.json(), get_presence(port, "?channel=chat:5", true).json());

    auto r = admin_post(port, "/admin/unsubscribe", R"({"user":"42","channel":"room:1"})");
    EXPECT_EQ(r.json(), (json{{"unsubscribed", 2}, {"nodes", 1}})) << r.body;
    EXPECT_EQ(next_of_type(ws, "unsubscribed"),
              (json{{"type", "unsubscribed"}, {"channel", "room:1"}, {"reason", "admin"}}));
    auto gone = next_sse_of_type(sse, "unsubscribed");
    ASSERT_TRUE(gone);
    EXPECT_EQ(json::parse(gone->data), (json{{"channel", "room:1"}, {"reason", "admin"}}));
    EXPECT_EQ(counts_of(admin_get(port, "/admin/channels").json(), "room:1"), nullptr);

    // A poll of the same user, waiting: answered with "disconnect", then it ends.
    auto poll = std::async(std::launch::async, [&] {
        return http_request(port, http::verb::get,
                            "/poll?channel=room:3&timeout=20s&" + token_query("42"), {}, {},
                            Millis{30'000});
    });
    ASSERT_TRUE(wait_until([&] {
        return counts_of(admin_get(port, "/admin/channels").json(), "room:3") ==
               sse_json(0, 0, 1);
    }));
    r = admin_post(port, "/admin/disconnect", R"({"user":"42","reason":"logout"})");
    EXPECT_EQ(r.json(), (json{{"disconnected", 3}, {"nodes", 1}})) << r.body;
    ASSERT_TRUE(ws.wait_closed());
    EXPECT_EQ(ws.close_code(), 4002u);
    EXPECT_EQ(ws.close_reason(), "logout");
    auto bye = next_sse_of_type(sse, "disconnect");
    ASSERT_TRUE(bye);
    EXPECT_EQ(json::parse(bye->data), (json{{"reason", "logout"}}));
    EXPECT_TRUE(sse.wait_closed(kTimeout));
    auto answer = poll.get();
    EXPECT_EQ(answer.json()["disconnect"], true) << answer.body;
    EXPECT_EQ(answer.json()["reason"], "logout") << answer.body;
    EXPECT_EQ(answer.header("Connection"), "close");

    // Others stay; the user has nothing left.
    EXPECT_EQ(admin_get(port, "/admin/connections?user=42").json()["connections"], json::array());
    EXPECT_EQ(admin_get(port, "/admin/connections?user=7").json()["connections"].size(), 1u);
    EXPECT_EQ(
        metric_value(port, "herald_admin_requests_total{action=\"disconnect\"}").value_or(0), 1);
}

TEST(AdminRedis, EachEndpointActsOnTwoNodes) {
    RedisServer redis;
    const auto args = redis_herald_args(redis.url(), admin_flags());
    HeraldProcess a(args, Security::as_configured);
    HeraldProcess b(args, Security::as_configured);
    ASSERT_TRUE(wait_ready(a.port()));
    ASSERT_TRUE(wait_ready(b.port()));

    WsClient ws(a.port(), ws_target({"room:1", "chat:5"}, token_query("42")));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    SseClient sse(b.port(), events_target({"room:1", "chat:5"}, token_query("42")));
    ASSERT_EQ(sse.status(), 200u);

    // Both nodes answer, and the counts are summed over them.
    json listing;
    ASSERT_TRUE(wait_until([&] {
        listing = admin_get(a.port(), "/admin/channels?pattern=room:*").json();
        return listing["nodes"] == 2 && counts_of(listing, "room:1") == sse_json(1, 1, 0);
    })) << listing.dump();
    EXPECT_FALSE(listing.contains("incomplete"));

    auto connections = admin_get(a.port(), "/admin/connections?user=42").json();
    ASSERT_EQ(connections["connections"].size(), 2u) << connections.dump();
    EXPECT_EQ(connections["nodes"], 2);
    std::set<std::string> nodes, transports;
    for (const auto& c : connections["connections"]) {
        nodes.insert(c["node"].get<std::string>());
        transports.insert(c["transport"].get<std::string>());
    }
    EXPECT_EQ(nodes.size(), 2u) << "one connection on each node";
    EXPECT_EQ(transports, (std::set<std::string>{"sse", "ws"}));

    // /admin/presence is /presence, whichever node answers.
    json members;
    ASSERT_TRUE(wait_until([&] {
        members = get_presence(a.port(), "?channel=chat:5", true).json();
        return members["members"].size() == 1 && members["members"][0]["connections"] == 2;
    })) << members.dump();
    EXPECT_EQ(admin_get(a.port(), "/admin/presence?channel=chat:5").json(), members);
    EXPECT_EQ(admin_get(b.port(), "/admin/presence?channel=chat:5").json(), members);

    ASSERT_NO_FATAL_FAILURE(expect_unsubscribed_on_both(a.port(), ws, sse));
    EXPECT_EQ(counts_of(admin_get(b.port(), "/admin/channels").json(), "room:1"), nullptr);

    ASSERT_NO_FATAL_FAILURE(expect_disconnected_on_both(a.port(), b.port(), ws, sse));
}

TEST(AdminRedis, GarbageOnTheAdminChannelIsCountedNotFatal) {
    RedisServer redis;
    HeraldProcess a(redis_herald_args(redis.url(), admin_flags()), Security::as_configured);
    ASSERT_TRUE(wait_ready(a.port()));
    RedisConnection publisher(redis.port());
    ASSERT_TRUE(publish_until_received(publisher, "#admin", "not json", kTimeout));
    publisher.publish("#admin", R"({"id":1,"reply":"#admin:x","action":"reboot"})");
    EXPECT_TRUE(wait_until([&] {
        return metric_value(a.port(), "herald_admin_bad_messages_total").value_or(0) >= 2;
    }));
    EXPECT_EQ(admin_get(a.port(), "/admin/channels").json()["nodes"], 1);
}

TEST(AdminRedisCluster, EachEndpointActsOnTwoNodes) {
    // Sharded pub/sub: both nodes SSUBSCRIBE the request channel on its
    // slot's master, and each its reply channel on that one's. No presence
    // namespaces: the cluster does not share presence yet.
    RedisClusterSet set;
    const auto args = secure_flags({"--admin-key", kAdminKey, "--redis-cluster", set.addresses()});
    HeraldProcess a(args, Security::as_configured);
    HeraldProcess b(args, Security::as_configured);
    ASSERT_TRUE(wait_ready(a.port())) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port())) << readyz(b.port()).body;

    WsClient ws(a.port(), ws_target({"room:1", "room:2"}, token_query("42")));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    SseClient sse(b.port(), events_target({"room:1", "room:2"}, token_query("42")));
    ASSERT_EQ(sse.status(), 200u);

    json listing;
    ASSERT_TRUE(wait_until([&] {
        listing = admin_get(a.port(), "/admin/channels?pattern=room:*").json();
        return listing["nodes"] == 2 && counts_of(listing, "room:1") == sse_json(1, 1, 0) &&
               counts_of(listing, "room:2") == sse_json(1, 1, 0);
    })) << listing.dump();
    EXPECT_FALSE(listing.contains("incomplete"));
    // The admin channels are internal: subscribing them first is no break
    // any client must hear of.
    for (auto port : {a.port(), b.port()})
        EXPECT_EQ(metric_value(port, "herald_redis_gap_resets_total").value_or(-1), 0);

    // A resharding of the request channel's slot: both nodes follow it.
    const auto slot = set.slot_of("#admin"); // channel_prefix is empty
    const auto owner = set.owner(slot);
    std::uint16_t target = 0;
    for (auto port : set.masters())
        if (port != owner)
            target = port;
    ASSERT_NE(target, 0);
    set.migrate_slot(slot, target);
    json connections;
    auto both_answer = [&](Millis timeout) {
        return wait_until(
            [&] {
                connections = admin_get(a.port(), "/admin/connections?user=42").json();
                return connections["nodes"] == 2 && !connections.contains("incomplete");
            },
            timeout);
    };
    ASSERT_TRUE(both_answer(Millis{10'000})) << connections.dump();
    // A failover of its new master: both nodes follow the replica.
    set.node(target).kill();
    set.wait_new_owner(slot, target);
    ASSERT_TRUE(wait_ready(a.port(), Millis{15'000})) << readyz(a.port()).body;
    ASSERT_TRUE(wait_ready(b.port(), Millis{15'000})) << readyz(b.port()).body;
    ASSERT_TRUE(both_answer(Millis{10'000})) << connections.dump();
    ASSERT_EQ(connections["connections"].size(), 2u) << connections.dump();
    std::set<std::string> nodes, transports;
    for (const auto& c : connections["connections"]) {
        nodes.insert(c["node"].get<std::string>());
        transports.insert(c["transport"].get<std::string>());
    }
    EXPECT_EQ(nodes.size(), 2u) << "one connection on each node";
    EXPECT_EQ(transports, (std::set<std::string>{"sse", "ws"}));

    ASSERT_NO_FATAL_FAILURE(expect_unsubscribed_on_both(a.port(), ws, sse));
    listing = admin_get(b.port(), "/admin/channels").json();
    EXPECT_EQ(counts_of(listing, "room:1"), nullptr) << listing.dump();
    EXPECT_EQ(counts_of(listing, "room:2"), sse_json(1, 1, 0)) << listing.dump();

    ASSERT_NO_FATAL_FAILURE(expect_disconnected_on_both(a.port(), b.port(), ws, sse));
}

TEST(AdminApi, FindsUsersWithoutPresenceNamespaces) {
    // SSE and poll keep their identity for the Admin API alone.
    HeraldProcess herald(secure_flags({"--admin-key", kAdminKey}), Security::as_configured);
    SseClient sse(herald.port(), events_target({"room:1"}, token_query("42")));
    ASSERT_EQ(sse.status(), 200u);
    json listing;
    ASSERT_TRUE(wait_until([&] {
        listing = admin_get(herald.port(), "/admin/connections?user=42").json();
        return listing["connections"].size() == 1;
    })) << listing.dump();
    EXPECT_EQ(listing["connections"][0]["transport"], "sse");
    auto r = admin_post(herald.port(), "/admin/disconnect", R"({"user":"42"})");
    EXPECT_EQ(r.json()["disconnected"], 1) << r.body;
    auto bye = next_sse_of_type(sse, "disconnect");
    ASSERT_TRUE(bye);
    EXPECT_EQ(json::parse(bye->data), (json{{"reason", "disconnected"}}));
    EXPECT_TRUE(sse.wait_closed(kTimeout));
}
