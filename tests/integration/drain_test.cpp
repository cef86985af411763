// The drain on SIGTERM (README "Drain and reload"): new connections are
// refused at once, WebSocket clients get close 1012 and SSE streams a
// jittered "retry:" then their end, spread over drain_window rather than all
// at once; a second SIGTERM ends the drain at once; the process exits 0.
// Bounds are generous: the test checks the spread, not a timing.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <thread>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

struct Closed {
    bool closed = false;
    Clock::time_point at{};
};

// Whether a new TCP connection is refused (the acceptors are closed).
bool refused_within(std::uint16_t port, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        try {
            TimedSocket probe(port, 0, Millis{500});
        } catch (const std::exception&) {
            return true;
        }
        std::this_thread::sleep_for(Millis{20});
    }
    return false;
}

} // namespace

TEST(Drain, ClosesAreSpreadOverTheWindow) {
    constexpr std::size_t kEach = 100;
    constexpr Millis kWindow{2000};
    HeraldProcess herald({"--drain-window", "2s", "--shutdown-timeout", "3s"});
    std::vector<std::unique_ptr<WsClient>> ws;
    std::vector<std::unique_ptr<SseClient>> sse;
    for (std::size_t i = 0; i < kEach; ++i) {
        ws.push_back(std::make_unique<WsClient>(herald.port(), ws_target({"d"})));
        sse.push_back(std::make_unique<SseClient>(herald.port(), events_target({"d"})));
    }
    for (auto& c : ws)
        ASSERT_TRUE(c->wait_subscribed("d"));

    // One thread per client, each waiting on its own client only: the time
    // each saw its close is then exact to the scheduler, not to a polling round.
    std::vector<Closed> closed(2 * kEach);
    std::vector<std::thread> waiters;
    const auto start = Clock::now();
    herald.send_signal(SIGTERM);
    for (std::size_t i = 0; i < kEach; ++i) {
        waiters.emplace_back([&, i] {
            closed[i].closed = ws[i]->wait_closed(kWindow + 5s);
            closed[i].at = Clock::now();
        });
        waiters.emplace_back([&, i] {
            closed[kEach + i].closed = sse[i]->wait_closed(kWindow + 5s);
            closed[kEach + i].at = Clock::now();
        });
    }
    EXPECT_TRUE(refused_within(herald.port(), Millis{1000})) << "still accepting while draining";
    for (auto& t : waiters)
        t.join();

    std::set<long long> retries;
    for (std::size_t i = 0; i < kEach; ++i) {
        EXPECT_TRUE(closed[i].closed) << "ws " << i;
        EXPECT_EQ(ws[i]->close_code(), 1012u) << "ws " << i;
        EXPECT_EQ(ws[i]->close_reason(), "service restart");
        EXPECT_TRUE(closed[kEach + i].closed && sse[i]->ended()) << "sse " << i << " not ended";
        ASSERT_TRUE(sse[i]->retry()) << "sse " << i;
        const auto retry = *sse[i]->retry();
        EXPECT_GE(retry, 1000) << "sse " << i;
        EXPECT_LE(retry, kWindow.count()) << "sse " << i;
        retries.insert(retry);
    }
    EXPECT_GT(retries.size(), 10u) << "the SSE retry values are jittered";

    auto first = Clock::time_point::max(), last = Clock::time_point::min();
    std::size_t early = 0;
    for (const auto& c : closed) {
        first = std::min(first, c.at);
        last = std::max(last, c.at);
        if (c.at - start < kWindow / 10)
            ++early;
    }
    const auto span = std::chrono::duration_cast<Millis>(last - first);
    EXPECT_GE(span, kWindow / 2) << "the closes came within " << span.count() << " ms";
    EXPECT_LE(early, closed.size() * 4 / 10)
        << early << " of " << closed.size() << " closed in the first 10% of the window";

    auto exit = herald.wait_exit(10s);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->exited) << "killed by signal " << exit->signal;
    EXPECT_EQ(exit->code, 0);
}

TEST(Drain, ASecondSigtermClosesEverythingAtOnce) {
    HeraldProcess herald({"--drain-window", "30s", "--shutdown-timeout", "3s"});
    std::vector<std::unique_ptr<WsClient>> ws;
    for (int i = 0; i < 20; ++i) {
        ws.push_back(std::make_unique<WsClient>(herald.port(), ws_target({"d"})));
        ASSERT_TRUE(ws.back()->wait_subscribed("d"));
    }
    SseClient sse(herald.port(), events_target({"d"}));
    herald.send_signal(SIGTERM);
    ASSERT_TRUE(herald.wait_for_log("draining", 5s));
    std::this_thread::sleep_for(Millis{300});
    const auto second = Clock::now();
    herald.send_signal(SIGTERM);
    for (auto& c : ws) {
        EXPECT_TRUE(c->wait_closed(5s));
        EXPECT_EQ(c->close_code(), 1012u);
    }
    EXPECT_TRUE(sse.wait_closed(5s));
    auto exit = herald.wait_exit(10s);
    ASSERT_TRUE(exit) << "still draining after the second SIGTERM";
    EXPECT_TRUE(exit->exited);
    EXPECT_EQ(exit->code, 0);
    EXPECT_LT(since(second), 10s) << "a 30 s drain was not cut short";
}

TEST(Drain, PollsAreAnsweredAtOnce) {
    HeraldProcess herald({"--drain-window", "5s", "--shutdown-timeout", "3s"});
    // A poll held open (no cursor: it waits for an event or its timeout),
    // answered (empty) as soon as the drain begins.
    std::optional<HttpResponse> answer;
    std::thread poller([&] {
        try {
            answer = http_get(herald.port(), "/poll?channel=p&timeout=25s");
        } catch (const std::exception& e) { // closed unanswered: `answer` stays empty
            ADD_FAILURE() << e.what();
        }
    });
    std::this_thread::sleep_for(Millis{300});
    const auto start = Clock::now();
    herald.send_signal(SIGTERM);
    poller.join();
    EXPECT_LT(since(start), 2s) << "the poll waited for the drain";
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200u);
    auto exit = herald.wait_exit(10s);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->code, 0);
}
