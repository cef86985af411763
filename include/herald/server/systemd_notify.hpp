#pragma once
// The service manager's side of a Type=notify unit (sd_notify(3), libsystemd):
// READY=1 once herald listens, STOPPING=1 when it starts to drain, and
// WATCHDOG=1 keep-alives while every event loop still answers. Without
// $NOTIFY_SOCKET (not started by systemd) every call does nothing.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

namespace herald::systemd {

// Sends `state` (e.g. "READY=1") to $NOTIFY_SOCKET; false if not sent.
bool notify(const std::string& state);

// Half of $WATCHDOG_USEC, the period of the keep-alives; zero when the
// watchdog is off (no WatchdogSec=, or WATCHDOG_PID names another process).
std::chrono::microseconds watchdog_period();

// Decides the keep-alives. Each round pings every event loop (the caller posts
// answered() to each); a keep-alive is due only when every loop of the last
// round has answered, so one wedged loop stops them and systemd restarts herald.
class LoopWatchdog {
public:
    explicit LoopWatchdog(std::size_t loops) : loops_(loops) {}

    // Called once a period. True (send WATCHDOG=1, then post the next round's
    // pings) when the last round is complete; false while a loop still owes
    // its answer, and then no new round starts.
    bool round_complete() {
        if (pending_.load(std::memory_order_acquire) != 0)
            return false;
        pending_.store(loops_, std::memory_order_release);
        return true;
    }
    // One loop's answer; from any thread.
    void answered() { pending_.fetch_sub(1, std::memory_order_acq_rel); }

private:
    std::size_t loops_;
    std::atomic<std::size_t> pending_{0};
};

} // namespace herald::systemd
