#include "herald/broker/redis/stream_resume.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;
using stream_wire::StreamId;

namespace {

using namespace std::chrono_literals;

StreamView view(std::string_view channel, std::vector<std::pair<StreamId, std::string>> entries,
                StreamId max_deleted = {}) {
    StreamView v;
    v.channel = channel;
    v.info = {true, entries.empty() ? StreamId{} : entries.back().first, max_deleted};
    v.entries = std::move(entries);
    v.ttl = 300s;
    return v;
}

std::vector<std::string> ids(const std::vector<StreamView>& views, const ResumePlan& plan) {
    std::vector<std::string> out;
    for (auto [v, e] : plan.picks)
        out.push_back(views[v].entries[e].second);
    return out;
}

constexpr std::uint64_t now = 10'000;

TEST(RedisStreamResume, ReplaysWhatFollowsTheEventIdOrItsStreamId) {
    std::vector<StreamView> views{view("a", {{{100, 0}, "e1"}, {{200, 0}, "e2"}, {{300, 0}, "e3"}})};
    auto plan = plan_resume(views, "e1", now);
    EXPECT_FALSE(plan.reset);
    EXPECT_EQ(ids(views, plan), (std::vector<std::string>{"e2", "e3"}));
    // An event stored without an id is known by its stream id.
    EXPECT_EQ(ids(views, plan_resume(views, "200-0", now)), (std::vector<std::string>{"e3"}));
    EXPECT_TRUE(plan_resume(views, "e3", now).picks.empty());
}

TEST(RedisStreamResume, MergesChannelsByStreamIdFromTheAnchorsMillisecond) {
    std::vector<StreamView> views{view("a", {{{100, 0}, "a1"}, {{200, 5}, "a2"}, {{400, 0}, "a3"}}),
                                  view("b", {{{150, 0}, "b1"}, {{200, 0}, "b2"}, {{300, 0}, "b3"}})};
    auto plan = plan_resume(views, "a2", now);
    EXPECT_FALSE(plan.reset);
    // b2 shares a2's millisecond: it may have come after a2, so it comes (maybe twice).
    EXPECT_EQ(ids(views, plan), (std::vector<std::string>{"b2", "b3", "a3"}));
}

TEST(RedisStreamResume, UnknownIdIsAReset) {
    std::vector<StreamView> views{view("a", {{{100, 0}, "e1"}})};
    auto plan = plan_resume(views, "nope", now);
    EXPECT_TRUE(plan.reset);
    EXPECT_EQ(plan.reason, "unknown or expired event id");
    EXPECT_TRUE(plan.unknown); // the hub then asks its own memory
    EXPECT_FALSE(plan_resume(views, "e1", now).unknown);
}

TEST(RedisStreamResume, TrimmedPastThePositionIsAReset) {
    std::vector<StreamView> views{view("a", {{{100, 0}, "a1"}, {{500, 0}, "a2"}}),
                                  view("b", {{{400, 0}, "b9"}}, StreamId{300, 0})};
    auto plan = plan_resume(views, "a1", now);
    EXPECT_TRUE(plan.reset);
    EXPECT_EQ(plan.reason, "events after this id are no longer held for b");
    // Trimmed only before the position: fine.
    views[1].info.max_deleted = {90, 0};
    EXPECT_FALSE(plan_resume(views, "a1", now).reset);
}

TEST(RedisStreamResume, ACappedReadThatDoesNotReachBackIsAReset) {
    std::vector<StreamView> views{view("a", {{{100, 0}, "a1"}}),
                                  view("b", {{{400, 0}, "b1"}, {{500, 0}, "b2"}})};
    views[1].truncated = true;
    EXPECT_TRUE(plan_resume(views, "a1", now).reset);
    views[1].entries.insert(views[1].entries.begin(), {{50, 0}, "b0"});
    EXPECT_FALSE(plan_resume(views, "a1", now).reset);
}

TEST(RedisStreamResume, AStreamThatMayHaveExpiredSinceThePositionIsAReset) {
    std::vector<StreamView> views{view("a", {{{100, 0}, "a1"}}), view("b", {})};
    views[1].info.exists = false;
    // Within b's ttl of the position: b cannot have expired since.
    EXPECT_FALSE(plan_resume(views, "a1", 100 + 1000).reset);
    views[1].ttl = 500ms;
    auto plan = plan_resume(views, "a1", 100 + 1000);
    EXPECT_TRUE(plan.reset);
    EXPECT_EQ(plan.reason, "events after this id are no longer held for b");
}

} // namespace
