#pragma once
// Per-worker batching flusher: sessions that got data during this loop pass are
// flushed once, after the pass (Redis's "write before the loop sleeps"), so a
// batch of events to one session becomes one gather write. With
// flush_interval > 0, writes are held back that long to batch harder.
#include "herald/util/net.hpp"

#include <memory>
#include <vector>

namespace herald {

class Session;

class Flusher {
public:
    Flusher(net::io_context& context, std::chrono::milliseconds interval);
    void mark(Session& session);

private:
    void run();

    net::io_context& context_;
    std::chrono::milliseconds interval_;
    net::steady_timer timer_;
    bool scheduled_ = false;
    std::vector<std::shared_ptr<Session>> dirty_;
    std::vector<std::shared_ptr<Session>> running_;
};

} // namespace herald
