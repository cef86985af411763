#pragma once
// nginx in front of several herald nodes, configured by the site file the
// project ships (config/nginx/herald.conf) rendered for the test's ports, and
// an EventSource-like client that reconnects through it the way a browser does.
#include "redis_server.hpp"

#include <deque>
#include <memory>

namespace herald_test {

// config/nginx/herald.conf of the source tree.
std::string shipped_nginx_site_path();

// The shipped site with its one upstream "server 127.0.0.1:8080 ...;" line
// replaced by one line per herald port (same parameters), "listen 80;" by
// "listen 127.0.0.1:<listen_port>;" and the server_name by 127.0.0.1. Throws
// if the shipped file does not have exactly one of each, so that a change of
// its shape fails loudly instead of testing something else.
std::string render_nginx_site(const std::string& shipped,
                              const std::vector<std::uint16_t>& herald_ports,
                              std::uint16_t listen_port);

class NginxServer {
public:
    // Renders the site and a main nginx.conf (daemon off; pid, logs and temp
    // paths in a private world-readable temp dir), runs
    // `nginx -p DIR -c DIR/nginx.conf` on a free port (retrying on a clash)
    // and waits until GET /healthz answers 200 through it.
    explicit NginxServer(const std::vector<std::uint16_t>& herald_ports);
    ~NginxServer(); // SIGTERM (fast shutdown), then SIGKILL of master and workers
    NginxServer(const NginxServer&) = delete;
    NginxServer& operator=(const NginxServer&) = delete;

    std::uint16_t port() const { return port_; }
    const std::string& dir() const { return dir_.path(); }
    std::string site() const { return read_file(dir_.file("herald-site.conf")); }
    std::string access_log() const { return read_file(dir_.file("access.log")); }
    std::string error_log() const { return read_file(dir_.file("error.log")); }

private:
    bool launch(const std::vector<std::uint16_t>& herald_ports);
    void kill_all();

    TempDir dir_{"herald-nginx"};
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> child_;
};

// One GET of an event stream, as a browser's fetch sees it: the body is
// decoded according to the response's framing (nginx re-frames herald's
// close-delimited stream as chunked and keeps the client connection open
// after the last chunk, so "the stream ended" is the terminating chunk, not
// the end of the connection). SseClient reads raw bytes and cannot tell.
class EventStream {
public:
    // Sends the request; returns once a 200 stream's "retry:" field arrived
    // (herald sends it once the subscription is live) or a non-200 head came.
    // Throws on network errors and timeouts.
    EventStream(std::uint16_t port, const std::string& target, const Headers& headers,
                Millis timeout = kTimeout);

    unsigned status() const { return status_; }
    std::string header(const std::string& name) const { return headers_.get(name); }
    const std::string& body_prefix() const { return body_prefix_; }
    std::optional<long long> retry() const { return parser_.retry(); }
    // The next event; nullopt on timeout or once the body ended (ended()).
    std::optional<SseEvent> next_event(Millis timeout);
    bool ended() const { return ended_; }

private:
    void pump(Millis timeout);
    void feed_body(std::string_view bytes);

    TimedSocket socket_;
    unsigned status_ = 0;
    HeaderMap headers_;
    std::string body_prefix_;
    SseParser parser_;
    bool ended_ = false;
    // Framing of the body.
    enum class Framing { close_delimited, length, chunked } framing_ = Framing::close_delimited;
    std::uint64_t remaining_ = 0; // length: body bytes left; chunked: bytes left of this chunk
    enum class ChunkState { size, data, data_crlf, trailer } chunk_state_ = ChunkState::size;
    std::string chunk_line_;
};

// Like the browser's EventSource: when the stream ends or the connection
// fails, it waits the stream's "retry" time and connects again to the same
// URL, sending Last-Event-ID; a non-200 answer makes it give up for good.
class EventSourceClient {
public:
    // Connects (one attempt; throws on failure, like the initial SseClient).
    EventSourceClient(std::uint16_t port, std::string target, Headers headers = {},
                      Millis timeout = kTimeout);

    // The next event, reconnecting as often as needed; nullopt on timeout or
    // once it gave up (failed()).
    std::optional<SseEvent> next_event(Millis timeout = kTimeout);
    // Reads (keeping events for next_event) until the `count`-th connection
    // is live, i.e. until it has reconnected count - 1 times.
    bool wait_connections(std::size_t count, Millis timeout);

    std::size_t connections() const { return connections_; }
    bool connected() const { return client_ != nullptr && !client_->ended(); }
    bool failed() const { return failed_; }
    const std::string& last_event_id() const { return last_event_id_; }
    // Last-Event-ID sent on each reconnection, in order.
    const std::vector<std::string>& resumed_from() const { return resumed_from_; }
    const std::string& last_error() const { return last_error_; }

private:
    // Advances the connection state until `deadline` at most: waits for the
    // next attempt, connects when due, or reads one event into pending_.
    void step(std::chrono::steady_clock::time_point deadline);
    bool try_connect(Millis timeout);

    std::uint16_t port_;
    std::string target_;
    Headers headers_;
    std::unique_ptr<EventStream> client_;
    std::deque<SseEvent> pending_;
    std::string last_event_id_;
    std::vector<std::string> resumed_from_;
    Millis retry_{3000};
    std::chrono::steady_clock::time_point next_attempt_{};
    std::size_t connections_ = 0;
    bool failed_ = false;
    std::string last_error_;
};

} // namespace herald_test
