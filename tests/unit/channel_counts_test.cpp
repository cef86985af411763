#include "herald/hub/channel_counts.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <vector>

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
    // exactly the moments a channel's total goes 0 -> 1 and 1 -> 0. The model
    // keeps its own counts per channel and worker, and never asks the code
    // under test what it holds, so a wrong count cannot agree with itself.
    constexpr unsigned workers = 3;
    ChannelCounts counts(workers);
    std::map<std::string, std::vector<std::uint32_t>> model; // only channels with subscribers
    std::mt19937 rng(42);
    for (int i = 0; i < 20000; ++i) {
        std::string channel = "c" + std::to_string(rng() % 20);
        // Now and then a worker that does not exist: its removes change nothing.
        unsigned worker = rng() % (workers + 1);
        bool adding = rng() % 2 && worker < workers;
        auto it = model.find(channel);
        if (adding) {
            bool first = it == model.end();
            EXPECT_EQ(counts.add(channel, worker), first);
            if (first)
                it = model.emplace(channel, std::vector<std::uint32_t>(workers, 0)).first;
            ++it->second[worker];
        } else {
            bool had = it != model.end() && worker < workers && it->second[worker] > 0;
            bool last = false;
            if (had) {
                --it->second[worker];
                last = std::all_of(it->second.begin(), it->second.end(),
                                   [](std::uint32_t n) { return n == 0; });
                if (last)
                    model.erase(it);
            }
            EXPECT_EQ(counts.remove(channel, worker), last);
        }
        ASSERT_EQ(counts.active_channels(), model.size());
        const auto* per = counts.find(channel);
        auto expected = model.find(channel);
        if (expected == model.end())
            ASSERT_EQ(per, nullptr);
        else
            ASSERT_TRUE(per && *per == expected->second) << channel;
    }
}
