#pragma once
// Many subscribers that behave like EventSource and a well-behaved WebSocket
// client: each holds ONE channel (so that a resume never replays another
// channel's event of the same millisecond twice, which herald documents as
// possible), connects through a proxy, and on any close or error reconnects
// after a short random backoff, resuming from the last id it saw (SSE
// Last-Event-ID, WS ?lastEventId=). Everything it receives is recorded raw,
// duplicates included, with the connection it came on, for the test to judge.
// The io_context runs on a thread of its own from start() to stop().
#include "timed_socket.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace herald_test {

struct ReceivedEntry {
    std::string id;         // the event's id; empty for a reset
    std::size_t connection; // 1 for the first connection, 2 after one reconnect, ...
};

// What one subscriber saw, read once the crowd has stopped.
struct SubscriberRecord {
    bool ws = false;
    std::string channel;
    std::vector<ReceivedEntry> entries;
    // When each connection was opened (before its request was sent).
    std::vector<std::chrono::steady_clock::time_point> connected_at;
    std::size_t failed_attempts = 0; // refused, closed before subscribing, non-200/101
};

class ResumingCrowd {
public:
    // `query` ("token=...") is added to every request's query string.
    explicit ResumingCrowd(std::uint16_t port, std::string query = {});
    ~ResumingCrowd();
    ResumingCrowd(const ResumingCrowd&) = delete;
    ResumingCrowd& operator=(const ResumingCrowd&) = delete;

    // Before start(): one more subscriber of `channel`.
    void add(const std::string& channel, bool ws);
    // Connects everyone and runs the context on its own thread.
    void start();
    // Ends every connection and joins the thread (also done by the destructor).
    void stop();

    // Runs `check` on the crowd's thread, with every record, and returns its answer.
    bool query(const std::function<bool(const std::vector<const SubscriberRecord*>&)>& check);
    // How many are subscribed right now (SSE: the stream is open; WS: "subscribed" came).
    std::size_t subscribed_count();
    std::vector<const SubscriberRecord*> records() const; // only after stop()

    class Member;

private:
    net::io_context context_;
    std::uint16_t port_;
    std::string query_;
    std::vector<std::unique_ptr<Member>> members_;
    std::thread thread_;
    bool running_ = false;
};

} // namespace herald_test
