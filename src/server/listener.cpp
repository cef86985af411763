#include "herald/listener.hpp"

#include "herald/http_session.hpp"
#include "herald/worker.hpp"

#include <spdlog/spdlog.h>

namespace herald {

namespace {
using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}

Listener::Listener(Worker& worker)
    : worker_(worker), acceptor_(worker.context()), retry_timer_(worker.context()) {}

void Listener::open(const tcp::endpoint& endpoint, error_code& ec) {
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor_.set_option(reuse_port(true), ec);
    if (!ec)
        acceptor_.bind(endpoint, ec);
    if (!ec)
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
}

tcp::endpoint Listener::local_endpoint() const {
    error_code ec;
    return acceptor_.local_endpoint(ec);
}

void Listener::start() {
    do_accept();
}

void Listener::stop() {
    error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
}

void Listener::do_accept() {
    acceptor_.async_accept(worker_.context(), [this](error_code ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted)
        return; // stopped
    if (ec) {
        // EMFILE and friends: pause instead of spinning; usually transient.
        spdlog::warn("accept: {}", ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](error_code e) {
            if (!e && acceptor_.is_open())
                do_accept();
        });
        return;
    } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<HttpSession>(worker_, std::move(socket))->start();
    }
    if (acceptor_.is_open())
        do_accept();
}

} // namespace herald
