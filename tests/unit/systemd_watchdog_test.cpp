// LoopWatchdog: a keep-alive only when every event loop answered the last round.
#include "herald/server/systemd_notify.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using herald::systemd::LoopWatchdog;

TEST(LoopWatchdog, FirstRoundIsDueAtOnce) {
    LoopWatchdog watchdog(3);
    EXPECT_TRUE(watchdog.round_complete());
}

TEST(LoopWatchdog, DueOnlyWhenEveryLoopAnswered) {
    LoopWatchdog watchdog(3);
    ASSERT_TRUE(watchdog.round_complete()); // round 1 posted to 3 loops
    watchdog.answered();
    watchdog.answered();
    EXPECT_FALSE(watchdog.round_complete()) << "one loop has not answered";
    watchdog.answered();
    EXPECT_TRUE(watchdog.round_complete());
}

TEST(LoopWatchdog, AWedgedLoopStopsEveryLaterKeepAlive) {
    LoopWatchdog watchdog(2);
    ASSERT_TRUE(watchdog.round_complete());
    watchdog.answered(); // the other loop never answers
    for (int period = 0; period < 5; ++period)
        EXPECT_FALSE(watchdog.round_complete());
    watchdog.answered(); // it comes back: keep-alives resume
    EXPECT_TRUE(watchdog.round_complete());
}

TEST(SystemdNotify, NothingToDoOutsideSystemd) {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    EXPECT_FALSE(herald::systemd::notify("READY=1"));
    EXPECT_EQ(herald::systemd::watchdog_period().count(), 0);
}

TEST(SystemdNotify, WatchdogPeriodIsHalfOfWatchdogUsec) {
    ::setenv("WATCHDOG_USEC", "2000000", 1);
    ::unsetenv("WATCHDOG_PID");
    EXPECT_EQ(herald::systemd::watchdog_period().count(), 1'000'000);
    ::unsetenv("WATCHDOG_USEC");
}
