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
    c->slow = is_slow(index, config.slow_share);
    ++in_flight;
    error_code ec;
    c->socket.open(tcp::v4(), ec);
    if (!ec && c->slow) {
        // Before connect(), so the advertised window stays small: the server's
        // writes to a slow consumer back up after a few KiB.
        int size = static_cast<int>(config.slow_rcvbuf);
        ::setsockopt(c->socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
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
    connected.fetch_add(1, std::memory_order_relaxed);
    last_connect_ns = steady_ns();
    c->socket.non_blocking(true, ec);
    c->carry = request_for(config, c->transport, c->index);
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
        std::size_t fresh = n;
        if (c->chunked)
            fresh = dechunk(scratch.data() + pre, n, c->chunk);
        consume(c, scratch.data(), pre + fresh);
        if (c->state == State::done || c->paused)
            return; // a paused slow consumer is not read until resume_slow()
        if (pre + n < scratch.size())
            break; // the socket is drained
    }
    wait_read(c);
}

void Lane::consume(Conn* c, char* data, std::size_t n) {
    const bool carried = !c->carry.empty();
    if (carried)
        c->carry.append(data, n);
    char* base = carried ? c->carry.data() : data;
    std::size_t size = carried ? c->carry.size() : n;
    std::size_t used = 0;
    if (c->state == State::head) {
        auto head = parse_head({base, size}, c->transport);
        if (!head.complete) {
            if (size > 16384)
                return fail(c, "response head too large");
            if (!carried)
                c->carry.assign(base, size);
            return;
        }
        if (!head.ok)
            return fail(c, "status: " + head.status_line);
        used = head.body_offset;
        if (head.chunked && c->transport == Transport::sse) {
            c->chunked = true;
            size = used + dechunk(base + used, size - used, c->chunk);
            if (carried)
                c->carry.resize(size);
        }
        c->state = State::waiting;
        if (!config.profile->herald)
            on_subscribed(c); // no confirmation to wait for: the head is all there is
    }
    std::string_view in(base, size);
    StreamEvents ev;
    ev.now_ns = steady_ns();
    ev.latency = config.latency && !c->slow ? &latency : nullptr;
    ev.raw = !config.profile->herald;
    ev.not_before_ns = config.not_before_ns;
    auto rest = in.substr(used);
    used += c->transport == Transport::sse ? parse_sse(rest, ev) : parse_ws(rest, ev);
    if (carried)
        c->carry.erase(0, used);
    else
        c->carry.assign(in.substr(used));
    if (c->carry.empty() && c->carry.capacity() > 15)
        std::string().swap(c->carry); // an idle connection keeps no buffer
    record(c, ev);
    if (!ev.pong.empty()) {
        error_code ignored; // best effort: a 6-byte pong on an idle socket
        c->socket.write_some(net::buffer(ev.pong), ignored);
    }
    if (ev.subscribed && c->state == State::waiting)
        on_subscribed(c);
    if (ev.protocol_error)
        return fail(c, "websocket protocol error");
    if (ev.closed)
        return fail(c, "websocket close frame");
}

void Lane::record(Conn* c, const StreamEvents& ev) {
    if (ev.other)
        other.fetch_add(ev.other, std::memory_order_relaxed);
    if (ev.resets) {
        resets.fetch_add(ev.resets, std::memory_order_relaxed);
        announced.fetch_add(ev.announced, std::memory_order_relaxed);
        c->announced += ev.announced;
    }
    stale += ev.stale;
    if (!ev.deliveries)
        return;
    if (c->slow) {
        slow_received += ev.deliveries;
        return;
    }
    received.fetch_add(ev.deliveries, std::memory_order_relaxed);
    c->received += ev.deliveries;
    last_delivery_ns = ev.now_ns;
    if (!c->first_seen) {
        c->first_seen = true;
        if (config.start_ns)
            first_event.record(ev.now_ns > config.start_ns ? ev.now_ns - config.start_ns : 0);
        firsts.fetch_add(1, std::memory_order_relaxed);
    }
}

void Lane::on_subscribed(Conn* c) {
    c->state = State::live;
    last_subscribe_ns = steady_ns();
    subscribed.fetch_add(1, std::memory_order_relaxed);
    if (c->slow && !resumed)
        c->paused = true;
    --in_flight;
    launch();
}

void Lane::resume_slow() {
    resumed = true;
    for (auto& c : conns)
        if (c->paused && c->state != State::done) {
            c->paused = false;
            wait_read(c.get());
        }
}

void Lane::fail(Conn* c, const std::string& reason) {
    if (c->state == State::done)
        return;
    const bool was_live = c->state == State::live;
    c->state = State::done;
    error_code ignored;
    c->socket.close(ignored);
    std::string().swap(c->carry);
    if (was_live && c->slow) {
        slow_closed.fetch_add(1, std::memory_order_relaxed);
        ++errors["slow consumer, after subscribe: " + reason];
        return;
    }
    if (was_live) {
        dropped.fetch_add(1, std::memory_order_relaxed);
        cut_indices.push_back(c->index);
        cut_received += c->received;
        cut_announced += c->announced;
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
        } else if (c->slow) {
            ++slow_open;
        }
        c->state = State::done;
        c->socket.close(ignored);
    }
    work.reset();
}

} // namespace bench
