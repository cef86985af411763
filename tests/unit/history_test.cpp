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

namespace {

// Channels "short:*" keep 2 events for 10 s, every other channel 3 for 60 s,
// and "none:*" keeps nothing: as namespaces configure it.
History::Limits limits(std::string_view channel) {
    if (channel.starts_with("short:"))
        return {2, 10s};
    if (channel.starts_with("none:"))
        return {0, 60s};
    return {3, 60s};
}

struct PerChannelHistoryTest : HistoryTest {
    PerChannelHistoryTest() { history = History(limits, 60s); }
};

} // namespace

TEST_F(PerChannelHistoryTest, EachChannelKeepsItsOwnCountAndTtl) {
    add("short:a", "1", 0s);
    add("short:a", "2", 1s);
    add("short:a", "3", 2s); // evicts "1": two at most
    add("long", "4", 3s);
    std::vector<std::string> shorts{"short:a"};
    EXPECT_TRUE(history.since(shorts, "1", t0 + 3s).reset);
    EXPECT_EQ(ids(history.since(shorts, "2", t0 + 3s)), (std::vector<std::string>{"3"}));

    // At 12 s, short:a's events (10 s) have expired; long's (60 s) have not.
    std::vector<std::string> both{"long", "short:a"};
    history.expire(t0 + 12s);
    EXPECT_EQ(history.event_count(), 1u);
    EXPECT_FALSE(history.contains("short:a", "3"));
    EXPECT_TRUE(history.contains("long", "4"));
}

TEST_F(PerChannelHistoryTest, AnExpiredShortChannelStillResetsAResumeFromALongerOne) {
    add("long", "1", 0s);
    add("short:a", "2", 1s); // expires at 11 s, while "1" stays resumable until 60 s
    history.expire(t0 + 20s);
    std::vector<std::string> both{"long", "short:a"};
    auto r = history.since(both, "1", t0 + 20s);
    EXPECT_TRUE(r.reset) << "event 2 of short:a is gone: the client must be told";
    EXPECT_NE(r.reason.find("short:a"), std::string::npos) << r.reason;

    // Once even the longest ttl has passed, the channel may be forgotten.
    history.expire(t0 + 62s);
    EXPECT_EQ(history.channel_count(), 0u);
}

TEST_F(PerChannelHistoryTest, AChannelWithoutHistoryCannotBeResumed) {
    add("long", "1", 0s);
    add("none:x", "2", 1s); // not stored
    EXPECT_EQ(history.event_count(), 1u);
    std::vector<std::string> both{"long", "none:x"};
    auto r = history.since(both, "1", t0 + 2s);
    EXPECT_TRUE(r.reset);
    EXPECT_EQ(r.reason, "no history is kept for none:x");
    std::vector<std::string> long_only{"long"};
    EXPECT_FALSE(history.since(long_only, "1", t0 + 2s).reset);
}

// after_seq: the long poll's position cursor (poll_cursor.hpp).

TEST_F(HistoryTest, AfterSeqReplaysLaterEventsOfTheChannels) {
    add("a", "1");
    add("b", "2");
    add("c", "3");
    add("a", "4");
    std::vector<std::string> channels{"a", "b"};
    auto r = history.after_seq(channels, 1, t0);
    EXPECT_FALSE(r.reset);
    EXPECT_EQ(ids(r), (std::vector<std::string>{"2", "4"}));
    EXPECT_TRUE(history.after_seq(channels, 4, t0).events.empty());
    EXPECT_FALSE(history.after_seq(channels, 4, t0).reset);
}

TEST_F(HistoryTest, AfterSeqResetsWhenAnEventAfterItWasEvicted) {
    add("a", "1");
    add("a", "2");
    add("a", "3");
    add("a", "4"); // evicts 1 (3 per channel)
    std::vector<std::string> channels{"a"};
    EXPECT_FALSE(history.after_seq(channels, 1, t0).reset);
    EXPECT_TRUE(history.after_seq(channels, 0, t0).reset);
}

TEST_F(HistoryTest, AfterSeqResetsWhenAChannelWithLaterEventsWasForgotten) {
    add("a", "1", 0s);
    add("b", "2", 10s);
    history.expire(t0 + 200s); // both expired and forgotten
    std::vector<std::string> channels{"b"};
    // A position from before event 2: b held it and forgot it, so the
    // client would miss it; the channel's absence must not read as "quiet".
    auto r = history.after_seq(channels, 1, t0 + 200s);
    EXPECT_TRUE(r.reset);
    EXPECT_NE(r.reason.find("b"), std::string::npos);
    // A position after everything forgotten: nothing was missed.
    EXPECT_FALSE(history.after_seq(channels, 2, t0 + 200s).reset);
}

TEST_F(HistoryTest, AfterSeqOnAChannelNeverPublishedIsQuiet) {
    add("a", "1");
    std::vector<std::string> channels{"never"};
    auto r = history.after_seq(channels, 0, t0);
    EXPECT_FALSE(r.reset);
    EXPECT_TRUE(r.events.empty());
}

// A reset told to a channel's subscribers (a broken Redis subscription) is a
// hole in what the node holds: a resume from before it is a reset, from after
// it a replay; a channel with nothing stored yet counts too.
TEST_F(HistoryTest, AGapResetsAResumeFromBeforeItOnly) {
    add("a", "1");
    add("b", "2");
    history.mark_gap("a", ++seq, t0);
    history.mark_gap("c", ++seq, t0);
    add("a", "3");
    std::vector<std::string> a{"a"};
    EXPECT_TRUE(history.since(a, "1", t0).reset);
    EXPECT_EQ(ids(history.since(a, "3", t0)), (std::vector<std::string>{}));
    std::vector<std::string> b_and_c{"b", "c"};
    EXPECT_TRUE(history.since(b_and_c, "2", t0).reset);
    add("a", "4");
    EXPECT_EQ(ids(history.since(a, "3", t0)), (std::vector<std::string>{"4"}));
}
