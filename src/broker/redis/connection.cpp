#include "herald/broker/redis/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

namespace herald::redis {

namespace {
constexpr std::size_t read_chunk = 64 * 1024;
}

Connection::Connection(net::io_context& context, RepliesHandler on_replies, DownHandler on_down)
    : context_(context), resolver_(context), socket_(context), on_replies_(std::move(on_replies)),
      on_down_(std::move(on_down)), read_buffer_(read_chunk) {}

void Connection::connect(const RedisEndpoint& endpoint) {
    auto self = shared_from_this();
    if (endpoint.kind == RedisEndpoint::unix_socket) {
        net::local::stream_protocol::endpoint ep(endpoint.path);
        socket_.async_connect(ep, [self](error_code ec) { self->on_connected(ec); });
        return;
    }
    resolver_.async_resolve(endpoint.host, std::to_string(endpoint.port),
                            [self](error_code ec, tcp::resolver::results_type results) {
                                self->on_resolved(ec, std::move(results));
                            });
}

void Connection::on_resolved(error_code ec, tcp::resolver::results_type results) {
    if (ec)
        return fail("resolve: " + ec.message());
    if (down_)
        return;
    // The generic socket takes one endpoint; Redis addresses resolve to one.
    tcp::endpoint ep = results.begin()->endpoint();
    socket_.async_connect(net::generic::stream_protocol::endpoint(ep),
                          [self = shared_from_this()](error_code e) { self->on_connected(e); });
}

void Connection::on_connected(error_code ec) {
    if (down_)
        return;
    if (ec)
        return fail("connect: " + ec.message());
    connected_ = true;
    if (socket_.local_endpoint().protocol().family() != AF_UNIX) {
        error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
    }
    do_read();
    do_write();
}

void Connection::send(std::string command) {
    pending_ += command;
    if (connected_ && writing_.empty())
        do_write();
}

void Connection::do_write() {
    if (pending_.empty() || !writing_.empty() || down_)
        return;
    writing_.swap(pending_);
    net::async_write(socket_, net::buffer(writing_),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                         self->writing_.clear();
                         if (ec)
                             return self->fail("write: " + ec.message());
                         self->do_write();
                     });
}

void Connection::do_read() {
    socket_.async_read_some(
        net::buffer(read_buffer_), [self = shared_from_this()](error_code ec, std::size_t n) {
            if (ec)
                return self->fail(ec == net::error::eof ? "connection closed by Redis"
                                                        : "read: " + ec.message());
            self->reader_.feed(self->read_buffer_.data(), n);
            // Drain every complete reply before reading again.
            while (auto reply = self->reader_.next())
                self->replies_.push_back(std::move(*reply));
            if (self->reader_.failed())
                return self->fail("protocol error: " + self->reader_.error());
            if (!self->replies_.empty()) {
                self->on_replies_(self->replies_);
                self->replies_.clear();
            }
            if (!self->down_)
                self->do_read();
        });
}

void Connection::fail(const std::string& reason) {
    if (down_)
        return;
    down_ = true;
    error_code ignored;
    socket_.close(ignored);
    resolver_.cancel();
    if (on_down_)
        on_down_(reason);
}

void Connection::close() {
    down_ = true;
    error_code ignored;
    socket_.close(ignored);
    resolver_.cancel();
}

} // namespace herald::redis
