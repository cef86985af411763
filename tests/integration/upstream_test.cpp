// Upstream client messages ({"type":"send"}, README "Upstream messages")
// through the real binary: into a real Redis Stream, refused where neither
// the namespace nor the token allows it, and always answered.
#include "auth_fixture.hpp"
#include "harness.hpp"
#include "redis_server.hpp"

#include <gtest/gtest.h>


using namespace herald_test;

namespace {

nlohmann::json send_message(const std::string& channel, nlohmann::json data,
                            const std::string& ref) {
    return {{"type", "send"}, {"channel", channel}, {"data", std::move(data)}, {"ref", ref}};
}

// The first frame answering `ref` (sent or error).
std::optional<nlohmann::json> answer_to(WsClient& ws, const std::string& ref) {
    for (int i = 0; i < 8; ++i) {
        auto frame = ws.next_json();
        if (!frame || frame->value("ref", "") == ref)
            return frame;
    }
    return std::nullopt;
}

} // namespace

TEST(Upstream, SendIsAppendedToTheRedisStreamWithEveryField) {
    RedisServer redis;
    HeraldProcess herald(
        redis_herald_args(redis.url(), {"--upstream-stream", "app:in", "--upstream-maxlen", "50"}));
    ASSERT_TRUE(wait_ready(herald.port()));
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));

    ws.send_json(send_message("room:1", {{"text", "hi"}}, "c1"));
    auto answer = answer_to(ws, "c1");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->dump(), R"({"ref":"c1","type":"sent"})");

    const auto entries = redis.cli("XRANGE", "app:in", "-", "+");
    EXPECT_NE(entries.find("channel\nroom:1"), std::string::npos) << entries;
    EXPECT_NE(entries.find(R"(data
{"text":"hi"})"),
              std::string::npos)
        << entries;
    EXPECT_NE(entries.find("user\nanon-"), std::string::npos) << entries;
    EXPECT_NE(entries.find("node\n"), std::string::npos) << entries;
    EXPECT_NE(entries.find("ts\n1"), std::string::npos) << entries;
    EXPECT_EQ(redis.cli("XLEN", "app:in"), "1\n");
}

TEST(Upstream, RedisDownIsAnErrorNeverSilence) {
    RedisServer redis;
    HeraldProcess herald(redis_herald_args(redis.url()));
    ASSERT_TRUE(wait_ready(herald.port()));
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    redis.stop();
    ASSERT_TRUE(wait_not_ready(herald.port(), Millis{5000}));

    ws.send_json(send_message("room:1", 1, "c2"));
    auto answer = answer_to(ws, "c2");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "error") << answer->dump();
    EXPECT_EQ(answer->value("code", ""), "unavailable") << answer->dump();
}

TEST(Upstream, WithoutRedisOrUrlSendIsUpstreamUnavailable) {
    HeraldProcess herald;
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    ws.send_json(send_message("room:1", 1, "c3"));
    auto answer = answer_to(ws, "c3");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("code", ""), "upstream_unavailable") << answer->dump();
}

TEST(Upstream, NamespaceOrPublishClaimAllowsAndOthersAreForbidden) {
    RedisServer redis;
    const auto config = write_temp_file("upstream.toml", "[[namespace]]\npattern = \"chat:*\"\nupstream = true\n");
    HeraldProcess herald(redis_herald_args(redis.url(), secure_flags({"--config", config})),
                         Security::as_configured);
    ASSERT_TRUE(wait_ready(herald.port()));

    // May subscribe to chat:1 and room:1, publish nowhere: chat:* has upstream.
    const auto reader = make_token({{"sub", "7"}, {"channels", {"chat:*", "room:*"}}});
    WsClient ws(herald.port(), ws_target({"chat:1"}, "token=" + reader));
    ASSERT_TRUE(ws.wait_subscribed("chat:1"));
    ws.send_json(send_message("chat:1", "a", "ok"));
    auto answer = answer_to(ws, "ok");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "sent") << answer->dump();
    ws.send_json(send_message("room:1", "b", "no"));
    answer = answer_to(ws, "no");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "error") << answer->dump();
    EXPECT_EQ(answer->value("code", ""), "forbidden") << answer->dump();

    // A publish claim allows it outside any upstream namespace.
    const auto writer =
        make_token({{"sub", "8"}, {"channels", {"room:*"}}, {"publish", {"room:*"}}});
    WsClient ws2(herald.port(), ws_target({"room:1"}, "token=" + writer));
    ASSERT_TRUE(ws2.wait_subscribed("room:1"));
    ws2.send_json(send_message("room:1", "c", "w"));
    answer = answer_to(ws2, "w");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "sent") << answer->dump();
    EXPECT_EQ(redis.cli("XLEN", "herald:upstream"), "2\n");
    EXPECT_NE(redis.cli("XRANGE", "herald:upstream", "-", "+").find("user\n8"), std::string::npos);
}
