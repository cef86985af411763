// Shared history in Redis streams (history_backend = "redis", the default
// with Redis): resume on any node and after a restart, the application's
// herald_publish, and the gap of a broken subscription filled from the
// stream (or announced with a reset where the stream cannot fill it).
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace herald_test;

namespace {

const char* kConfig = R"(
[[namespace]]
pattern = "nohist:*"
history_size = 0

[[namespace]]
pattern = "small:*"
history_size = 2

[[namespace]]
pattern = "last:*"
latest_on_subscribe = true
)";

std::vector<std::string> node_args(const RedisServer& redis) {
    return redis_herald_args(redis.url(),
                             {"--config", write_temp_file("history-config.toml", kConfig)});
}

std::vector<std::string> data_of(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(e.type + ":" + e.data);
    return out;
}

std::string publish_id(std::uint16_t port, const std::string& channel, int data,
                       const std::string& id = {}) {
    json body = {{"channel", channel}, {"data", data}};
    if (!id.empty())
        body["id"] = id;
    auto response = publish(port, body);
    EXPECT_EQ(response.status, 202u) << response.body;
    return response.json()["ids"][0];
}

} // namespace

TEST(RedisHistory, ResumesOnAnotherNodeAndOnOneStartedLater) {
    RedisServer redis;
    HeraldProcess a(node_args(redis));
    ASSERT_TRUE(wait_ready(a.port()));
    SseClient live(a.port(), events_target({"user:1"}));
    const auto first = publish_id(a.port(), "user:1", 1);
    publish_id(a.port(), "user:1", 2, "given-2");
    publish_id(a.port(), "other", 9);
    publish_id(a.port(), "user:1", 3);
    ASSERT_EQ(data_of(live.next_events(3)),
              (std::vector<std::string>{"message:1", "message:2", "message:3"}));

    // A node that was not even running when the events were published.
    HeraldProcess b(node_args(redis));
    ASSERT_TRUE(wait_ready(b.port()));
    SseClient resumed(b.port(), events_target({"user:1", "other"}), {{"Last-Event-ID", first}});
    auto events = resumed.next_events(3);
    // In order per channel; across channels, stream ids order them only to
    // the millisecond (README "Shared history").
    auto got = data_of(events);
    std::erase(got, "message:9");
    EXPECT_EQ(got, (std::vector<std::string>{"message:2", "message:3"}));
    ASSERT_EQ(events.size(), 3u);
    // A publisher's id is what every node shows. (message:9 of the other
    // channel may come first: same millisecond.)
    auto given = std::find_if(events.begin(), events.end(),
                              [](const SseEvent& e) { return e.data == "2"; });
    ASSERT_NE(given, events.end());
    EXPECT_EQ(given->id, "given-2");

    // Over WebSocket too, from the publisher's id.
    WsClient ws(b.port(), ws_target({"user:1"}, "lastEventId=given-2"));
    std::optional<json> frame;
    while ((frame = ws.next_json()) && !frame->contains("event")) {
    }
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("data", json()), 3);

    // An id no stream holds is a reset, as with memory history.
    SseClient unknown(b.port(), events_target({"user:1"}), {{"Last-Event-ID", "no-such"}});
    auto reset = unknown.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");
}

TEST(RedisHistory, ApplicationsStoreWithTheFunctionAndPlainPublishIsLiveOnly) {
    RedisHerald node({"--config", write_temp_file("history-config.toml", kConfig)});
    SseClient live(node.port(), events_target({"user:7"}));
    // The documented one-liner: stored and published in one step, with no id.
    const auto sid = node.redis.cli("FCALL", "herald_publish", "1", "#history{user:7}", "user:7",
                                    "100", "300000", R"({"event":"notice","data":{"n":1}})");
    RedisConnection redis(node.redis.port());
    redis.publish("user:7", R"({"event":"plain","id":"plain-1","data":2})");
    auto events = live.next_events(2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].type, "notice");
    EXPECT_EQ(events[0].id, sid.substr(0, sid.find('\n'))); // the stream id is the event id
    EXPECT_EQ(events[1].id, "plain-1");

    // Another node resumes from the stream id; the plain event is not stored.
    HeraldProcess other(node_args(node.redis));
    ASSERT_TRUE(wait_ready(other.port()));
    SseClient from_sid(other.port(), events_target({"user:7"}), {{"Last-Event-ID", *events[0].id}});
    publish_id(node.port(), "user:7", 3);
    auto next = from_sid.next_event();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->data, "3");
    SseClient from_plain(other.port(), events_target({"user:7"}), {{"Last-Event-ID", "plain-1"}});
    auto reset = from_plain.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");

    // A message that is not an event object is refused before anything is stored.
    const auto refused = node.redis.cli("FCALL", "herald_publish", "1", "#history{user:7}",
                                        "user:7", "100", "300000", "42");
    EXPECT_NE(refused.find("must be a JSON object"), std::string::npos) << refused;
}

TEST(RedisHistory, LatestOnSubscribeComesFromTheStreamOnAnyNode) {
    RedisServer redis;
    HeraldProcess a(node_args(redis));
    ASSERT_TRUE(wait_ready(a.port()));
    publish_id(a.port(), "last:price", 10);
    publish_id(a.port(), "last:price", 11);
    HeraldProcess b(node_args(redis));
    ASSERT_TRUE(wait_ready(b.port()));
    SseClient sub(b.port(), events_target({"last:price"}));
    auto latest = sub.next_event();
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->data, "11");
}

// The subscriber connection is killed, and events are published before the
// node can subscribe again: in one MULTI, so the gap is certain.
TEST(RedisHistory, ABrokenSubscriptionIsFilledFromTheStreamInOrderAndOnce) {
    RedisHerald node({"--config", write_temp_file("history-config.toml", kConfig)});
    SseClient sse(node.port(), events_target({"room:1"}));
    WsClient ws(node.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    SseClient none(node.port(), events_target({"nohist:1"}));
    SseClient small(node.port(), events_target({"small:1"}));
    publish_id(node.port(), "room:1", 1);
    ASSERT_EQ(data_of(sse.next_events(1)), (std::vector<std::string>{"message:1"}));
    ASSERT_TRUE(ws.next_json());
    // Let the floor reads of the other channels finish.
    publish_id(node.port(), "small:1", 0);
    ASSERT_TRUE(small.next_event());

    const auto reconnects = metric_value(node.port(), "herald_redis_reconnects_total").value_or(-1);
    RedisConnection redis(node.redis.port());
    redis.command({"MULTI"});
    redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
    for (int i = 2; i <= 4; ++i)
        redis.command({"FCALL", "herald_publish", "1", "#history{room:1}", "room:1", "100",
                       "300000", R"({"event":"message","data":)" + std::to_string(i) + "}"});
    // small:1 keeps 2 events: 300 more are trimmed past its position.
    for (int i = 1; i <= 300; ++i)
        redis.command({"FCALL", "herald_publish", "1", "#history{small:1}", "small:1", "2",
                       "300000", R"({"event":"message","data":)" + std::to_string(i) + "}"});
    redis.command({"PUBLISH", "nohist:1", R"({"event":"lost","data":0})"});
    auto exec = redis.command({"EXEC"});
    ASSERT_EQ(exec.type, RedisReply::Type::array);

    // Filled: 2, 3, 4 in order, then a live 5; each once. The node must have
    // seen the kill first: until it does, it still reports ready, and a
    // publish in its reconnect window is a 503.
    ASSERT_TRUE(wait_until(
        [&] {
            return metric_value(node.port(), "herald_redis_reconnects_total").value_or(-1) >
                   reconnects;
        },
        Millis{3000}));
    ASSERT_TRUE(wait_ready(node.port()));
    publish_id(node.port(), "room:1", 5);
    EXPECT_EQ(data_of(sse.next_events(4)),
              (std::vector<std::string>{"message:2", "message:3", "message:4", "message:5"}));
    for (int i = 2; i <= 5; ++i) {
        auto frame = ws.next_json();
        ASSERT_TRUE(frame);
        EXPECT_EQ(frame->value("data", json()), i);
    }
    // No history to fill from: the subscribers are told.
    auto reset = none.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");
    EXPECT_NE(reset->data.find("keeps no history"), std::string::npos) << reset->data;
    // Trimmed past the position: a reset, then what the stream still holds.
    auto trimmed = small.next_event();
    ASSERT_TRUE(trimmed);
    EXPECT_EQ(trimmed->type, "reset");
    EXPECT_NE(trimmed->data.find("no longer held"), std::string::npos) << trimmed->data;
    expect_quiet(sse, ws, Millis{300});
    EXPECT_GE(metric_value(node.port(), "herald_redis_gap_events_total").value_or(0), 3);
    EXPECT_GE(metric_value(node.port(), "herald_redis_gap_resets_total").value_or(0), 2);
}

// history_backend = "memory" with Redis: a node that missed events while its subscription was
// broken tells its subscribers reset. A client resuming on that node later,
// from an event before the break, must be told too: its memory has a hole
// there, and replaying the events around it would skip what was lost.
TEST(RedisHistory, MemoryHistoryAnnouncesTheNodesOwnGapOnALaterResume) {
    RedisHerald node({"--history-backend", "memory"});
    SseClient live(node.port(), events_target({"room:2"}));
    const auto before = publish_id(node.port(), "room:2", 1);
    ASSERT_EQ(data_of(live.next_events(1)), (std::vector<std::string>{"message:1"}));

    RedisConnection redis(node.redis.port());
    redis.command({"MULTI"});
    redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
    redis.command({"PUBLISH", "room:2", R"({"event":"message","id":"lost-2","data":2})"});
    ASSERT_EQ(redis.command({"EXEC"}).type, RedisReply::Type::array);
    // The reset comes once the node has subscribed again.
    auto reset = live.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");
    publish_id(node.port(), "room:2", 3);
    ASSERT_EQ(data_of(live.next_events(1)), (std::vector<std::string>{"message:3"}));

    SseClient resumed(node.port(), events_target({"room:2"}), {{"Last-Event-ID", before}});
    auto first = resumed.next_event();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->type, "reset") << "replayed " << first->data << " over the lost event";
}
