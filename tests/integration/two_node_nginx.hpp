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
    // and waits until GET /healthz answers 200 through it. Each proxied
    // stream takes two of the worker's `worker_connections` (client and
    // upstream side).
    explicit NginxServer(const std::vector<std::uint16_t>& herald_ports,
                         unsigned worker_connections = 1024);
    ~NginxServer(); // SIGTERM (fast shutdown), then SIGKILL of master and workers
    NginxServer(const NginxServer&) = delete;
    NginxServer& operator=(const NginxServer&) = delete;

    std::uint16_t port() const { return port_; }
    const std::string& dir() const { return dir_.path(); }
    std::string site() const { return read_file(dir_.file("herald-site.conf")); }
    std::string access_log() const { return read_file(dir_.file("access.log")); }
    std::string error_log() const { return read_file(dir_.file("error.log")); }

private:
    bool launch(const std::vector<std::uint16_t>& herald_ports, unsigned worker_connections);
    void kill_all();

    TempDir dir_{"herald-nginx"};
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> child_;
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
    std::unique_ptr<SseClient> client_;
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
