#pragma once
// Accepts connections for one worker. Every worker binds its own acceptor to
// the same address with SO_REUSEPORT, so the kernel spreads connections over
// workers and no socket ever crosses threads.
#include "herald/util/net.hpp"

namespace herald {

class Worker;

class Listener {
public:
    explicit Listener(Worker& worker);
    void open(const tcp::endpoint& endpoint, error_code& ec);
    void start();
    void stop();
    tcp::endpoint local_endpoint() const;

private:
    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    // Takes what else waits in the accept queue, up to a bound, without
    // blocking. False when it hit an error and on_accept_error took over.
    bool accept_waiting();
    // Out of descriptors and the like: pause accepting instead of spinning.
    void on_accept_error(error_code ec);
    // Counts the socket against the connection limits; starts its session, or
    // has it refused (503 / 429).
    void admit(tcp::socket socket);

    Worker& worker_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_timer_;
};

} // namespace herald
