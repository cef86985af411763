// WebSocket subscribe/unsubscribe requests sent back to back, faster than the
// hub answers: every request gets its answer, and the last request decides
// whether the connection is subscribed.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

namespace {

std::string text_frame(const std::string& json_text) {
    return encode_client_frame(opcode::text, json_text);
}

// Reads text frames until `count` replies of `type` for `channel` (any
// channel if empty) arrived; returns how many did within the timeout.
std::size_t count_replies(RawWsClient& raw, const std::string& type, const std::string& channel,
                          std::size_t count, Millis timeout = kTimeout) {
    std::size_t seen = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen < count && std::chrono::steady_clock::now() < deadline) {
        auto frame = raw.next_frame(
            std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()));
        if (!frame)
            break;
        auto message = json::parse(frame->payload, nullptr, false);
        if (message.is_object() && message.value("type", "") == type &&
            (channel.empty() || message.value("channel", "") == channel))
            ++seen;
    }
    return seen;
}

// The id of the next event frame (control replies are skipped).
std::string next_event_id(RawWsClient& raw) {
    while (auto frame = raw.next_frame()) {
        auto message = json::parse(frame->payload, nullptr, false);
        if (message.is_object() && message.contains("id"))
            return message.value("channel", "") + "/" + message.value("id", "");
    }
    return "<none>";
}

} // namespace

// Each pair races the hub's answer to the subscribe; with many pairs in one
// segment some unsubscribe is always read while its subscribe is pending.
constexpr int kPairs = 200;

std::string room(int i) {
    return "room:" + std::to_string(i);
}

TEST(WsRequests, SubscribeThenUnsubscribeBackToBackEndsUnsubscribed) {
    HeraldProcess herald({"--max-channels-per-connection", "1000", "--client-message-rate", "0"});
    RawWsClient raw(herald.port(), ws_target({"home"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));

    std::string requests;
    for (int i = 0; i < kPairs; ++i)
        requests += text_frame(json({{"type", "subscribe"}, {"channel", room(i)}}).dump()) +
                    text_frame(json({{"type", "unsubscribe"}, {"channel", room(i)}}).dump());
    ASSERT_FALSE(raw.send(requests + text_frame(R"({"type":"ping"})")));
    ASSERT_TRUE(raw.wait_text("pong"));
    // Let late "subscribed" replies land before publishing.
    const auto late = count_replies(raw, "subscribed", "", kPairs, 500ms);

    for (int i = 0; i < kPairs; ++i)
        publish_event(herald.port(), room(i), "must not arrive", "", "late-" + std::to_string(i));
    publish_event(herald.port(), "home", "sentinel", "", "sentinel");
    EXPECT_EQ(next_event_id(raw), "home/sentinel")
        << "every room:N was unsubscribed right after subscribing (and \"unsubscribed\" was "
           "answered), yet a room event arrives; "
        << late << " \"subscribed\" replies came after the pong";
}

TEST(WsRequests, EverySubscribeRequestIsAnswered) {
    HeraldProcess herald({"--max-channels-per-connection", "1000", "--client-message-rate", "0"});
    RawWsClient raw(herald.port(), ws_target({"home"}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    // Three rounds, each one segment of kPairs/3 double subscribes.
    for (int round = 0; round < 3; ++round) {
        std::string requests;
        for (int i = round; i < kPairs; i += 3)
            requests += text_frame(json({{"type", "subscribe"}, {"channel", room(i)}}).dump()) +
                        text_frame(json({{"type", "subscribe"}, {"channel", room(i)}}).dump());
        ASSERT_FALSE(raw.send(requests));
    }
    const auto replies = count_replies(raw, "subscribed", "", 2 * kPairs, 2s);
    EXPECT_EQ(replies, static_cast<std::size_t>(2 * kPairs))
        << "each room:N was subscribed twice; every request deserves its \"subscribed\"";

    // Subscribed once each: one copy of each event.
    publish_event(herald.port(), room(7), 1, "", "once");
    publish_event(herald.port(), "home", "sentinel", "", "sentinel");
    EXPECT_EQ(next_event_id(raw), "room:7/once");
    EXPECT_EQ(next_event_id(raw), "home/sentinel");
}

TEST(WsRequests, ResubscribeAndRedundantUnsubscribeAreAnswered) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"home"}));
    ASSERT_TRUE(client.wait_subscribed("home"));

    client.send_json({{"type", "subscribe"}, {"channel", "home"}});
    auto again = client.next_json();
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, json({{"type", "subscribed"}, {"channel", "home"}}));

    client.send_json({{"type", "unsubscribe"}, {"channel", "never-joined"}});
    auto reply = client.next_json();
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, json({{"type", "unsubscribed"}, {"channel", "never-joined"}}));

    // Still exactly one subscription to home.
    const auto first = publish_event(herald.port(), "home", 1);
    const auto second = publish_event(herald.port(), "home", 2);
    auto a = client.next_json();
    auto b = client.next_json();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->value("id", ""), first);
    EXPECT_EQ(b->value("id", ""), second);
}

// Sends kLimitRequests subscribes in one segment on a connection that already
// has one channel, with max_channels_per_connection=3, and checks that only
// two are granted and that events come from no more channels than that.
constexpr int kLimitRequests = 20;

void expect_limit_holds(HeraldProcess& herald, const std::string& home) {
    RawWsClient raw(herald.port(), ws_target({home}));
    ASSERT_TRUE(raw.wait_text("subscribed"));
    std::string requests;
    for (int i = 0; i < kLimitRequests; ++i)
        requests += text_frame(json({{"type", "subscribe"}, {"channel", room(i)}}).dump());
    ASSERT_FALSE(raw.send(requests));

    // One answer per request: "subscribed" or an error.
    std::size_t subscribed = 0, refused = 0;
    while (subscribed + refused < kLimitRequests) {
        auto frame = raw.next_frame();
        ASSERT_TRUE(frame) << subscribed << " subscribed, " << refused << " refused so far";
        const auto type = json::parse(frame->payload, nullptr, false).value("type", "");
        subscribed += type == "subscribed";
        refused += type == "error";
    }
    EXPECT_EQ(subscribed, 2u) << "max_channels_per_connection=3 (" << home << " + 2)";
    EXPECT_EQ(refused, kLimitRequests - 2u);

    for (int i = 0; i < kLimitRequests; ++i)
        publish_event(herald.port(), room(i), i);
    publish_event(herald.port(), home, "sentinel");
    std::size_t room_events = 0;
    for (std::string id; (id = next_event_id(raw)).rfind(home, 0) != 0 && id != "<none>";)
        ++room_events;
    EXPECT_LE(room_events, 2u) << "events from more channels than the limit allows";
}

TEST(WsRequests, ChannelLimitHoldsForPipelinedSubscribes) {
    // Several daemons and connections: each is a chance for the requests to
    // outrun the hub, and how the threads meet varies from process to process.
    for (int p = 0; p < 3; ++p) {
        HeraldProcess herald({"--max-channels-per-connection", "3"});
        for (int c = 0; c < 2; ++c) {
            SCOPED_TRACE("daemon " + std::to_string(p) + ", connection " + std::to_string(c));
            expect_limit_holds(herald, "home-" + std::to_string(c));
        }
        EXPECT_EQ(
            metric_value(herald.port(), "herald_rejections_total{reason=\"too_many_channels\"}"),
            2.0 * (kLimitRequests - 2));
    }
}
