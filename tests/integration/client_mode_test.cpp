// Client mode (?client=1 on /events and /ws, README "Client mode"): what a
// client library such as clients/js asks for so that it can see the
// heartbeat interval, heartbeats and every event's channel from a browser,
// and proof that streams without it keep the wire they always had.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

namespace {
json data_of(const SseEvent& event) {
    return json::parse(event.data, nullptr, false);
}
} // namespace

TEST(ClientMode, SseOpensWithHelloCarryingTheHeartbeatInterval) {
    HeraldProcess herald(fast_flags()); // --heartbeat-interval 1s
    SseClient client(herald.port(), events_target({"user:42"}, "client=1"));
    ASSERT_EQ(client.status(), 200u);
    EXPECT_EQ(client.body_prefix().rfind("retry: 3000\n\nid: @", 0), 0u) << client.body_prefix();
    EXPECT_NE(client.body_prefix().find("\ndata: {\"type\":\"hello\",\"heartbeat\":1000}\n\n"),
              std::string::npos)
        << client.body_prefix();
    auto hello = client.next_event(2s);
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->type, "message") << "unnamed, so that onmessage gets it";
    EXPECT_EQ(data_of(*hello), (json{{"type", "hello"}, {"heartbeat", 1000}}));
    ASSERT_TRUE(hello->id);
    EXPECT_TRUE(hello->id->starts_with("@")) << "the stream's position: " << *hello->id;
}

TEST(ClientMode, SseEventsAreUnnamedWithTheWebSocketJson) {
    HeraldProcess herald;
    SseClient client(herald.port(), events_target({"user:42", "room:1"}, "client=1"));
    ASSERT_TRUE(client.next_event(2s)); // hello

    publish_event(herald.port(), "room:1", {{"text", "hi"}}, "notification", "e-1");
    publish_event(herald.port(), "user:42", "line one\nline two", "", "e-2");
    ASSERT_EQ(publish(herald.port(), {{"channel", "room:1"},
                                      {"event", "typing"},
                                      {"data", json::object()},
                                      {"ephemeral", true}})
                  .status,
              202u);
    auto events = client.next_events(3, 3s);
    ASSERT_EQ(events.size(), 3u);

    EXPECT_EQ(
        events[0].lines,
        (std::vector<std::string>{
            "id: e-1",
            R"(data: {"channel":"room:1","event":"notification","id":"e-1","data":{"text":"hi"}})"}));
    EXPECT_EQ(events[0].type, "message");
    EXPECT_EQ(events[0].last_event_id, "e-1");
    EXPECT_EQ(data_of(events[1]), (json{{"channel", "user:42"},
                                        {"event", "message"},
                                        {"id", "e-2"},
                                        {"data", "line one\nline two"}}));
    // Ephemeral: no id line, so the stream's last event id stays e-2.
    EXPECT_FALSE(events[2].id);
    EXPECT_EQ(events[2].last_event_id, "e-2");
    EXPECT_EQ(data_of(events[2]),
              (json{{"channel", "room:1"}, {"event", "typing"}, {"data", json::object()}}));
}

TEST(ClientMode, SseCarriesTheSenderOfAClientPublishUnwrapped) {
    HeraldProcess herald;
    SseClient reader(herald.port(), events_target({"room:1"}, "client=1"));
    ASSERT_TRUE(reader.next_event(2s)); // hello
    WsClient writer(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(writer.wait_subscribed("room:1"));
    writer.send_json({{"type", "publish"},
                      {"channel", "room:1"},
                      {"event", "typing"},
                      {"data", {{"on", true}}},
                      {"ephemeral", true}});
    auto typing = reader.next_event(2s);
    ASSERT_TRUE(typing);
    auto data = data_of(*typing);
    EXPECT_EQ(data["event"], "typing");
    EXPECT_EQ(data["data"], (json{{"on", true}})) << "not wrapped in {from, data}";
    EXPECT_TRUE(data["from"].is_string() && !data["from"].get<std::string>().empty())
        << typing->data;
}

TEST(ClientMode, SseHeartbeatsAreEventsNotComments) {
    HeraldProcess herald(fast_flags());
    SseClient client(herald.port(), events_target({"quiet"}, "client=1"));
    ASSERT_TRUE(client.next_event(2s)); // hello
    auto events = client.next_events(2, 4s);
    ASSERT_EQ(events.size(), 2u);
    for (const auto& beat : events) {
        EXPECT_EQ(beat.type, "message");
        EXPECT_EQ(beat.lines, (std::vector<std::string>{R"(data: {"type":"heartbeat"})"}));
    }
    EXPECT_EQ(client.count_comments("heartbeat"), 0u);
}

TEST(ClientMode, SseResetIsAMessageThatReplacesTheLastEventIdWithThePosition) {
    HeraldProcess herald;
    SseClient client(herald.port(), events_target({"a"}, "client=1&lastEventId=never-seen"));
    ASSERT_TRUE(client.next_event(2s)); // hello
    auto reset = client.next_event(2s);
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "message");
    ASSERT_TRUE(reset->id);
    EXPECT_TRUE(reset->id->starts_with("@")) << *reset->id;
    auto data = data_of(*reset);
    EXPECT_EQ(data["type"], "reset") << reset->data;
    EXPECT_TRUE(data["reason"].is_string()) << reset->data;
}

TEST(ClientMode, SseWithoutItKeepsTheWireItHad) {
    HeraldProcess herald(fast_flags());
    // client=0 is not client mode either.
    for (const std::string query : {"", "client=0"}) {
        SseClient client(herald.port(), events_target({"user:42"}, query));
        EXPECT_TRUE(client.wait_comments("heartbeat", 1, 3s)) << query;
        EXPECT_EQ(client.body_prefix().find("hello"), std::string::npos) << client.body_prefix();
        publish_event(herald.port(), "user:42", {{"n", 1}}, "notification", "b-" + query);
        auto event = client.next_event(2s);
        ASSERT_TRUE(event) << query;
        EXPECT_EQ(event->type, "notification") << "the first event is the publish, no hello";
        EXPECT_EQ(event->data, R"({"n":1})");
    }
}

TEST(ClientMode, WsHelloIsTheFirstFrame) {
    HeraldProcess herald(fast_flags());
    WsClient client(herald.port(), ws_target({"user:42"}, "client=1"));
    auto first = client.next_json(2s);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, (json{{"type", "hello"}, {"heartbeat", 1000}}));
    EXPECT_TRUE(client.wait_subscribed("user:42", 2s));
    // A client's own ping is how it sees that the connection is alive.
    client.send_json({{"type", "ping"}});
    auto pong = client.next_json(2s);
    ASSERT_TRUE(pong);
    EXPECT_EQ(*pong, (json{{"type", "pong"}}));

    // Without channels the hello comes all the same.
    WsClient bare_channels(herald.port(), "/ws?client=1");
    auto hello = bare_channels.next_json(2s);
    ASSERT_TRUE(hello);
    EXPECT_EQ((*hello)["type"], "hello");
}

TEST(ClientMode, WsWithoutItStartsWithSubscribed) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"user:42"}));
    auto first = client.next_json(2s);
    ASSERT_TRUE(first);
    EXPECT_EQ((*first)["type"], "subscribed");
    EXPECT_EQ((*first)["channel"], "user:42");
    EXPECT_TRUE((*first)["position"].get<std::string>().starts_with("@")) << first->dump();
}
