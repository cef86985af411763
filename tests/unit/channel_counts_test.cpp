#include "herald/hub/channel_counts.hpp"

#include <gtest/gtest.h>
#include <map>
#include <random>
#include <set>

using herald::ChannelCounts;

TEST(ChannelCounts, ReportsFirstAndLastSubscriberAcrossWorkers) {
    ChannelCounts counts(2);
    EXPECT_TRUE(counts.add("room:1", 0));
    EXPECT_FALSE(counts.add("room:1", 1));
    EXPECT_FALSE(counts.add("room:1", 1));
    EXPECT_EQ(*counts.find("room:1"), (std::vector<std::uint32_t>{1, 2}));
    EXPECT_FALSE(counts.remove("room:1", 0)); // worker 1 still has two
    EXPECT_FALSE(counts.remove("room:1", 1));
    EXPECT_TRUE(counts.remove("room:1", 1));
    EXPECT_EQ(counts.find("room:1"), nullptr);
    EXPECT_EQ(counts.active_channels(), 0u);
}

TEST(ChannelCounts, RemovingWhatWasNeverAddedChangesNothing) {
    ChannelCounts counts(2);
    EXPECT_FALSE(counts.remove("a", 0));
    counts.add("a", 1);
    EXPECT_FALSE(counts.remove("a", 0)); // worker 0 never subscribed
    EXPECT_FALSE(counts.remove("a", 7)); // no such worker
    EXPECT_NE(counts.find("a"), nullptr);
}

TEST(ChannelCounts, TransitionsMatchAReferenceModel) {
    // Random adds and removes on 3 workers; the reported transitions must be
    // exactly the moments a channel's total goes 0 -> 1 and 1 -> 0.
    ChannelCounts counts(3);
    std::map<std::string, int> totals;
    std::mt19937 rng(42);
    std::set<std::string> active;
    for (int i = 0; i < 20000; ++i) {
        std::string channel = "c" + std::to_string(rng() % 20);
        unsigned worker = rng() % 3;
        if (rng() % 2) {
            bool first = counts.add(channel, worker);
            EXPECT_EQ(first, totals[channel]++ == 0);
            active.insert(channel);
        } else {
            const auto* per = counts.find(channel);
            bool had = per && (*per)[worker] > 0;
            bool last = counts.remove(channel, worker);
            if (had && --totals[channel] == 0) {
                EXPECT_TRUE(last);
                active.erase(channel);
            } else {
                EXPECT_FALSE(last);
            }
        }
        ASSERT_EQ(counts.active_channels(), active.size());
    }
}
