// Graceful shutdown on SIGTERM with drain_window 0 (the harness default; the
// spread drain is drain_test.cpp): WebSocket clients get close 1012, SSE
// streams a "retry:" and their end, the process exits 0 within shutdown_timeout.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

using namespace herald_test;

namespace {
constexpr auto kShutdownTimeout = 3s;
}

TEST(Shutdown, SigtermClosesClientsAndExitsZero) {
    HeraldProcess herald({"--shutdown-timeout", "3s"});
    SseClient sse1(herald.port(), events_target({"a"}));
    SseClient sse2(herald.port(), events_target({"b"}));
    WsClient ws1(herald.port(), ws_target({"a"}));
    WsClient ws2(herald.port(), ws_target({"b"}));
    ASSERT_TRUE(ws1.wait_subscribed("a"));
    ASSERT_TRUE(ws2.wait_subscribed("b"));
    const auto id = publish_event(herald.port(), "a", "before shutdown");
    ASSERT_TRUE(sse1.next_event());
    ASSERT_TRUE(ws1.next_json());

    const auto start = std::chrono::steady_clock::now();
    herald.send_signal(SIGTERM);

    for (WsClient* ws : {&ws1, &ws2}) {
        EXPECT_TRUE(ws->wait_closed(kShutdownTimeout + 2s));
        EXPECT_EQ(ws->close_code(), 1012u) << ws->read_error().message();
    }
    for (SseClient* sse : {&sse1, &sse2}) {
        EXPECT_TRUE(sse->wait_closed(kShutdownTimeout + 2s)) << "SSE stream not ended";
        EXPECT_FALSE(sse->next_event(0ms)) << "no events after the end";
        ASSERT_TRUE(sse->retry());
        EXPECT_EQ(*sse->retry(), 1000) << "drain_window 0: the floor of the jitter";
    }

    auto exit = herald.wait_exit(kShutdownTimeout + 5s);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(exit) << "still running after shutdown_timeout + 5 s";
    EXPECT_TRUE(exit->exited) << "killed by signal " << exit->signal;
    EXPECT_EQ(exit->code, 0);
    EXPECT_LT(elapsed, kShutdownTimeout)
        << "took " << std::chrono::duration_cast<Millis>(elapsed).count()
        << " ms with cooperative clients";
    (void)id;
}

TEST(Shutdown, SigtermWithoutClientsExitsPromptly) {
    HeraldProcess herald({"--shutdown-timeout", "3s"});
    ASSERT_EQ(http_get(herald.port(), "/healthz").status, 200u);
    auto exit = herald.terminate(5s);
    EXPECT_TRUE(exit.exited);
    EXPECT_EQ(exit.code, 0);
    EXPECT_LT(exit.elapsed, 2s); // nothing to drain: well below the 3 s timeout
}

TEST(Shutdown, SigintAlsoShutsDownGracefully) {
    HeraldProcess herald({"--shutdown-timeout", "3s"});
    WsClient ws(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(ws.wait_subscribed("a"));
    herald.send_signal(SIGINT);
    EXPECT_TRUE(ws.wait_closed(kShutdownTimeout));
    EXPECT_EQ(ws.close_code(), 1012u);
    auto exit = herald.wait_exit(kShutdownTimeout + 2s);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->exited);
    EXPECT_EQ(exit->code, 0);
}

TEST(Shutdown, StalledClientsAreCutOffAtShutdownTimeout) {
    // Clients that never read: the daemon must not wait for them past the deadline.
    HeraldProcess herald({"--shutdown-timeout", "1s"});
    WsClient ws(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(ws.wait_subscribed("a"));
    SseClient sse(herald.port(), events_target({"a"}));
    auto exit = herald.terminate(5s);
    EXPECT_TRUE(exit.exited);
    EXPECT_EQ(exit.code, 0);
    EXPECT_LT(exit.elapsed, 2500ms);
}

TEST(Shutdown, SigtermAtAnyMomentOfStartupStopsHerald) {
    // A signal sent while herald starts must never be lost: before main it
    // kills by its default action, afterwards it waits blocked in the kernel
    // until herald reads it (SignalWatch) and drains. A CI run once saw a
    // SIGTERM that herald never acted on. Stepping the delay sweeps the
    // start-up, including the moment the signal is first read.
    for (int delay_ms = 0; delay_ms < 40; delay_ms += 2) {
        ChildProcess child({{HERALD_BINARY, "--listen", "127.0.0.1:0", "--insecure", "--threads",
                             "2", "--drain-window", "0"},
                            "",
                            false});
        std::this_thread::sleep_for(Millis{delay_ms});
        auto exit = child.stop(SIGTERM, Millis{5'000});
        ASSERT_TRUE(exit) << "SIGTERM " << delay_ms << " ms after the start was not acted on";
        EXPECT_TRUE(!exit->exited || exit->code == 0)
            << "exit code " << exit->code << " after SIGTERM at " << delay_ms << " ms";
    }
}
