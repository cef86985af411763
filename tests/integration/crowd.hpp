#pragma once
// Many subscribers of one channel on a single io_context, all asynchronous:
// for fan-out tests with hundreds of SSE and WebSocket connections. The
// context only runs inside wait_* calls; the kernel buffers what arrives in
// between.
#include "timed_socket.hpp"

#include <memory>
#include <string>
#include <vector>

namespace herald_test {

class Crowd {
public:
    Crowd(std::uint16_t port, std::string channel);
    ~Crowd();
    Crowd(const Crowd&) = delete;
    Crowd& operator=(const Crowd&) = delete;

    // Starts connecting `sse` SSE and `ws` WebSocket subscribers.
    void open(std::size_t sse, std::size_t ws);
    // Runs until every member is subscribed (SSE: the retry field arrived;
    // WS: the "subscribed" message arrived) or one failed.
    bool wait_ready(Millis timeout);
    // Runs until every member has received at least `count` events.
    bool wait_events(std::size_t count, Millis timeout);

    std::size_t size() const { return members_.size(); }
    std::size_t ready_count() const;
    std::size_t failed_count() const;
    std::size_t count_with_events(std::size_t count) const;
    std::string first_error() const;
    // Event ids each member received, in arrival order.
    std::vector<std::vector<std::string>> received() const;

    struct Member {
        virtual ~Member() = default;
        virtual void start() = 0;
        virtual void stop() = 0;
        bool ready = false;
        bool failed = false;
        std::string error;
        std::vector<std::string> ids;
        void fail(const std::string& what);
    };

private:
    bool run_while(bool (Crowd::*pending)() const, Millis timeout);
    bool any_not_ready() const;
    bool any_short_of_events() const;

    net::io_context context_;
    std::uint16_t port_;
    std::string channel_;
    std::size_t wanted_events_ = 0;
    std::vector<std::unique_ptr<Member>> members_;
};

} // namespace herald_test
