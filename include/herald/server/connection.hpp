#pragma once
// Base of every accepted connection: it sits in its worker's list so that one
// per-worker sweep timer serves all handshake, heartbeat and close deadlines,
// instead of one timer per connection.
#include "herald/server/connection_limits.hpp"
#include "herald/metrics/metrics.hpp"
#include "herald/util/net.hpp"

#include <boost/intrusive/list.hpp>
#include <chrono>
#include <memory>

namespace herald {

class Worker;

using ConnectionHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class Connection : public ConnectionHook, public std::enable_shared_from_this<Connection> {
public:
    Connection(Worker& worker, Transport transport);
    virtual ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Transport transport() const { return transport_; }
    // When the sweep must next call on_sweep().
    Clock::time_point next_check() const { return next_check_; }

    virtual void on_sweep(Clock::time_point now) = 0;
    // The drain (README "Drain and reload") reaches this connection: WS close
    // 1012, SSE "retry: <sse_retry>" then the end, a poll answered, HTTP
    // closed. Once per connection: the drain's last slice sweeps every
    // connection again, including those already told.
    void shutdown(std::chrono::milliseconds sse_retry) {
        if (shutdown_sent_)
            return;
        shutdown_sent_ = true;
        on_shutdown(sse_retry);
    }
    // Closes the socket at once (worker teardown).
    virtual void abort() = 0;

    // The connection limits this socket counts against; they move with the
    // socket when an HTTP session hands it over to a stream session.
    ConnectionSlot& slot() { return slot_; }
    void adopt_slot(ConnectionSlot&& slot) { slot_ = std::move(slot); }

protected:
    virtual void on_shutdown(std::chrono::milliseconds sse_retry) = 0;

    Worker& worker_;
    Clock::time_point next_check_ = Clock::time_point::max();
    ConnectionSlot slot_;

private:
    Transport transport_;
    bool shutdown_sent_ = false;
};

using ConnectionList =
    boost::intrusive::list<Connection, boost::intrusive::constant_time_size<false>>;

} // namespace herald
