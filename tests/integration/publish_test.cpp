// POST /publish: acceptance, validation, duplicate ids and batches.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

TEST(Publish, SingleEventIsAcceptedWithItsId) {
    HeraldProcess herald;
    auto response = publish(herald.port(), {{"channel", "user:42"},
                                            {"event", "notification"},
                                            {"data", {{"text", "hi"}}},
                                            {"id", "n-1"}});
    EXPECT_EQ(response.status, 202u) << response.body;
    EXPECT_NE(response.header("Content-Type").find("application/json"), std::string::npos);
    EXPECT_EQ(response.json(), json({{"ids", {"n-1"}}}));

    // Without an id, herald generates a distinct one per event.
    auto a = publish_event(herald.port(), "user:42", 1);
    auto b = publish_event(herald.port(), "user:42", 2);
    EXPECT_FALSE(a.empty());
    EXPECT_NE(a, b);
}

TEST(Publish, MissingFieldsAreNamed) {
    HeraldProcess herald;
    auto no_channel = publish(herald.port(), {{"data", 1}});
    EXPECT_EQ(no_channel.status, 400u);
    EXPECT_EQ(no_channel.json().value("field", ""), "channel") << no_channel.body;
    EXPECT_TRUE(no_channel.json().contains("error"));

    auto no_data = publish(herald.port(), {{"channel", "user:1"}});
    EXPECT_EQ(no_data.status, 400u);
    EXPECT_EQ(no_data.json().value("field", ""), "data") << no_data.body;

    auto bad_channel = publish(herald.port(), {{"channel", "has space"}, {"data", 1}});
    EXPECT_EQ(bad_channel.status, 400u);
    EXPECT_EQ(bad_channel.json().value("field", ""), "channel") << bad_channel.body;

    auto batch =
        publish(herald.port(), json::array({{{"channel", "a"}, {"data", 1}}, {{"data", 2}}}));
    EXPECT_EQ(batch.status, 400u);
    EXPECT_EQ(batch.json().value("field", ""), "[1].channel") << batch.body;
}

TEST(Publish, InvalidJsonIsRejected) {
    HeraldProcess herald;
    for (const std::string body : {"{", "not json", "{\"channel\":\"a\",}", ""}) {
        auto response = publish_raw(herald.port(), body);
        EXPECT_EQ(response.status, 400u) << "body: " << body;
        EXPECT_TRUE(response.json().contains("error")) << response.body;
    }
}

TEST(Publish, PublishKeyIsRequiredWhenConfigured) {
    HeraldProcess herald({"--publish-key", "secret"});
    const json event{{"channel", "a"}, {"data", 1}};
    EXPECT_EQ(publish(herald.port(), event).status, 401u);
    EXPECT_EQ(publish(herald.port(), event, "wrong").status, 401u);
    EXPECT_EQ(publish(herald.port(), event, "secre").status, 401u);
    EXPECT_EQ(publish(herald.port(), event, "secret").status, 202u);
}

TEST(Publish, DuplicateIdInHistoryIsConflict) {
    HeraldProcess herald;
    SseClient subscriber(herald.port(), events_target({"a"}));
    EXPECT_EQ(publish(herald.port(), {{"channel", "a"}, {"data", 1}, {"id", "dup"}}).status, 202u);
    auto again = publish(herald.port(), {{"channel", "a"}, {"data", 2}, {"id", "dup"}});
    EXPECT_EQ(again.status, 409u) << again.body;
    EXPECT_TRUE(again.json().contains("error")) << again.body;

    // A batch with one duplicate is refused whole: its fresh event is not sent.
    auto batch =
        publish(herald.port(), json::array({{{"channel", "a"}, {"data", 3}, {"id", "fresh"}},
                                            {{"channel", "a"}, {"data", 4}, {"id", "dup"}}}));
    EXPECT_EQ(batch.status, 409u) << batch.body;
    const auto sentinel = publish_event(herald.port(), "a", "sentinel");
    auto events = subscriber.next_events(2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].id, "dup");
    EXPECT_EQ(events[1].id, sentinel);

    // The same id on another channel is no conflict.
    EXPECT_EQ(publish(herald.port(), {{"channel", "b"}, {"data", 1}, {"id", "dup"}}).status, 202u);
}

TEST(Publish, BatchIdsAndDeliveryKeepRequestOrder) {
    HeraldProcess herald;
    SseClient both(herald.port(), events_target({"room:a", "room:b"}));
    SseClient only_a(herald.port(), events_target({"room:a"}));
    WsClient ws_b(herald.port(), ws_target({"room:b"}));
    ASSERT_TRUE(ws_b.wait_subscribed("room:b"));

    auto ids =
        publish_batch(herald.port(), json::array({
                                         {{"channel", "room:a"}, {"data", "first"}},
                                         {{"channel", "room:b"}, {"data", "second"}},
                                         {{"channel", "room:a"}, {"data", "third"}, {"id", "t-3"}},
                                     }));
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(ids[2], "t-3");
    EXPECT_NE(ids[0], ids[1]);

    auto events = both.next_events(3);
    ASSERT_EQ(events.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(events[i].id, ids[i]);
    EXPECT_EQ(events[0].data, "first");
    EXPECT_EQ(events[1].data, "second");
    EXPECT_EQ(events[2].data, "third");

    auto a_events = only_a.next_events(2);
    ASSERT_EQ(a_events.size(), 2u);
    EXPECT_EQ(a_events[0].id, ids[0]);
    EXPECT_EQ(a_events[1].id, ids[2]);

    auto frame = ws_b.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ((*frame)["id"], ids[1]);
    EXPECT_EQ((*frame)["data"], "second");
}
