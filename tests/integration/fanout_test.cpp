// Fan-out: one publish reaches every subscriber of a channel, over both
// transports, in order; and only the subscribers of that channel.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

TEST(Fanout, OnePublishReachesThousandMixedSubscribers) {
    // A thousand clients from one address: no per-address limit.
    HeraldProcess herald({"--max-connections-per-ip", "0"});
    Crowd crowd(herald.port(), "broadcast");
    crowd.open(500, 500);
    ASSERT_TRUE(crowd.wait_ready(30s)) << crowd.ready_count() << "/" << crowd.size()
                                       << " subscribed; first error: " << crowd.first_error();
    ASSERT_EQ(crowd.size(), 1000u);
    auto health = connection_counts(herald.port());
    EXPECT_EQ(health.sse, 500);
    EXPECT_EQ(health.ws, 500);

    std::vector<std::string> ids{publish_event(herald.port(), "broadcast", {{"seq", 0}})};
    EXPECT_TRUE(crowd.wait_events(1, 30s))
        << crowd.count_with_events(1)
        << "/1000 got the event; first error: " << crowd.first_error();

    for (int seq = 1; seq <= 4; ++seq)
        ids.push_back(publish_event(herald.port(), "broadcast", {{"seq", seq}}));
    EXPECT_TRUE(crowd.wait_events(ids.size(), 30s))
        << crowd.count_with_events(ids.size()) << "/1000 got all " << ids.size()
        << " events; first error: " << crowd.first_error();

    std::size_t in_order = 0;
    for (const auto& got : crowd.received())
        in_order += got == ids;
    EXPECT_EQ(in_order, 1000u) << "subscribers that got exactly the published ids, in order";
    EXPECT_EQ(crowd.failed_count(), 0u) << crowd.first_error();
}

TEST(Fanout, UserWithThreeTabsGetsEventOnEveryTabAndNobodyElse) {
    HeraldProcess herald;
    SseClient tab1(herald.port(), events_target({"user:7"}));
    SseClient tab2(herald.port(), events_target({"user:7"}));
    WsClient tab3(herald.port(), ws_target({"user:7"}));
    ASSERT_TRUE(tab3.wait_subscribed("user:7"));
    SseClient other_sse(herald.port(), events_target({"user:8"}));
    WsClient other_ws(herald.port(), ws_target({"user:8"}));
    ASSERT_TRUE(other_ws.wait_subscribed("user:8"));

    const auto id =
        publish_event(herald.port(), "user:7", {{"text", "you have mail"}}, "notification");
    for (SseClient* tab : {&tab1, &tab2}) {
        auto event = tab->next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->id, id);
        EXPECT_EQ(event->type, "notification");
        EXPECT_EQ(event->data, R"({"text":"you have mail"})");
    }
    auto frame = tab3.next_json();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->value("id", ""), id);
    EXPECT_EQ((*frame)["data"], json({{"text", "you have mail"}}));

    // user:8's first event must be the one published to user:8 afterwards.
    const auto sentinel = publish_event(herald.port(), "user:8", "for user 8");
    expect_next_id(other_sse, other_ws, sentinel);
}
