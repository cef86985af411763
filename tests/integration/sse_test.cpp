// GET /events: response head, wire format, heartbeats, CORS, channel checks,
// and a real command-line client (curl -N).
#include "harness.hpp"

#include <gtest/gtest.h>

#include <csignal>

using namespace herald_test;

TEST(Sse, ResponseHeadAndRetryComeFirst) {
    HeraldProcess herald;
    SseClient client(herald.port(), events_target({"user:42"}));
    EXPECT_EQ(client.status(), 200u);
    const auto type = client.header("Content-Type");
    EXPECT_TRUE(type == "text/event-stream" || type == "text/event-stream; charset=utf-8") << type;
    EXPECT_EQ(client.header("Cache-Control"), "no-cache");
    EXPECT_EQ(client.header("X-Accel-Buffering"), "no");
    EXPECT_EQ(client.body_prefix().rfind("retry: 3000\n\n", 0), 0u) << client.body_prefix();
    EXPECT_EQ(client.retry(), 3000);
}

TEST(Sse, RetryFollowsConfig) {
    HeraldProcess herald({"--retry", "5s"});
    SseClient client(herald.port(), events_target({"a"}));
    EXPECT_EQ(client.body_prefix().rfind("retry: 5000\n\n", 0), 0u) << client.body_prefix();
}

TEST(Sse, EventWireFormat) {
    HeraldProcess herald;
    SseClient client(herald.port(), events_target({"user:42"}));

    publish_event(herald.port(), "user:42", {{"a", 1}, {"b", {true, nullptr}}}, "notification",
                  "e-1");
    auto named = client.next_event();
    ASSERT_TRUE(named);
    EXPECT_EQ(named->lines, (std::vector<std::string>{"id: e-1", "event: notification",
                                                      R"(data: {"a":1,"b":[true,null]})"}));
    EXPECT_EQ(named->type, "notification");
    EXPECT_EQ(named->data, R"({"a":1,"b":[true,null]})");

    // The default name "message" is left out; a JSON string is sent as the
    // string itself, one data line per line.
    publish_event(herald.port(), "user:42", "line one\nline two", "", "e-2");
    auto message = client.next_event();
    ASSERT_TRUE(message);
    EXPECT_EQ(message->lines,
              (std::vector<std::string>{"id: e-2", "data: line one", "data: line two"}));
    EXPECT_EQ(message->type, "message");
    EXPECT_EQ(message->data, "line one\nline two");

    publish_event(herald.port(), "user:42", 42, "message", "e-3");
    auto number = client.next_event();
    ASSERT_TRUE(number);
    EXPECT_EQ(number->lines, (std::vector<std::string>{"id: e-3", "data: 42"}));
}

TEST(Sse, DataLineSplittingFollowsEventSource) {
    HeraldProcess herald;
    SseClient client(herald.port(), events_target({"a"}));
    struct Case {
        json data;
        std::vector<std::string> data_lines;
        std::string event_data; // what EventSource hands to the page
    };
    const std::vector<Case> cases = {
        {"crlf\r\nand cr\rand lf\n",
         {"data: crlf", "data: and cr", "data: and lf", "data: "},
         "crlf\nand cr\nand lf\n"},
        {"", {"data: "}, ""},
        {" leading space", {"data:  leading space"}, " leading space"},
        {"h\u00e9llo \u2713", {"data: h\u00e9llo \u2713"}, "h\u00e9llo \u2713"},
        {json::array({"x\ny", nullptr}), {R"(data: ["x\ny",null])"}, R"(["x\ny",null])"},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto id = "d-" + std::to_string(i);
        publish_event(herald.port(), "a", cases[i].data, "", id);
        auto event = client.next_event();
        ASSERT_TRUE(event) << cases[i].data.dump();
        std::vector<std::string> expected_lines{"id: " + id};
        expected_lines.insert(expected_lines.end(), cases[i].data_lines.begin(),
                              cases[i].data_lines.end());
        EXPECT_EQ(event->lines, expected_lines) << cases[i].data.dump();
        EXPECT_EQ(event->data, cases[i].event_data) << cases[i].data.dump();
    }
}

TEST(Sse, SeveralChannelsOnOneStream) {
    HeraldProcess herald;
    SseClient client(herald.port(), events_target({"a", "b"}));
    const auto id_a = publish_event(herald.port(), "a", "to a");
    const auto id_c = publish_event(herald.port(), "c", "to c");
    const auto id_b = publish_event(herald.port(), "b", "to b");
    auto events = client.next_events(2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].id, id_a);
    EXPECT_EQ(events[1].id, id_b);
    (void)id_c;
}

TEST(Sse, HeartbeatComments) {
    HeraldProcess herald(fast_flags());
    SseClient client(herald.port(), events_target({"quiet"}));
    EXPECT_TRUE(client.wait_comments("heartbeat", 2, 4s));
    EXPECT_FALSE(client.ended());
    // Still a live stream after the heartbeats.
    publish_event(herald.port(), "quiet", "after");
    auto event = client.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data, "after");
}

TEST(Sse, CorsHeadersOnlyForAllowedOrigins) {
    HeraldProcess herald({"--allowed-origins", "https://app.example"});
    SseClient allowed(herald.port(), events_target({"a"}), {{"Origin", "https://app.example"}});
    EXPECT_EQ(allowed.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_EQ(allowed.header("Access-Control-Allow-Credentials"), "true");

    SseClient other(herald.port(), events_target({"a"}), {{"Origin", "https://evil.example"}});
    EXPECT_EQ(other.status(), 200u);
    EXPECT_FALSE(other.headers().has("Access-Control-Allow-Origin"));
    EXPECT_FALSE(other.headers().has("Access-Control-Allow-Credentials"));

    SseClient none(herald.port(), events_target({"a"}));
    EXPECT_FALSE(none.headers().has("Access-Control-Allow-Origin"));
}

TEST(Sse, InvalidOrMissingChannelIsBadRequest) {
    HeraldProcess herald;
    for (const std::string target : {"/events?channel=bad%20name", "/events?channel=a*b",
                                     "/events?channel=", "/events?channel=ok&channel=no%0Away"}) {
        auto response = http_get(herald.port(), target);
        EXPECT_EQ(response.status, 400u) << target;
        EXPECT_EQ(response.json().value("field", ""), "channel") << target << " " << response.body;
    }
    auto none = http_get(herald.port(), "/events");
    EXPECT_EQ(none.status, 400u);
    EXPECT_EQ(none.json().value("field", ""), "channel") << none.body;
}

TEST(Sse, CurlStreamsEvents) {
    HeraldProcess herald;
    const std::string url =
        "http://127.0.0.1:" + std::to_string(herald.port()) + events_target({"user:42"});
    ChildProcess curl({{"curl", "-sN", "--max-time", "20", url}, {}, true});

    // "retry:" is sent only once the subscription is live.
    auto first = curl.read_line(kTimeout);
    ASSERT_EQ(first, "retry: 3000");
    ASSERT_EQ(curl.read_line(kTimeout), "");
    // The stream's position: an id with no data, no event.
    EXPECT_TRUE(curl.read_line(kTimeout).value_or("").starts_with("id: @"));
    ASSERT_EQ(curl.read_line(kTimeout), "");

    const auto id = publish_event(herald.port(), "user:42", "hello curl", "notification");
    EXPECT_EQ(curl.read_line(kTimeout), "id: " + id);
    EXPECT_EQ(curl.read_line(kTimeout), "event: notification");
    EXPECT_EQ(curl.read_line(kTimeout), "data: hello curl");
    EXPECT_EQ(curl.read_line(kTimeout), "");
    curl.stop(SIGTERM, kTimeout);
}
