#include "herald/server/connection_limits.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace herald;
using Verdict = ConnectionLimits::Verdict;

TEST(ConnectionLimits, MaxConnectionsRefusesBeyondAndFreesOnRelease) {
    ConnectionLimits limits;
    limits.configure(2, 0);
    std::vector<ConnectionSlot> slots(3);
    EXPECT_EQ(limits.admit(slots[0], "10.0.0.1"), Verdict::admitted);
    EXPECT_EQ(limits.admit(slots[1], "10.0.0.2"), Verdict::admitted);
    EXPECT_EQ(limits.admit(slots[2], "10.0.0.3"), Verdict::max_connections);
    EXPECT_FALSE(slots[2].holds_connection());
    EXPECT_EQ(limits.connections(), 2u);
    slots[0] = ConnectionSlot{}; // released
    EXPECT_EQ(limits.connections(), 1u);
    EXPECT_EQ(limits.admit(slots[2], "10.0.0.3"), Verdict::admitted);
    EXPECT_EQ(limits.addresses(), 0u) << "no per-address map without that limit";
}

TEST(ConnectionLimits, PerAddressCountsEachAddressAndFreesItsSlot) {
    ConnectionLimits limits;
    limits.configure(100, 2);
    std::vector<ConnectionSlot> a(3), b(1);
    EXPECT_EQ(limits.admit(a[0], "10.0.0.1"), Verdict::admitted);
    EXPECT_EQ(limits.admit(a[1], "10.0.0.1"), Verdict::admitted);
    EXPECT_EQ(limits.admit(a[2], "10.0.0.1"), Verdict::max_per_address);
    EXPECT_FALSE(a[2].holds_connection()) << "a refused connection holds no node-wide slot";
    EXPECT_EQ(limits.connections(), 2u);
    EXPECT_EQ(limits.admit(b[0], "10.0.0.2"), Verdict::admitted) << "other addresses unaffected";
    EXPECT_EQ(limits.count("10.0.0.1"), 2u);
    a[0] = ConnectionSlot{};
    EXPECT_EQ(limits.count("10.0.0.1"), 1u);
    EXPECT_EQ(limits.admit(a[2], "10.0.0.1"), Verdict::admitted);
}

TEST(ConnectionLimits, MapHoldsOnlyAddressesWithOpenConnections) {
    ConnectionLimits limits;
    limits.configure(1'000'000, 3);
    {
        std::vector<ConnectionSlot> slots(10'000);
        for (std::size_t i = 0; i < slots.size(); ++i)
            ASSERT_EQ(limits.admit(slots[i], "10.0." + std::to_string(i % 5000) + ".1"),
                      Verdict::admitted);
        EXPECT_EQ(limits.addresses(), 5000u);
        // Refusals leave no entry behind either.
        ConnectionSlot refused;
        for (int i = 0; i < 3; ++i)
            limits.admit(refused, "10.0.0.1");
        EXPECT_EQ(limits.addresses(), 5000u);
    }
    EXPECT_EQ(limits.addresses(), 0u);
    EXPECT_EQ(limits.connections(), 0u);
}

TEST(ConnectionLimits, ForwardedClientIsCountedOnceOnTheProxySlot) {
    ConnectionLimits limits;
    limits.configure(100, 1);
    ConnectionSlot proxied, second;
    // A trusted proxy's connection: node-wide only, then its stream's client.
    EXPECT_EQ(limits.admit(proxied, ""), Verdict::admitted);
    EXPECT_TRUE(proxied.address().empty());
    EXPECT_EQ(limits.admit_address(proxied, "203.0.113.7"), Verdict::admitted);
    EXPECT_EQ(limits.admit_address(proxied, "203.0.113.7"), Verdict::admitted)
        << "a slot already counted is not counted again";
    EXPECT_EQ(limits.count("203.0.113.7"), 1u);
    EXPECT_EQ(limits.admit(second, ""), Verdict::admitted);
    EXPECT_EQ(limits.admit_address(second, "203.0.113.7"), Verdict::max_per_address);
    // Moving the slot (HTTP session -> stream session) keeps one count.
    ConnectionSlot moved = std::move(proxied);
    EXPECT_EQ(limits.count("203.0.113.7"), 1u);
    EXPECT_EQ(limits.connections(), 2u);
    moved = ConnectionSlot{};
    EXPECT_EQ(limits.count("203.0.113.7"), 0u);
    EXPECT_EQ(limits.addresses(), 0u);
}

TEST(ConnectionLimits, WorkersSharingTheLimitsNeverExceedThem) {
    ConnectionLimits limits;
    limits.configure(1000, 300);
    std::vector<std::vector<ConnectionSlot>> held(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 5000; ++i) {
                ConnectionSlot slot;
                if (limits.admit(slot, "10.0.0." + std::to_string(i % 4)) == Verdict::admitted)
                    held[t].push_back(std::move(slot));
                if (i % 3 == 0 && !held[t].empty())
                    held[t].pop_back();
            }
        });
    for (auto& thread : threads)
        thread.join();
    std::size_t total = 0;
    for (auto& h : held)
        total += h.size();
    EXPECT_EQ(limits.connections(), total);
    EXPECT_LE(total, 1000u);
    for (int a = 0; a < 4; ++a)
        EXPECT_LE(limits.count("10.0.0." + std::to_string(a)), 300u);
    held.clear();
    EXPECT_EQ(limits.connections(), 0u);
    EXPECT_EQ(limits.addresses(), 0u);
}

TEST(ConnectionLimits, DefaultMaxConnectionsLeavesAReserveOfDescriptors) {
    EXPECT_EQ(resolve_max_connections(5), 5u);
    rlimit limit{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_cur == RLIM_INFINITY)
        GTEST_SKIP() << "unlimited descriptors";
    const auto derived = resolve_max_connections(0);
    EXPECT_LT(derived, limit.rlim_cur);
    EXPECT_GE(derived, limit.rlim_cur / 2);
    EXPECT_GE(limit.rlim_cur - derived, std::min<rlim_t>(64, limit.rlim_cur / 2));
}
