#pragma once
// A crowd of misbehaving clients for the chaos soak: `slots` connections at a
// time, each repeatedly connecting (from a random 127.0.0.x address, so that
// tens of thousands of short connections do not exhaust one address's
// ports), behaving for a random lifetime and disconnecting, gracefully or
// with a reset. Most are SSE or WebSocket subscribers that read; some send
// garbage (bad HTTP, bad frames), some never read; some give up halfway
// through their request. Everything runs on one io_context, on the thread
// that calls run_for().
#include "timed_socket.hpp"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace herald_test {

struct ChaosStats {
    std::size_t connections = 0; // connected sockets
    std::size_t connect_errors = 0;
    std::size_t sse = 0, ws = 0, garbage = 0, never_read = 0, half_request = 0;
    std::size_t resets = 0;           // ended by the client with an RST
    std::size_t closed_by_server = 0; // ended by herald (EOF or reset) first
    std::size_t bad_status = 0;       // a subscriber not answered 200/101
    std::size_t bytes_received = 0;
};

class ChaosCrowd {
public:
    ChaosCrowd(std::uint16_t port, std::size_t slots, std::size_t channels, unsigned seed);
    ~ChaosCrowd();
    ChaosCrowd(const ChaosCrowd&) = delete;
    ChaosCrowd& operator=(const ChaosCrowd&) = delete;

    // Runs the crowd for `duration`, then ends every connection and runs
    // until all are closed (at most `drain`). False if some did not close.
    bool run_for(Millis duration, Millis drain);
    const ChaosStats& stats() const { return stats_; }

    class Slot;

private:
    friend class Slot;
    net::io_context context_;
    std::uint16_t port_;
    std::size_t channels_;
    bool stopping_ = false;
    std::size_t active_ = 0; // slots with a connection or a pending round
    ChaosStats stats_;
    std::vector<std::unique_ptr<Slot>> slots_;
};

class ChaosCrowd::Slot {
public:
    Slot(ChaosCrowd& crowd, unsigned seed);
    void start_round();
    void stop();

private:
    enum class Kind { sse, ws, garbage, never_read };

    void on_connect(std::size_t round, error_code ec);
    void on_request_written(std::size_t round, error_code ec);
    void do_read(std::size_t round);
    void on_read(std::size_t round, error_code ec, std::size_t n);
    void send_ws_message(std::size_t round);
    void end_round(std::size_t round, bool by_server);
    void write(std::size_t round, std::string bytes);

    std::string pick_request();
    std::string random_channels();
    std::string random_bytes(std::size_t n);
    std::string garbage_frames();
    unsigned uniform(unsigned low, unsigned high) {
        return std::uniform_int_distribution<unsigned>(low, high)(rng_);
    }

    ChaosCrowd& crowd_;
    std::mt19937 rng_;
    tcp::socket socket_;
    net::steady_timer timer_;
    std::size_t round_ = 0;
    bool in_connection_ = false; // from start_round to end_round
    bool connected_ = false;
    bool writing_ = false;
    bool head_done_ = false;
    Kind kind_ = Kind::sse;
    bool upgrade_garbage_ = false; // garbage frames after a real upgrade
    std::string head_;
    std::array<char, 8192> buffer_{};
};

} // namespace herald_test
