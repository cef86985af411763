#pragma once
// One thread's epoll loop: its own SO_REUSEPORT listener, its own connections
// and subscriptions, and an inbox (mutex + eventfd) through which the other
// threads hand it published events.
#include "http_mini.hpp"

#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <unordered_map>
#include <vector>

namespace epoll_limit {

using Bytes = std::shared_ptr<const std::string>;

// A published event, encoded once, shared read-only by every thread.
struct Event {
    std::string channel;
    Bytes sse;
    Bytes ws;
};
using EventPtr = std::shared_ptr<const Event>;

struct Channel;

struct Conn {
    enum class Kind : std::uint8_t { head, publisher, sse, ws };
    int fd = -1;
    Kind kind = Kind::head;
    bool dirty = false; // in the loop's list of connections to write this pass
    bool dead = false;  // closed; freed at the end of the pass
    std::string in;     // unparsed request bytes (head, publisher)
    std::vector<Bytes> out;
    std::size_t out_head = 0;   // first entry of `out` not fully written
    std::size_t out_offset = 0; // bytes of out[out_head] already written
    std::size_t queued = 0;     // bytes in `out` not yet written
    Channel* channel = nullptr;
    std::size_t index = 0; // position in channel->subscribers
    WsReader ws;
};

struct Channel {
    const std::string* name = nullptr; // the map's key
    std::vector<Conn*> subscribers;
};

class Loop {
public:
    static constexpr std::size_t max_queued_bytes = 1024 * 1024;

    // Binds its own listener (SO_REUSEPORT) to `addr`; throws on failure.
    Loop(const sockaddr_in& addr, std::vector<Loop*>& loops);
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    std::uint16_t port() const;
    void run(); // never returns

    // Any thread: queue an event for this loop's subscribers.
    void post(const EventPtr& event);

private:
    // loop.cpp: sockets and requests
    void do_accept();
    void on_readable(Conn& c);
    void on_request_bytes(Conn& c);
    bool on_request(Conn& c, const Request& r, std::string_view body); // false: closed
    void start_stream(Conn& c, const Request& r);
    void reject(Conn& c, std::string_view status);
    void close_websocket(Conn& c);
    void close(Conn& c);
    void end_pass();

    // fanout.cpp: subscriptions, queues and writes
    void subscribe(Conn& c, const std::string& channel);
    void unsubscribe(Conn& c);
    void publish(std::string_view channel, std::string_view body);
    void on_inbox();
    void deliver(const Event& event);
    void enqueue(Conn& c, const Bytes& bytes);
    void flush(Conn& c);

    std::vector<Loop*>& loops_;
    int epoll_fd_ = -1;
    int listen_fd_ = -1;
    int event_fd_ = -1;
    bool accept_paused_ = false;
    std::unordered_map<std::string, Channel> channels_;
    std::vector<Conn*> dirty_;
    std::vector<Conn*> dead_;
    std::vector<char> read_buffer_;

    std::mutex inbox_mutex_;
    std::vector<EventPtr> inbox_;
};

} // namespace epoll_limit
