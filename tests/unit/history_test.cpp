#include "herald/hub/history.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace std::chrono_literals;

namespace {

struct HistoryTest : ::testing::Test {
    History history{3, 60s};
    History::Clock::time_point t0 = History::Clock::now();
    std::uint64_t seq = 0;

    EventPtr add(const std::string& channel, const std::string& id, std::chrono::seconds at = 0s) {
        auto e = make_event(channel, "message", id, "1", "1");
        e->seq = ++seq;
        EventPtr p = e;
        history.append(p, t0 + at);
        return p;
    }
    static std::vector<std::string> ids(const History::Replay& r) {
        std::vector<std::string> out;
        for (auto& e : r.events)
            out.push_back(e->id);
        return out;
    }
};

} // namespace

TEST_F(HistoryTest, ReplaysEventsAfterTheIdInPublishOrder) {
    add("a", "1");
    add("b", "2");
    add("a", "3");
    add("b", "4");
    std::vector<std::string> channels{"a", "b"};
    auto r = history.since(channels, "1", t0);
    EXPECT_FALSE(r.reset);
    EXPECT_EQ(ids(r), (std::vector<std::string>{"2", "3", "4"}));
}

TEST_F(HistoryTest, IdFromAnotherChannelOfTheStreamWorks) {
    add("a", "1");
    add("b", "2");
    add("a", "3");
    std::vector<std::string> channels{"a", "b"};
    EXPECT_EQ(ids(history.since(channels, "2", t0)), (std::vector<std::string>{"3"}));
}

TEST_F(HistoryTest, LatestIdReplaysNothing) {
    add("a", "1");
    add("a", "2");
    std::vector<std::string> channels{"a"};
    auto r = history.since(channels, "2", t0);
    EXPECT_FALSE(r.reset);
    EXPECT_TRUE(r.events.empty());
}

TEST_F(HistoryTest, UnknownIdResets) {
    add("a", "1");
    std::vector<std::string> channels{"a"};
    auto r = history.since(channels, "nope", t0);
    EXPECT_TRUE(r.reset);
    EXPECT_TRUE(r.events.empty());
    EXPECT_FALSE(r.reason.empty());
}

TEST_F(HistoryTest, IdOfAChannelNotInTheStreamResets) {
    add("a", "1");
    add("b", "2");
    std::vector<std::string> channels{"b"};
    EXPECT_TRUE(history.since(channels, "1", t0).reset);
}

TEST_F(HistoryTest, EvictedIdResets) {
    for (int i = 1; i <= 4; ++i)
        add("a", std::to_string(i)); // capacity 3: "1" is evicted
    std::vector<std::string> channels{"a"};
    EXPECT_TRUE(history.since(channels, "1", t0).reset);
    EXPECT_EQ(ids(history.since(channels, "2", t0)), (std::vector<std::string>{"3", "4"}));
}

TEST_F(HistoryTest, GapInAnotherChannelResets) {
    add("a", "1");
    for (int i = 0; i < 4; ++i)
        add("b", "b" + std::to_string(i)); // b0 (published after "1") is evicted
    std::vector<std::string> channels{"a", "b"};
    EXPECT_TRUE(history.since(channels, "1", t0).reset);
}

TEST_F(HistoryTest, ExpiredEventsAreGone) {
    add("a", "1", 0s);
    add("a", "2", 30s);
    add("a", "3", 50s);
    std::vector<std::string> channels{"a"};
    // At 70 s, "1" (stored at 0 s) is past the 60 s ttl.
    EXPECT_TRUE(history.since(channels, "1", t0 + 70s).reset);
    EXPECT_EQ(ids(history.since(channels, "2", t0 + 70s)), (std::vector<std::string>{"3"}));
}

TEST_F(HistoryTest, ExpireForgetsEmptyChannels) {
    add("a", "1", 0s);
    add("b", "2", 50s);
    history.expire(t0 + 61s);
    EXPECT_EQ(history.channel_count(), 1u);
    EXPECT_EQ(history.event_count(), 1u);
    history.expire(t0 + 200s);
    EXPECT_EQ(history.channel_count(), 0u);
    EXPECT_EQ(history.event_count(), 0u);
}

TEST_F(HistoryTest, ContainsFindsIdsPerChannel) {
    add("a", "x");
    EXPECT_TRUE(history.contains("a", "x"));
    EXPECT_FALSE(history.contains("b", "x"));
    EXPECT_FALSE(history.contains("a", "y"));
}

TEST(HistoryDisabled, SizeZeroKeepsNothing) {
    History history(0, std::chrono::seconds(60));
    auto e = make_event("a", "message", "1", "1", "1");
    history.append(e, History::Clock::now());
    EXPECT_EQ(history.event_count(), 0u);
    std::vector<std::string> channels{"a"};
    EXPECT_TRUE(history.since(channels, "1", History::Clock::now()).reset);
}

TEST_F(HistoryTest, SinceSeqMergesChannelsFromASequenceNumber) {
    add("a", "1");
    add("b", "2");
    add("a", "3");
    std::vector<std::string> channels{"a", "b"};
    auto events = history.since_seq(channels, 2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]->id, "2");
    EXPECT_EQ(events[1]->id, "3");
    EXPECT_TRUE(history.since_seq(channels, 4).empty());
}
