#include "herald/hub/shard.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace herald;

namespace {
// Just what the shard needs of a session: its list of subscriptions.
struct FakeSubscription {
    std::string channel;
    std::uint32_t slot = 0;
};
struct Subscriber {
    std::vector<FakeSubscription> subs;
    std::vector<FakeSubscription>& subscriptions() { return subs; }

    void join(BasicShard<Subscriber>& shard, const std::string& channel) {
        subs.push_back({channel, 0});
        shard.add(channel, *this, static_cast<std::uint32_t>(subs.size() - 1));
    }
    void leave(BasicShard<Subscriber>& shard, const std::string& channel) {
        auto it =
            std::find_if(subs.begin(), subs.end(), [&](auto& s) { return s.channel == channel; });
        shard.remove(channel, it->slot);
        auto index = static_cast<std::uint32_t>(it - subs.begin());
        if (index + 1 != subs.size()) {
            *it = subs.back();
            shard.reindex(it->channel, it->slot, index);
        }
        subs.pop_back();
    }
};

std::vector<Subscriber*> members(const BasicShard<Subscriber>& shard, const std::string& channel) {
    std::vector<Subscriber*> out;
    if (auto* entries = shard.find(channel))
        for (auto& e : *entries)
            out.push_back(e.session);
    std::sort(out.begin(), out.end());
    return out;
}
} // namespace

TEST(Shard, FirstAndLastSubscriberAreReported) {
    BasicShard<Subscriber> shard;
    Subscriber a, b;
    a.subs.push_back({"c", 0});
    EXPECT_TRUE(shard.add("c", a, 0));
    b.subs.push_back({"c", 0});
    EXPECT_FALSE(shard.add("c", b, 0));
    EXPECT_FALSE(shard.remove("c", a.subs[0].slot));
    EXPECT_TRUE(shard.remove("c", b.subs[0].slot));
    EXPECT_EQ(shard.find("c"), nullptr);
}

TEST(Shard, RemovalKeepsEverySlotCorrect) {
    BasicShard<Subscriber> shard;
    std::vector<Subscriber> subs(50);
    for (auto& s : subs) {
        s.join(shard, "broadcast");
        s.join(shard, "room:1");
    }
    // Remove every third subscriber from "broadcast": the swapped-in entries
    // must have learnt their new slots, or later removals hit the wrong one.
    for (std::size_t i = 0; i < subs.size(); i += 3)
        subs[i].leave(shard, "broadcast");
    auto left = members(shard, "broadcast");
    EXPECT_EQ(left.size(), 33u);
    for (std::size_t i = 0; i < subs.size(); ++i) {
        bool present = std::binary_search(left.begin(), left.end(), &subs[i]);
        EXPECT_EQ(present, i % 3 != 0) << i;
    }
    EXPECT_EQ(members(shard, "room:1").size(), 50u);
    for (auto& s : subs)
        for (auto& sub : s.subs) {
            auto& entry = (*shard.find(sub.channel))[sub.slot];
            EXPECT_EQ(entry.session, &s);
            EXPECT_EQ(s.subs[entry.subscription].channel, sub.channel);
        }
}

TEST(Shard, LeavingTheFirstOfSeveralChannelsReindexes) {
    BasicShard<Subscriber> shard;
    Subscriber s;
    s.join(shard, "a");
    s.join(shard, "b");
    s.join(shard, "c");
    s.leave(shard, "a"); // "c" moves to index 0 of s.subs
    s.leave(shard, "c");
    EXPECT_EQ(shard.find("c"), nullptr);
    EXPECT_EQ(members(shard, "b"), std::vector<Subscriber*>{&s});
}

TEST(Shard, ManySmallChannelsAreIndependent) {
    BasicShard<Subscriber> shard;
    std::vector<Subscriber> users(1000);
    for (std::size_t i = 0; i < users.size(); ++i)
        users[i].join(shard, "user:" + std::to_string(i));
    EXPECT_EQ(shard.channel_count(), 1000u);
    EXPECT_EQ(members(shard, "user:7"), std::vector<Subscriber*>{&users[7]});
    for (std::size_t i = 0; i < users.size(); ++i)
        users[i].leave(shard, "user:" + std::to_string(i));
    EXPECT_EQ(shard.channel_count(), 0u);
}
