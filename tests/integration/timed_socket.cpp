#include "timed_socket.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

#include <stdexcept>

namespace herald_test {

bool run_until(net::io_context& context, const bool& done, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done) {
        context.restart();
        if (context.run_one_until(deadline) == 0 && std::chrono::steady_clock::now() >= deadline)
            break;
    }
    return done;
}

namespace {

// Runs until the handler stored `done`; on timeout cancels and waits for the
// aborted handler so that no operation outlives the call.
error_code finish(net::io_context& context, tcp::socket& socket, bool& done, error_code& result,
                  Millis timeout) {
    if (run_until(context, done, timeout))
        return result;
    error_code ignored;
    socket.cancel(ignored);
    run_until(context, done, Millis{1000});
    // It may have completed just before the cancel; then report what it did.
    return !done || result == net::error::operation_aborted ? error_code(net::error::timed_out)
                                                            : result;
}

} // namespace

TimedSocket::TimedSocket(std::uint16_t port, int receive_buffer, Millis timeout)
    : socket_(context_) {
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
    socket_.open(tcp::v4());
    if (receive_buffer > 0)
        socket_.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    bool done = false;
    error_code result;
    socket_.async_connect(endpoint, [&](error_code ec) {
        result = ec;
        done = true;
    });
    if (auto ec = finish(context_, socket_, done, result, timeout))
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 ec.message());
}

error_code TimedSocket::write(std::string_view bytes, Millis timeout) {
    bool done = false;
    error_code result;
    net::async_write(socket_, net::buffer(bytes.data(), bytes.size()),
                     [&](error_code ec, std::size_t) {
                         result = ec;
                         done = true;
                     });
    return finish(context_, socket_, done, result, timeout);
}

error_code TimedSocket::read_some(std::string& out, Millis timeout) {
    char chunk[16384];
    bool done = false;
    error_code result;
    std::size_t got = 0;
    socket_.async_read_some(net::buffer(chunk), [&](error_code ec, std::size_t n) {
        result = ec;
        got = n;
        done = true;
    });
    auto ec = finish(context_, socket_, done, result, timeout);
    out.append(chunk, got);
    return ec;
}

std::size_t TimedSocket::read_until(std::string& buffer, std::string_view delimiter,
                                    Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto at = buffer.find(delimiter); at != std::string::npos)
            return at + delimiter.size();
        auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || read_some(buffer, left))
            return std::string::npos;
    }
}

bool TimedSocket::wait_closed(Millis timeout, std::string* received) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string scratch;
    for (;;) {
        auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        auto ec = read_some(received ? *received : scratch, left);
        scratch.clear();
        if (ec == net::error::timed_out)
            return false;
        if (ec)
            return true; // eof, reset: the peer is gone
    }
}

void TimedSocket::close() {
    error_code ignored;
    socket_.close(ignored);
}

} // namespace herald_test
