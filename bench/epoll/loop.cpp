#include "loop.hpp"

#include <cerrno>
#include <cstring>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace epoll_limit {

namespace {

char listen_tag;
char inbox_tag;

// The only two heads a stream gets; built once.
const std::string sse_head = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: text/event-stream\r\n"
                             "Cache-Control: no-cache\r\n"
                             "\r\n";

void check(int rc, const char* what) {
    if (rc < 0)
        throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

} // namespace

Loop::Loop(const sockaddr_in& addr, std::vector<Loop*>& loops)
    : loops_(loops), read_buffer_(64 * 1024) {
    check(epoll_fd_ = epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
    check(event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
    check(listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket");
    int one = 1;
    check(setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "SO_REUSEADDR");
    check(setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), "SO_REUSEPORT");
    check(bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), "bind");
    check(listen(listen_fd_, 4096), "listen");
    epoll_event ev{};
    ev.events = EPOLLIN; // level-triggered: do_accept may stop early
    ev.data.ptr = &listen_tag;
    check(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev), "epoll_ctl listen");
    ev.data.ptr = &inbox_tag;
    check(epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev), "epoll_ctl eventfd");
}

std::uint16_t Loop::port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);
}

void Loop::run() {
    std::vector<epoll_event> events(512);
    for (;;) {
        int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
        for (int i = 0; i < n; ++i) {
            void* tag = events[i].data.ptr;
            if (tag == &listen_tag) {
                do_accept();
            } else if (tag == &inbox_tag) {
                on_inbox();
            } else {
                auto& c = *static_cast<Conn*>(tag);
                if (c.dead)
                    continue; // closed earlier in this pass
                if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    on_readable(c);
                if (!c.dead && (events[i].events & EPOLLOUT) && c.queued > 0 && !c.dirty) {
                    c.dirty = true;
                    dirty_.push_back(&c);
                }
            }
        }
        end_pass();
    }
}

void Loop::do_accept() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                // Out of descriptors: stop polling the listener until a connection closes.
                epoll_event ev{};
                ev.data.ptr = &listen_tag;
                epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
                accept_paused_ = true;
            }
            return; // EAGAIN, or a connection that died in the backlog
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto* c = new Conn;
        c->fd = fd;
        // Edge-triggered: every read and write goes on until EAGAIN.
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = c;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
            ::close(fd);
            delete c;
        }
    }
}

void Loop::on_readable(Conn& c) {
    for (;;) {
        ssize_t n = read(c.fd, read_buffer_.data(), read_buffer_.size());
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            close(c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // EAGAIN: drained
        }
        const char* data = read_buffer_.data();
        auto size = static_cast<std::size_t>(n);
        switch (c.kind) {
        case Conn::Kind::sse:
            break; // an SSE client has nothing to say
        case Conn::Kind::ws:
            if (c.ws.feed(data, size))
                return close_websocket(c);
            break;
        case Conn::Kind::head:
        case Conn::Kind::publisher:
            c.in.append(data, size);
            on_request_bytes(c);
            if (c.dead)
                return;
            break;
        }
    }
}

void Loop::on_request_bytes(Conn& c) {
    std::size_t used = 0;
    while (c.kind == Conn::Kind::head || c.kind == Conn::Kind::publisher) {
        Request r;
        auto rest = std::string_view(c.in).substr(used);
        auto result = parse_request(rest, r);
        if (result == Parse::incomplete)
            break;
        if (result == Parse::bad)
            return reject(c, "400 Bad Request");
        if (r.content_length > max_queued_bytes)
            return reject(c, "413 Content Too Large");
        if (rest.size() - r.head_size < r.content_length)
            break; // the body is still on its way
        if (!on_request(c, r, rest.substr(r.head_size, r.content_length)))
            return;
        used += r.head_size + r.content_length;
    }
    if (c.kind == Conn::Kind::ws && used < c.in.size() &&
        c.ws.feed(c.in.data() + used, c.in.size() - used))
        return close_websocket(c);
    if (c.kind == Conn::Kind::sse || c.kind == Conn::Kind::ws)
        std::string().swap(c.in); // a stream keeps no input buffer
    else
        c.in.erase(0, used);
}

bool Loop::on_request(Conn& c, const Request& r, std::string_view body) {
    if (r.method == "POST" && r.path == "/publish") {
        if (r.chunked || !r.has_length) {
            reject(c, "411 Length Required");
            return false;
        }
        if (r.channel.empty()) {
            reject(c, "400 Bad Request");
            return false;
        }
        static const auto accepted = std::make_shared<const std::string>(
            "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        c.kind = Conn::Kind::publisher;
        publish(r.channel, body);
        enqueue(c, accepted);
        return !c.dead;
    }
    bool stream = r.path == "/events" || r.path == "/ws";
    if (r.method != "GET" || !stream || c.kind != Conn::Kind::head) {
        reject(c, "404 Not Found");
        return false;
    }
    if (r.channel.empty() || (r.path == "/ws" && (!r.upgrade_websocket || r.ws_key.empty()))) {
        reject(c, "400 Bad Request");
        return false;
    }
    start_stream(c, r);
    return !c.dead;
}

void Loop::start_stream(Conn& c, const Request& r) {
    static const auto sse = std::make_shared<const std::string>(sse_head);
    if (r.path == "/events") {
        c.kind = Conn::Kind::sse;
        enqueue(c, sse);
    } else {
        c.kind = Conn::Kind::ws;
        enqueue(c, std::make_shared<const std::string>(
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                       websocket_accept(r.ws_key) + "\r\n\r\n"));
    }
    if (!c.dead)
        subscribe(c, r.channel);
}

void Loop::reject(Conn& c, std::string_view status) {
    // Best effort: a few bytes into an empty socket buffer, then the connection ends.
    std::string response =
        "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    [[maybe_unused]] auto n = send(c.fd, response.data(), response.size(), MSG_NOSIGNAL);
    close(c);
}

void Loop::close_websocket(Conn& c) {
    // A client's close frame is answered by an empty one and the end of the connection.
    static constexpr char close_frame[] = {static_cast<char>(0x88), 0};
    if (c.queued == 0) [[maybe_unused]]
        auto n = send(c.fd, close_frame, sizeof close_frame, MSG_NOSIGNAL);
    close(c);
}

void Loop::close(Conn& c) {
    if (c.dead)
        return;
    c.dead = true;
    unsubscribe(c);
    ::close(c.fd); // also takes it out of the epoll set
    c.out.clear();
    c.queued = 0;
    dead_.push_back(&c); // events of this pass may still name it
    if (accept_paused_) {
        accept_paused_ = false;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = &listen_tag;
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
    }
}

void Loop::end_pass() {
    // One writev per connection for everything queued during the pass.
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
        auto& c = *dirty_[i];
        c.dirty = false;
        if (!c.dead)
            flush(c);
    }
    dirty_.clear();
    for (auto* c : dead_)
        delete c;
    dead_.clear();
}

} // namespace epoll_limit
