#pragma once
// A blocking TCP client on 127.0.0.1 whose every operation has a deadline:
// each call runs a private io_context until the operation completes or the
// time is up (then the operation is cancelled). Used for raw HTTP bytes, raw
// WebSocket frames and clients that deliberately misbehave.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald_test {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Millis = std::chrono::milliseconds;

// Default bound for any single network wait in the tests.
inline constexpr Millis kTimeout{5000};

// Time left until `deadline` (zero once it passed).
inline Millis left_until(std::chrono::steady_clock::time_point deadline) {
    return std::max(
        Millis{0}, std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()));
}
// Time passed since `start`.
inline Millis since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
}

// Runs `context` until `done` becomes true or `timeout` passes; returns `done`.
// Operations still pending on timeout stay pending (the caller cancels them).
bool run_until(net::io_context& context, const bool& done, Millis timeout);

class TimedSocket {
public:
    // Connects to 127.0.0.1:port. `receive_buffer` > 0 sets SO_RCVBUF before
    // connecting (so the advertised window stays small). Throws on failure.
    explicit TimedSocket(std::uint16_t port, int receive_buffer = 0, Millis timeout = kTimeout);

    tcp::socket& socket() { return socket_; }
    net::io_context& context() { return context_; }

    // Writes all bytes; returns the error (timed_out if the deadline passed).
    error_code write(std::string_view bytes, Millis timeout = kTimeout);
    // Appends whatever arrives next to `out`; eof/connection_reset when the
    // peer closed, timed_out when nothing came.
    error_code read_some(std::string& out, Millis timeout = kTimeout);
    // Reads into `buffer` until it contains `delimiter`; returns its end
    // offset, or npos on error/timeout.
    std::size_t read_until(std::string& buffer, std::string_view delimiter,
                           Millis timeout = kTimeout);
    // Reads (appending to `received` if given) until the peer closes the
    // connection. Returns false if it is still open after `timeout`.
    bool wait_closed(Millis timeout, std::string* received = nullptr);
    void close();

private:
    net::io_context context_;
    tcp::socket socket_;
};

} // namespace herald_test
