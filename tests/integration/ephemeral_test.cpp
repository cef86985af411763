// Ephemeral events (typing indicators), the publisher's identity stamped on
// a client's publish, latest_on_subscribe and client_publish, through the
// real binary with the embedded broker and through Redis between two nodes.
#include "harness.hpp"
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace herald_test;
namespace fs = std::filesystem;

namespace {

std::string write_config(const std::string& name, const std::string& text) {
    auto path = fs::temp_directory_path() /
                ("herald-ephemeral-" + std::to_string(::getpid()) + "-" + name + ".toml");
    std::ofstream(path) << text;
    return path.string();
}

const char* kConfig = R"(
[[namespace]]
pattern = "room:*"
ephemeral_events = ["typing"]
[[namespace]]
pattern = "ticker:*"
latest_on_subscribe = true
[[namespace]]
pattern = "readonly:*"
client_publish = false
)";

std::vector<std::string> config_args() {
    return {"--config", write_config("config", kConfig)};
}

// The next WS frame that is not the acknowledgement of our own publish.
std::optional<nlohmann::json> next_event_frame(WsClient& ws) {
    for (int i = 0; i < 4; ++i) {
        auto frame = ws.next_json();
        if (!frame || frame->contains("event"))
            return frame;
    }
    return std::nullopt;
}

} // namespace

TEST(Ephemeral, TypingFromAClientIsDeliveredLiveWithItsSenderAndNeverStored) {
    HeraldProcess herald(config_args());
    const auto before = publish_event(herald.port(), "room:1", "hello", "chat", "c-1");
    SseClient sse(herald.port(), events_target({"room:1"}));
    WsClient other(herald.port(), ws_target({"room:1"}));
    WsClient typist(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(other.wait_subscribed("room:1"));
    ASSERT_TRUE(typist.wait_subscribed("room:1"));

    // A forged "from" is refused: only herald sets it.
    typist.send_json({{"type", "publish"}, {"channel", "room:1"}, {"event", "typing"},
                      {"from", "someone-else"}, {"data", nlohmann::json::object()}});
    auto refused = typist.next_json();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->value("type", ""), "error") << refused->dump();

    typist.send_json({{"type", "publish"}, {"channel", "room:1"}, {"event", "typing"},
                      {"data", nlohmann::json::object()}});
    auto ack = typist.next_json();
    for (int i = 0; i < 3 && ack && ack->value("type", "") != "published"; ++i)
        ack = typist.next_json();
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->value("type", ""), "published");
    EXPECT_FALSE(ack->contains("id")) << "an ephemeral event has no id: " << ack->dump();

    auto frame = next_event_frame(other);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("event", ""), "typing");
    EXPECT_FALSE(frame->contains("id")) << frame->dump();
    const auto from = frame->value("from", "");
    EXPECT_TRUE(from.starts_with("anon-")) << "an anonymous client gets its own id: " << from;

    auto event = sse.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->type, "typing");
    EXPECT_FALSE(event->id) << "no id line, so the browser's last event id stays";
    EXPECT_EQ(event->data, R"({"from":")" + from + R"(","data":{}})");

    // A resume from before it replays the stored event only.
    const auto after = publish_event(herald.port(), "room:1", "bye", "chat", "c-2");
    SseClient resumed(herald.port(), events_target({"room:1"}), {{"Last-Event-ID", before}});
    auto replay = resumed.next_event();
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->id, after);
}

TEST(Ephemeral, PublishCanMarkAnEventEphemeral) {
    HeraldProcess herald;
    SseClient sse(herald.port(), events_target({"user:1"}));
    auto response = publish(herald.port(), nlohmann::json::array({
        {{"channel", "user:1"}, {"data", 1}, {"id", "kept"}},
        {{"channel", "user:1"}, {"data", 2}, {"ephemeral", true}, {"id", "ignored"}},
    }));
    ASSERT_EQ(response.status, 202u) << response.body;
    EXPECT_EQ(response.body, R"({"ids":["kept",null]})");
    auto first = sse.next_event();
    auto second = sse.next_event();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, "kept");
    EXPECT_FALSE(second->id);
    EXPECT_EQ(second->data, "2") << "POST /publish names no sender";

    auto bad = publish(herald.port(), {{"channel", "user:1"}, {"data", 1}, {"ephemeral", "yes"}});
    EXPECT_EQ(bad.status, 400u);
    EXPECT_EQ(bad.json().value("error", ""), "ephemeral: must be true or false");
}

TEST(Ephemeral, LatestOnSubscribeSendsTheNewestStoredEventFirst) {
    HeraldProcess herald(config_args());
    publish_event(herald.port(), "ticker:btc", 100, "price", "p-1");
    publish_event(herald.port(), "ticker:btc", 101, "price", "p-2");
    publish_event(herald.port(), "other", 1, "", "o-1"); // no latest_on_subscribe there

    SseClient sse(herald.port(), events_target({"ticker:btc", "other"}));
    auto latest = sse.next_event();
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->id, "p-2");
    const auto live = publish_event(herald.port(), "other", 2, "", "o-2");
    auto next = sse.next_event();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->id, live) << "only the ticker's latest, then live events";

    WsClient ws(herald.port(), ws_target({}));
    ws.send_json({{"type", "subscribe"}, {"channel", "ticker:btc"}});
    auto frame = next_event_frame(ws);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("id", ""), "p-2");

    // Resume takes precedence: after p-1 comes p-2 once, nothing else.
    SseClient resumed(herald.port(), events_target({"ticker:btc"}), {{"Last-Event-ID", "p-1"}});
    auto replay = resumed.next_event();
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->id, "p-2");
    const auto newer = publish_event(herald.port(), "ticker:btc", 102, "price", "p-3");
    auto after = resumed.next_event();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->id, newer);
}

TEST(Ephemeral, ClientPublishFalseRefusesEveryClientPublish) {
    HeraldProcess herald(config_args()); // --insecure: the token would allow anything
    WsClient ws(herald.port(), ws_target({"readonly:1"}));
    ASSERT_TRUE(ws.wait_subscribed("readonly:1"));
    ws.send_json({{"type", "publish"}, {"channel", "readonly:1"}, {"data", 1}});
    auto refused = ws.next_json();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->value("code", ""), "forbidden") << refused->dump();
    // The application still publishes there.
    publish_event(herald.port(), "readonly:1", 2, "", "r-1");
    auto frame = next_event_frame(ws);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("id", ""), "r-1");
}

TEST(Ephemeral, ThroughRedisAnotherNodeDeliversItWithoutIdAndWithItsSender) {
    RedisServer redis;
    auto args = redis_herald_args(redis.url(), config_args());
    HeraldProcess a(args);
    HeraldProcess b(args);
    SseClient on_b(b.port(), events_target({"room:1"}));
    ASSERT_EQ(on_b.status(), 200u);
    WsClient typist(a.port(), ws_target({"room:1"}));
    ASSERT_TRUE(typist.wait_subscribed("room:1"));
    // The SSE stream opens once B's subscription is live in Redis.
    ASSERT_TRUE(wait_until([&] { return redis.pubsub_numsub("room:1") >= 2; }));

    typist.send_json({{"type", "publish"}, {"channel", "room:1"}, {"event", "typing"},
                      {"data", {{"on", true}}}});
    auto event = on_b.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->type, "typing");
    EXPECT_FALSE(event->id);
    EXPECT_NE(event->data.find(R"("from":"anon-)"), std::string::npos) << event->data;

    // An application's plain PUBLISH of an event named in ephemeral_events is ephemeral too.
    redis.cli("PUBLISH", "room:1", R"({"event":"typing","id":"x-1","data":{}})");
    auto plain = on_b.next_event();
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->type, "typing");
    EXPECT_FALSE(plain->id) << "ephemeral by its namespace: the id is not used";
}
