#pragma once
// The next layer under Beast's websocket::stream. Beast reads through it
// (handshake, frames, control frames), but it never writes to the socket
// itself: whatever Beast writes (the 101 response, pongs, close frames) is
// queued in the session's outbox, so that every byte leaves through the one
// gather write in flight, together with pre-encoded event frames. Beast's
// rule of one write at a time thus holds without a second queue.
#include "herald/util/net.hpp"
#include "herald/server/outbox.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <memory>

namespace herald {

class OutboxStream {
public:
    using executor_type = tcp::socket::executor_type;
    using next_layer_type = tcp::socket;
    using lowest_layer_type = tcp::socket;

    // The session under the stream: where Beast's bytes go, and who hears
    // that Beast is done. A typed interface, so that the stream cannot be
    // handed the wrong object. Not for deleting through.
    class Owner {
    public:
        // Queues the bytes in the owner's outbox.
        virtual void queue_control(SharedBuffer bytes) = 0;
        // Beast is done with the connection (after a close frame).
        virtual void end_after_close_frame() = 0;

    protected:
        ~Owner() = default;
    };

    OutboxStream(tcp::socket& socket, Owner& owner) : socket_(&socket), owner_(&owner) {}

    executor_type get_executor() noexcept { return socket_->get_executor(); }
    tcp::socket& next_layer() noexcept { return *socket_; }
    const tcp::socket& next_layer() const noexcept { return *socket_; }
    tcp::socket& lowest_layer() noexcept { return *socket_; }

    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return socket_->async_read_some(buffers, std::forward<Handler>(handler));
    }

    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return net::async_initiate<Handler, void(error_code, std::size_t)>(
            [this](auto h, const ConstBuffers& b) {
                auto bytes =
                    std::make_shared<const std::string>(boost::beast::buffers_to_string(b));
                std::size_t n = bytes->size();
                owner_->queue_control(std::move(bytes));
                // Complete as written: the outbox owns the bytes now. Posted, as
                // an async operation must not complete inside its initiation.
                net::post(socket_->get_executor(),
                          boost::beast::bind_front_handler(std::move(h), error_code{}, n));
            },
            handler, buffers);
    }

    void teardown() { owner_->end_after_close_frame(); }

private:
    tcp::socket* socket_;
    Owner* owner_;
};

// Found by argument-dependent lookup from Beast's close and read operations.
inline void teardown(boost::beast::role_type, OutboxStream& stream, error_code& ec) {
    stream.teardown();
    ec = {};
}

template <class Handler>
void async_teardown(boost::beast::role_type, OutboxStream& stream, Handler&& handler) {
    stream.teardown();
    net::post(stream.get_executor(),
              boost::beast::bind_front_handler(std::forward<Handler>(handler), error_code{}));
}

} // namespace herald
