#include "lane.hpp"

#include "stream_parser.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <netinet/in.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace bench {

void Lane::launch() {
    while (in_flight < cap && next < indices.size())
        open(indices[next++]);
}

void Lane::open(std::uint32_t index) {
    conns.push_back(std::make_unique<Conn>(ctx));
    Conn* c = conns.back().get();
    c->index = index;
    c->transport =
        config.alternate ? (index % 2 ? Transport::ws : Transport::sse) : config.transport;
    ++in_flight;
    error_code ec;
    c->socket.open(tcp::v4(), ec);
    if (!ec) {
        // The port is chosen at connect(), per destination: 28k ports per source address.
        int one = 1;
        ::setsockopt(c->socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
                     sizeof one);
        auto source = net::ip::address_v4(0x7F000001u + index % 254u); // 127.0.0.1 .. 127.0.0.254
        c->socket.bind(tcp::endpoint(source, 0), ec);
    }
    if (ec) { // deferred: failing here would recurse into launch()
        net::post(ctx, [this, c, msg = "socket: " + ec.message()] { fail(c, msg); });
        return;
    }
    c->socket.async_connect(server, [this, c](error_code e) { on_connect(c, e); });
}

void Lane::on_connect(Conn* c, error_code ec) {
    if (c->state == State::done)
        return;
    if (ec)
        return fail(c, "connect: " + ec.message());
    c->socket.non_blocking(true, ec);
    const std::string host = config.host + ":" + std::to_string(config.port);
    const std::string channel = channel_name(config, c->index);
    if (c->transport == Transport::sse)
        c->carry = "GET /events?channel=" + channel + " HTTP/1.1\r\nHost: " + host +
                   "\r\nAccept: text/event-stream\r\n\r\n";
    else
        c->carry =
            "GET /ws?channel=" + channel + " HTTP/1.1\r\nHost: " + host +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    net::async_write(c->socket, net::buffer(c->carry), [this, c](error_code e, std::size_t) {
        if (c->state == State::done)
            return;
        if (e)
            return fail(c, "write: " + e.message());
        std::string().swap(c->carry);
        c->state = State::head;
        wait_read(c);
    });
}

void Lane::wait_read(Conn* c) {
    c->socket.async_wait(Socket::wait_read, [this, c](error_code ec) { on_readable(c, ec); });
}

void Lane::on_readable(Conn* c, error_code ec) {
    if (c->state == State::done)
        return;
    if (ec)
        return fail(c, "wait: " + ec.message());
    for (;;) {
        // A partial message left from the last read (usually under 200 bytes)
        // goes in front of the new bytes, so the stream is parsed in place
        // instead of appending every 64 KiB read to the connection's string.
        std::size_t pre = 0;
        if (!c->carry.empty() && c->carry.size() <= scratch.size() / 2) {
            pre = c->carry.size();
            std::memcpy(scratch.data(), c->carry.data(), pre);
        }
        std::size_t n =
            c->socket.read_some(net::buffer(scratch.data() + pre, scratch.size() - pre), ec);
        if (ec == net::error::would_block || ec == net::error::try_again)
            break;
        if (ec)
            return fail(c, ec == net::error::eof ? std::string("closed by server")
                                                 : "read: " + ec.message());
        if (pre)
            c->carry.clear();
        consume(c, {scratch.data(), pre + n});
        if (c->state == State::done)
            return;
        if (pre + n < scratch.size())
            break; // the socket is drained
    }
    wait_read(c);
}

void Lane::consume(Conn* c, std::string_view data) {
    const bool carried = !c->carry.empty();
    if (carried)
        c->carry.append(data);
    std::string_view in = carried ? std::string_view(c->carry) : data;
    std::size_t used = 0;
    if (c->state == State::head) {
        auto head = parse_head(in, c->transport);
        if (!head.complete) {
            if (in.size() > 16384)
                return fail(c, "response head too large");
            if (!carried)
                c->carry.assign(in);
            return;
        }
        if (!head.ok)
            return fail(c, "status: " + head.status_line);
        used = head.body_offset;
        c->state = State::waiting;
    }
    StreamEvents ev;
    ev.now_ns = steady_ns();
    ev.latency = config.latency ? &latency : nullptr;
    auto rest = in.substr(used);
    used += c->transport == Transport::sse ? parse_sse(rest, ev) : parse_ws(rest, ev);
    if (carried)
        c->carry.erase(0, used);
    else
        c->carry.assign(in.substr(used));
    if (c->carry.empty() && c->carry.capacity() > 15)
        std::string().swap(c->carry); // an idle connection keeps no buffer
    if (ev.deliveries) {
        received.fetch_add(ev.deliveries, std::memory_order_relaxed);
        last_delivery_ns = ev.now_ns;
    }
    if (ev.other)
        other.fetch_add(ev.other, std::memory_order_relaxed);
    if (!ev.pong.empty()) {
        error_code ignored; // best effort: a 6-byte pong on an idle socket
        c->socket.write_some(net::buffer(ev.pong), ignored);
    }
    if (ev.subscribed && c->state == State::waiting) {
        c->state = State::live;
        subscribed.fetch_add(1, std::memory_order_relaxed);
        --in_flight;
        launch();
    }
    if (ev.protocol_error)
        return fail(c, "websocket protocol error");
    if (ev.closed)
        return fail(c, "websocket close frame");
}

void Lane::fail(Conn* c, const std::string& reason) {
    if (c->state == State::done)
        return;
    const bool was_live = c->state == State::live;
    c->state = State::done;
    error_code ignored;
    c->socket.close(ignored);
    std::string().swap(c->carry);
    if (was_live) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        ++errors["after subscribe: " + reason];
        return;
    }
    failed.fetch_add(1, std::memory_order_relaxed);
    ++errors[reason];
    failed_indices.push_back(c->index);
    --in_flight;
    launch();
}

void Lane::close_all() {
    next = indices.size(); // open nothing more
    error_code ignored;
    for (auto& c : conns) {
        if (c->state == State::done)
            continue;
        if (c->state != State::live) {
            ++errors["unfinished at stop"];
            failed_indices.push_back(c->index);
        }
        c->state = State::done;
        c->socket.close(ignored);
    }
    work.reset();
}

} // namespace bench
