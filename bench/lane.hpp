#pragma once
// One thread's share of a SubscriberPool: its io_context, its connections and
// the protocol steps of each (connect, request, response head, stream).
// Internal to subscriber_pool.cpp and lane.cpp.
#include "histogram.hpp"
#include "stream_parser.hpp"
#include "subscriber_pool.hpp"

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <thread>

namespace bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
// The io_context's own executor instead of any_io_executor: a smaller socket.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

enum class State : std::uint8_t { connecting, head, waiting, live, done };

// Everything one subscriber holds.
struct Conn {
    explicit Conn(net::io_context& ctx) : socket(ctx.get_executor()) {}
    Socket socket;
    std::string carry; // the request while it is written, then unparsed (dechunked) input
    std::uint32_t index = 0;
    State state = State::connecting;
    Transport transport = Transport::sse;
    bool chunked = false;    // the SSE body is chunked
    bool slow = false;       // slow-consumers: stops reading once subscribed
    bool paused = false;     // slow and not reading
    bool first_seen = false; // has received an event
    std::uint64_t received = 0;  // deliveries
    std::uint64_t announced = 0; // events its resets said were dropped
    ChunkState chunk;
};

struct Lane {
    Lane(const PoolConfig& c, std::vector<std::uint32_t> idx)
        : config(c), indices(std::move(idx)),
          cap(std::max(1u, c.inflight / std::max(1u, c.threads))) {
        conns.reserve(indices.size());
        server = tcp::endpoint(net::ip::make_address_v4(c.host), c.port);
    }

    const PoolConfig& config;
    net::io_context ctx{1};
    net::executor_work_guard<net::io_context::executor_type> work{ctx.get_executor()};
    tcp::endpoint server;
    std::vector<std::unique_ptr<Conn>> conns;
    std::vector<std::uint32_t> indices;
    std::size_t next = 0;
    unsigned in_flight = 0;
    unsigned cap;
    std::array<char, 64 * 1024> scratch{};
    Histogram latency;
    std::map<std::string, std::uint64_t> errors;
    std::vector<std::uint32_t> failed_indices;
    std::uint64_t last_delivery_ns = 0;
    Histogram first_event; // t0 -> first event, per connection
    std::uint64_t last_connect_ns = 0, last_subscribe_ns = 0, slow_received = 0, slow_open = 0,
                  stale = 0;
    // Subscribers the server cut after their subscribe: who, and what they
    // had received and been told was dropped until then (all they missed
    // after the cut is the cut's, which a real client learns from the close).
    std::vector<std::uint32_t> cut_indices;
    std::uint64_t cut_received = 0, cut_announced = 0;
    bool resumed = false; // resume_slow() was called
    std::atomic<std::uint64_t> subscribed{0}, failed{0}, received{0}, dropped{0}, other{0},
        resets{0}, announced{0};
    std::atomic<std::uint64_t> connected{0}, firsts{0}, slow_closed{0};
    std::thread thread;

    void launch(); // opens connections up to the in-flight cap
    void open(std::uint32_t index);
    void on_connect(Conn* c, error_code ec);
    void wait_read(Conn* c);
    void on_readable(Conn* c, error_code ec);
    void consume(Conn* c, char* data, std::size_t n);
    void on_subscribed(Conn* c);
    void record(Conn* c, const StreamEvents& ev);
    void resume_slow();
    void fail(Conn* c, const std::string& reason);
    void close_all();
};

} // namespace bench
