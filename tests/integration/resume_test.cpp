// Resuming with Last-Event-ID (header or lastEventId=) over SSE and WebSocket:
// missed events first, in publish order, then live ones; an unknown id
// yields a reset.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace herald_test;

namespace {

std::vector<std::string> ids_of(const std::vector<SseEvent>& events) {
    std::vector<std::string> ids;
    for (const auto& e : events)
        ids.push_back(e.id.value_or("<none>"));
    return ids;
}

// Publishes one more event on `channel`: `client` must get it next (live).
void expect_live(SseClient& client, std::uint16_t port, const std::string& channel, int data) {
    const auto live = publish_event(port, channel, data);
    auto next = client.next_event();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->id, live);
}

void expect_live(WsClient& client, std::uint16_t port, const std::string& channel, int data) {
    const auto live = publish_event(port, channel, data);
    auto next = client.next_json();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->value("id", ""), live);
}

} // namespace

TEST(Resume, SseLastEventIdHeaderReplaysThenGoesLive) {
    HeraldProcess herald;
    std::vector<std::string> ids;
    for (int i = 1; i <= 4; ++i)
        ids.push_back(publish_event(herald.port(), "user:42", i, "", "r-" + std::to_string(i)));

    SseClient client(herald.port(), events_target({"user:42"}), {{"Last-Event-ID", "r-2"}});
    auto replay = client.next_events(2);
    EXPECT_EQ(ids_of(replay), (std::vector<std::string>{"r-3", "r-4"}));

    expect_live(client, herald.port(), "user:42", 5);
}

TEST(Resume, SseLastEventIdQueryParameter) {
    HeraldProcess herald;
    publish_event(herald.port(), "a", 1, "", "q-1");
    publish_event(herald.port(), "a", 2, "", "q-2");
    SseClient client(herald.port(), events_target({"a"}, "lastEventId=q-1"));
    auto replay = client.next_events(1);
    EXPECT_EQ(ids_of(replay), (std::vector<std::string>{"q-2"}));
    expect_live(client, herald.port(), "a", 3);
}

TEST(Resume, SseReplayInterleavesChannelsInPublishOrder) {
    HeraldProcess herald;
    publish_event(herald.port(), "a", 0, "", "m-0");
    publish_event(herald.port(), "b", 1, "", "m-1");
    publish_event(herald.port(), "c", 2, "", "m-2"); // not subscribed
    publish_event(herald.port(), "a", 3, "", "m-3");
    publish_event(herald.port(), "b", 4, "", "m-4");

    SseClient client(herald.port(), events_target({"a", "b"}), {{"Last-Event-ID", "m-0"}});
    auto replay = client.next_events(3);
    EXPECT_EQ(ids_of(replay), (std::vector<std::string>{"m-1", "m-3", "m-4"}));
}

TEST(Resume, SseUnknownIdSendsResetThenLiveEvents) {
    HeraldProcess herald;
    publish_event(herald.port(), "a", 1, "", "k-1");
    SseClient client(herald.port(), events_target({"a"}), {{"Last-Event-ID", "no-such-id"}});
    auto reset = client.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");
    // The lost id is replaced by the new stream's position, so that a
    // reconnect does not ask for it again.
    ASSERT_TRUE(reset->id);
    EXPECT_TRUE(reset->id->starts_with("@")) << *reset->id;
    EXPECT_EQ(reset->last_event_id, *reset->id);
    auto data = json::parse(reset->data, nullptr, false);
    EXPECT_TRUE(data.is_object() && data.contains("reason")) << reset->data;

    expect_live(client, herald.port(), "a", 2);
}

TEST(Resume, WsLastEventIdReplaysThenGoesLive) {
    HeraldProcess herald;
    for (int i = 1; i <= 3; ++i)
        publish_event(herald.port(), "room:1", i, "", "w-" + std::to_string(i));
    WsClient client(herald.port(), ws_target({"room:1"}, "lastEventId=w-1"));
    ASSERT_TRUE(client.upgraded());

    std::vector<std::string> got;
    bool subscribed = false;
    while (got.size() < 2) {
        auto frame = client.next_json();
        ASSERT_TRUE(frame) << "got " << got.size() << " replayed frames";
        if (frame->value("type", "") == "subscribed") {
            subscribed = true;
            continue;
        }
        got.push_back(frame->value("id", ""));
        EXPECT_EQ(frame->value("channel", ""), "room:1");
    }
    EXPECT_TRUE(subscribed);
    EXPECT_EQ(got, (std::vector<std::string>{"w-2", "w-3"}));

    expect_live(client, herald.port(), "room:1", 4);
}

TEST(Resume, WsUnknownIdSendsReset) {
    HeraldProcess herald;
    WsClient client(herald.port(), ws_target({"room:1"}, "lastEventId=gone"));
    ASSERT_TRUE(client.upgraded());
    bool reset = false;
    bool subscribed = false;
    while (!(reset && subscribed)) {
        auto frame = client.next_json();
        ASSERT_TRUE(frame);
        if (frame->value("type", "") == "reset") {
            reset = true;
            EXPECT_TRUE(frame->contains("reason")) << frame->dump();
        } else if (frame->value("type", "") == "subscribed") {
            subscribed = true;
        } else {
            FAIL() << "unexpected frame " << frame->dump();
        }
    }
    expect_live(client, herald.port(), "room:1", 1);
}

TEST(Resume, EvictedIdSendsReset) {
    HeraldProcess herald({"--history-size", "2"});
    for (int i = 1; i <= 4; ++i)
        publish_event(herald.port(), "a", i, "", "h-" + std::to_string(i));
    // h-1 and h-2 were evicted: resuming from h-1 would silently skip h-2.
    SseClient evicted(herald.port(), events_target({"a"}), {{"Last-Event-ID", "h-1"}});
    auto reset = evicted.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");

    SseClient held(herald.port(), events_target({"a"}), {{"Last-Event-ID", "h-3"}});
    auto replay = held.next_event();
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->id, "h-4");
}

TEST(Resume, ResumeWhilePublishingHasNoGapsOrDuplicates) {
    HeraldProcess herald({"--history-size", "1000"});
    constexpr int kEvents = 300;
    std::atomic<int> published{0};
    std::string publisher_error;
    std::thread publisher([&] {
        try {
            for (int i = 0; i < kEvents; ++i) {
                publish_event(herald.port(), "live", i, "", "live-" + std::to_string(i));
                published = i + 1;
            }
        } catch (const std::exception& e) {
            publisher_error = e.what();
        }
    });
    // Joined on every way out of the test, ASSERTs included.
    struct Joiner {
        std::thread& thread;
        ~Joiner() {
            if (thread.joinable())
                thread.join();
        }
    } joiner{publisher};
    // Resume from live-20 while the publisher is somewhere past it.
    ASSERT_TRUE(wait_until([&] { return published >= 60; }, 10s));
    SseClient sse(herald.port(), events_target({"live"}), {{"Last-Event-ID", "live-20"}});
    WsClient ws(herald.port(), ws_target({"live"}, "lastEventId=live-20"));
    const auto sse_events = sse.next_events(kEvents - 21, 20s);
    std::vector<std::string> ws_ids;
    while (ws_ids.size() < kEvents - 21u) {
        auto frame = ws.next_json(10s);
        if (!frame)
            break;
        if (frame->contains("id"))
            ws_ids.push_back(frame->value("id", ""));
    }
    publisher.join();
    EXPECT_EQ(publisher_error, "");

    std::vector<std::string> expected;
    for (int i = 21; i < kEvents; ++i)
        expected.push_back("live-" + std::to_string(i));
    EXPECT_EQ(ids_of(sse_events), expected);
    EXPECT_EQ(ws_ids, expected);
}

TEST(Resume, SseStreamOpensWithAPositionThatResumesOnlyWhereItWasIssued) {
    HeraldProcess herald;
    std::string position;
    {
        SseClient first(herald.port(), events_target({"pos:1"}));
        const auto& body = first.body_prefix();
        const auto at = body.find("\nid: @");
        ASSERT_NE(at, std::string::npos) << body;
        position = body.substr(at + 5, body.find('\n', at + 1) - at - 5);
        EXPECT_FALSE(first.next_event(Millis{200})) << "the position block dispatches no event";
    } // lost before its first event
    const auto missed = publish_event(herald.port(), "pos:1", 1);

    SseClient again(herald.port(), events_target({"pos:1"}), {{"Last-Event-ID", position}});
    auto replay = again.next_event();
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->id, missed) << "what came while it was away";

    // Another process (another node, or this one restarted) cannot resolve
    // it: a reset, never a silent gap, and the new stream's position.
    HeraldProcess other;
    SseClient elsewhere(other.port(), events_target({"pos:1"}), {{"Last-Event-ID", position}});
    auto reset = elsewhere.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset");
    EXPECT_TRUE(reset->last_event_id.starts_with("@")) << reset->last_event_id;
    EXPECT_NE(reset->last_event_id, position);
}

TEST(Resume, WsSubscribedCarriesAPositionThatResumes) {
    HeraldProcess herald;
    std::string position;
    {
        WsClient first(herald.port(), ws_target({"pos:2"}));
        auto subscribed = first.next_json();
        ASSERT_TRUE(subscribed);
        ASSERT_EQ((*subscribed)["type"], "subscribed") << subscribed->dump();
        position = (*subscribed)["position"].get<std::string>();
    } // lost before its first event
    const auto missed = publish_event(herald.port(), "pos:2", 1);
    WsClient again(herald.port(), ws_target({"pos:2"}, "lastEventId=" + position));
    for (int i = 0; i < 3; ++i) {
        auto frame = again.next_json();
        ASSERT_TRUE(frame);
        EXPECT_NE(frame->value("type", ""), "reset") << frame->dump();
        if (frame->contains("event")) {
            EXPECT_EQ(frame->value("id", ""), missed);
            return;
        }
    }
    FAIL() << "the missed event never came";
}
