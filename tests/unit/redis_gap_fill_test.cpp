#include "herald/broker/redis/gap_fill.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace herald::redis;
using stream_wire::StreamId;
using Kind = GapFill::Action::Kind;

namespace {

using namespace std::chrono_literals;
const auto t0 = GapFill::Clock::time_point{} + 1h;

std::shared_ptr<Event> event(std::string channel, std::string id) {
    return make_event(std::move(channel), "e", std::move(id), "null", "null");
}

std::vector<std::string> ids(const std::vector<std::shared_ptr<Event>>& events) {
    std::vector<std::string> out;
    for (const auto& e : events)
        out.push_back(e->id);
    return out;
}

GapFill stored_everywhere() {
    return GapFill([](const std::string& channel) { return channel != "nohistory"; });
}

TEST(RedisGapFill, FirstFollowReadsTheFloorOnce) {
    auto gap = stored_everywhere();
    gap.follow("a");
    EXPECT_EQ(gap.on_subscribed("a").kind, Kind::read_floor);
    EXPECT_EQ(gap.on_subscribed("a").kind, Kind::none); // already asked
    gap.floor("a", StreamId{5, 0});
    EXPECT_EQ(gap.on_subscribed("a").kind, Kind::none);
    EXPECT_EQ(gap.on_subscribed("unfollowed").kind, Kind::none);
}

TEST(RedisGapFill, ABreakReadsAfterTheNewestDeliveredAndHoldsLiveEvents) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", StreamId{5, 0});
    EXPECT_TRUE(gap.on_live(event("a", "e6"), StreamId{6, 0}));
    gap.on_break(t0);
    auto action = gap.on_subscribed("a");
    ASSERT_EQ(action.kind, Kind::read_gap);
    EXPECT_EQ(action.after, (StreamId{6, 0}));
    // Newer live events wait for the gap; the late live copy of a gap event is dropped.
    EXPECT_FALSE(gap.on_live(event("a", "e9"), StreamId{9, 0}));
    EXPECT_FALSE(gap.on_live(event("a", "e8"), StreamId{8, 0}));
    auto filled = gap.filled("a", {true, {8, 0}, {}},
                             {{{7, 0}, event("a", "e7")}, {{8, 0}, event("a", "e8")}}, false, 300s,
                             t0 + 1s);
    EXPECT_FALSE(filled.reset_reason);
    EXPECT_EQ(ids(filled.deliver), (std::vector<std::string>{"e7", "e8", "e9"}));
    EXPECT_EQ(filled.from_stream, 2u);
    EXPECT_EQ(gap.duplicates(), 1u); // the held e8
    // From now on, anything not newer than e9 is a duplicate.
    EXPECT_FALSE(gap.on_live(event("a", "e8"), StreamId{8, 0}));
    EXPECT_TRUE(gap.on_live(event("a", "e10"), StreamId{10, 0}));
    // A plain PUBLISH has no stream id and always passes.
    EXPECT_TRUE(gap.on_live(event("a", "raw"), std::nullopt));
}

// A cluster master's break is the break of its channels only: the others
// are neither read nor held.
TEST(RedisGapFill, AOneChannelBreakLeavesTheOtherChannelsLive) {
    auto gap = stored_everywhere();
    for (const char* c : {"a", "b"}) {
        gap.follow(c);
        gap.on_subscribed(c);
        gap.floor(c, StreamId{5, 0});
    }
    gap.on_break("a", t0);
    gap.on_break("unfollowed", t0); // nothing to break
    EXPECT_EQ(gap.on_subscribed("b").kind, Kind::none);
    auto action = gap.on_subscribed("a");
    ASSERT_EQ(action.kind, Kind::read_gap);
    EXPECT_EQ(action.after, (StreamId{5, 0}));
    EXPECT_FALSE(gap.on_live(event("a", "e7"), StreamId{7, 0})); // held for the gap
    EXPECT_TRUE(gap.on_live(event("b", "e7"), StreamId{7, 0}));
    EXPECT_EQ(gap.on_subscribed("unfollowed").kind, Kind::none);
}

TEST(RedisGapFill, WhatTheStreamNoLongerHoldsIsAResetThenWhatItHas) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", StreamId{5, 0});
    gap.on_break(t0);
    ASSERT_EQ(gap.on_subscribed("a").kind, Kind::read_gap);
    auto filled = gap.filled("a", {true, {9, 0}, {6, 0}}, {{{9, 0}, event("a", "e9")}}, false,
                             300s, t0 + 1s);
    ASSERT_TRUE(filled.reset_reason);
    EXPECT_NE(filled.reset_reason->find("no longer held"), std::string::npos);
    EXPECT_EQ(ids(filled.deliver), (std::vector<std::string>{"e9"}));
}

TEST(RedisGapFill, ACappedReadOrAnExpiredStreamIsAReset) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", std::nullopt); // no stream yet: everything in it will be new
    gap.on_break(t0);
    ASSERT_EQ(gap.on_subscribed("a").kind, Kind::read_gap);
    EXPECT_TRUE(gap.filled("a", {true, {}, {}}, {}, true, 300s, t0).reset_reason);
    gap.on_break(t0);
    ASSERT_EQ(gap.on_subscribed("a").kind, Kind::read_gap);
    EXPECT_FALSE(gap.filled("a", {false, {}, {}}, {}, false, 300s, t0 + 1s).reset_reason);
    gap.on_break(t0);
    ASSERT_EQ(gap.on_subscribed("a").kind, Kind::read_gap);
    EXPECT_TRUE(gap.filled("a", {false, {}, {}}, {}, false, 300s, t0 + 301s).reset_reason);
}

TEST(RedisGapFill, AStreamThatEndsBeforeWhatWasDeliveredIsAResetAndMovesThePositionBack) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", StreamId{500, 0});
    gap.on_break(t0);
    ASSERT_EQ(gap.on_subscribed("a").kind, Kind::read_gap);
    // The new master's stream ends at 300-0, and its clock is behind.
    auto filled = gap.filled("a", {true, {300, 0}, {}, {1, 0}, 10, 10}, {}, false, 300s, t0);
    ASSERT_TRUE(filled.reset_reason);
    EXPECT_NE(filled.reset_reason->find("ends before"), std::string::npos);
    EXPECT_EQ(filled.rewound_at, (StreamId{300, 0}));
    EXPECT_TRUE(gap.on_live(event("a", "new"), StreamId{301, 0}));
}

TEST(RedisGapFill, NoHistoryOrNoFloorIsAReset) {
    auto gap = stored_everywhere();
    gap.follow("nohistory");
    EXPECT_EQ(gap.on_subscribed("nohistory").kind, Kind::none);
    gap.follow("a");
    EXPECT_EQ(gap.on_subscribed("a").kind, Kind::read_floor);
    gap.on_break(t0); // before the floor came back
    EXPECT_EQ(gap.on_subscribed("nohistory").kind, Kind::reset);
    EXPECT_EQ(gap.on_subscribed("a").kind, Kind::reset);
    // Only once per break.
    EXPECT_EQ(gap.on_subscribed("nohistory").kind, Kind::none);
}

TEST(RedisGapFill, AFailedReadResetsAndReleasesTheHeld) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", StreamId{5, 0});
    gap.on_break(t0);
    gap.on_subscribed("a");
    EXPECT_FALSE(gap.on_live(event("a", "e9"), StreamId{9, 0}));
    auto out = gap.failed("a", "could not read");
    EXPECT_EQ(out.reset_reason, "could not read");
    EXPECT_EQ(ids(out.deliver), (std::vector<std::string>{"e9"}));
}

TEST(RedisGapFill, AReadStaleAfterAnotherBreakDoesNothingAndTheNextReadsAgain) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", StreamId{5, 0});
    gap.on_break(t0);
    gap.on_subscribed("a");
    EXPECT_FALSE(gap.on_live(event("a", "e9"), StreamId{9, 0}));
    gap.on_break(t0 + 1s);
    EXPECT_FALSE(gap.failed("a", "connection lost").reset_reason);
    auto action = gap.on_subscribed("a");
    ASSERT_EQ(action.kind, Kind::read_gap);
    EXPECT_EQ(action.after, (StreamId{5, 0}));
    auto filled = gap.filled("a", {true, {9, 0}, {}}, {{{9, 0}, event("a", "e9")}}, false, 300s,
                             t0 + 2s);
    EXPECT_EQ(ids(filled.deliver), (std::vector<std::string>{"e9"})); // once
}

TEST(RedisGapFill, HeldEventsAreBounded) {
    auto gap = stored_everywhere();
    gap.follow("a");
    gap.on_subscribed("a");
    gap.floor("a", StreamId{1, 0});
    gap.on_break(t0);
    gap.on_subscribed("a");
    for (std::uint64_t i = 0; i <= GapFill::max_held; ++i)
        gap.on_live(event("a", "e"), StreamId{10 + i, 0});
    auto filled = gap.filled("a", {true, {}, {}}, {}, false, 300s, t0);
    ASSERT_TRUE(filled.reset_reason);
    EXPECT_EQ(filled.deliver.size(), GapFill::max_held);
}

} // namespace
