#pragma once
// Generator child processes. One process cannot hold more than RLIMIT_NOFILE
// sockets, so the coordinator forks one child per slice of connections; each
// runs a SubscriberPool and writes one JSON line per message to a pipe:
// {"type":"progress",...} every 50 ms, and {"type":"final",...} after it was
// told to stop (its control pipe reached EOF) and closed its connections. A
// byte 'r' on the control pipe makes its slow subscribers read again.
#include "subscriber_pool.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <sys/types.h>
#include <vector>

namespace bench {

using SteadyTime = std::chrono::steady_clock::time_point;

// Splits `count` subscribers starting at index 0 into slices of at most
// `per_process`, with the in-flight budget shared out.
std::vector<PoolConfig> plan_children(const PoolConfig& all, unsigned per_process,
                                      unsigned inflight_total);

class Children {
public:
    Children() = default;
    Children(const Children&) = delete;
    Children& operator=(const Children&) = delete;
    ~Children();

    // Forks one child per plan. Call only while this process has a single thread.
    // Children exit by themselves at `deadline` or when this process dies.
    void spawn(const std::vector<PoolConfig>& plans, SteadyTime deadline);
    // Reads whatever the children wrote, waiting up to `ms` for something.
    void poll(int ms);
    PoolProgress progress() const;    // sum of the latest progress lines
    std::size_t exited_early() const; // children gone without a final report

    void resume_slow(); // the slow subscribers start reading (slow-consumers)
    void stop();        // close the control pipes
    // Waits for every final report and exit until `deadline`, then kills.
    bool finish(SteadyTime deadline);
    std::vector<nlohmann::json> finals() const;
    void kill_all();

private:
    struct Child {
        pid_t pid = -1;
        int report_fd = -1;  // read end, ours
        int control_fd = -1; // write end, ours
        std::string inbuf;
        nlohmann::json progress, final;
        bool eof = false;
        bool reaped = false;
    };
    void on_line(Child& c, const std::string& line);
    void reap(bool block);
    std::vector<Child> children_;
};

} // namespace bench
