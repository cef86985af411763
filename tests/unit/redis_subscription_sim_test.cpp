// Randomized convergence test for SubscriptionTracker against a simulated
// Redis: random want/unwant, partial sends, out-of-step processing, dropped
// connections; at the end Redis must hold exactly the wanted channels.
#include "herald/broker/redis/subscription_tracker.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>

using namespace herald::redis;
using Kind = SubscribeAck::Kind;
using Names = std::vector<std::string>;

namespace {

// A Redis stand-in: applies commands in order and acks each channel in order,
// over a connection that can drop at any time.
struct FakeRedis {
    struct Command {
        Kind kind;
        Names channels;
    };
    std::set<std::string> subscribed;
    std::deque<Command> requests;  // written by the client, not yet processed
    std::deque<SubscribeAck> acks; // processed, not yet read by the client

    void process_one() {
        const Command cmd = requests.front();
        requests.pop_front();
        for (const auto& ch : cmd.channels) {
            if (cmd.kind == Kind::subscribe) {
                subscribed.insert(ch);
            } else {
                subscribed.erase(ch);
            }
            acks.push_back({cmd.kind, ch, static_cast<long long>(subscribed.size())});
        }
    }
    void drop() {
        subscribed.clear();
        requests.clear();
        acks.clear();
    }
};

struct Simulation {
    SubscriptionTracker tracker;
    FakeRedis redis;
    std::set<std::string> model; // what the node wants

    void send(Kind kind, Names channels) {
        if (!channels.empty()) {
            redis.requests.push_back({kind, std::move(channels)});
        }
    }
    void deliver_one() {
        const auto ack = redis.acks.front();
        redis.acks.pop_front();
        ASSERT_TRUE(tracker.on_ack(ack)) << ack.channel;
    }
    // Runs the connection until nothing is left to exchange.
    void settle() {
        if (!tracker.connected()) {
            tracker.on_connect();
        }
        for (int round = 0; round < 100 && !tracker.settled(); ++round) {
            send(Kind::subscribe, tracker.take_subscribes(3));
            send(Kind::unsubscribe, tracker.take_unsubscribes(3));
            while (!redis.requests.empty()) {
                redis.process_one();
            }
            while (!redis.acks.empty()) {
                deliver_one();
            }
        }
    }
};

TEST(TrackerSimulation, ConvergesUnderRandomChurnAndDisconnects) {
    const std::vector<std::string> universe = {"a", "b", "c", "d", "e", "f", "g", "h"};
    std::size_t races = 0; // states with several commands in flight for one channel
    for (unsigned seed = 1; seed <= 300; ++seed) {
        std::mt19937 rng(seed);
        Simulation sim;
        sim.tracker.on_connect();
        const auto pick = [&] { return universe[rng() % universe.size()]; };
        for (int step = 0; step < 400; ++step) {
            const unsigned roll = rng() % 100;
            if (roll < 25) {
                const auto ch = pick();
                sim.tracker.want(ch);
                sim.model.insert(ch);
            } else if (roll < 45) {
                const auto ch = pick();
                sim.tracker.unwant(ch);
                sim.model.erase(ch);
            } else if (roll < 55) {
                const auto taken = sim.tracker.take_subscribes(1 + rng() % 3);
                if (!sim.tracker.connected()) {
                    ASSERT_TRUE(taken.empty());
                }
                sim.send(Kind::subscribe, taken);
            } else if (roll < 65) {
                const auto taken = sim.tracker.take_unsubscribes(1 + rng() % 3);
                if (!sim.tracker.connected()) {
                    ASSERT_TRUE(taken.empty());
                }
                sim.send(Kind::unsubscribe, taken);
            } else if (roll < 78) {
                if (!sim.redis.requests.empty()) {
                    sim.redis.process_one();
                }
            } else if (roll < 95) {
                if (!sim.redis.acks.empty()) {
                    ASSERT_NO_FATAL_FAILURE(sim.deliver_one()) << "seed " << seed;
                }
            } else if (roll < 98) {
                sim.redis.drop();
                sim.tracker.on_disconnect();
            } else if (!sim.tracker.connected()) {
                sim.tracker.on_connect();
            }
            ASSERT_EQ(sim.tracker.wanted(), Names(sim.model.begin(), sim.model.end()));
            std::multiset<std::string> in_transit;
            for (const auto& cmd : sim.redis.requests) {
                in_transit.insert(cmd.channels.begin(), cmd.channels.end());
            }
            for (const auto& ack : sim.redis.acks) {
                in_transit.insert(ack.channel);
            }
            for (const auto& ch : universe) {
                races += in_transit.count(ch) > 1;
            }
            // With nothing in transit, what Redis acked is exactly its state.
            if (sim.tracker.connected() && sim.redis.requests.empty() && sim.redis.acks.empty()) {
                for (const auto& ch : universe) {
                    ASSERT_EQ(sim.tracker.is_subscribed(ch), sim.redis.subscribed.count(ch) == 1)
                        << "seed " << seed << " step " << step << " channel " << ch;
                }
            }
        }
        ASSERT_NO_FATAL_FAILURE(sim.settle()) << "seed " << seed;
        ASSERT_TRUE(sim.tracker.settled()) << "seed " << seed;
        EXPECT_EQ(sim.redis.subscribed, sim.model) << "seed " << seed;
        for (const auto& ch : universe) {
            EXPECT_EQ(sim.tracker.is_subscribed(ch), sim.model.count(ch) == 1) << "seed " << seed;
        }
    }
    EXPECT_GT(races, 1000u); // the interesting interleavings did happen
}

} // namespace
