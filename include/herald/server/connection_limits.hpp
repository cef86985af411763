#pragma once
// Node-wide connection limits, shared by all workers: max_connections (a
// lock-free counter) and max_connections_per_ip (a mutex-protected map from
// client address to count). Both are touched only when a connection opens
// or closes, never on the fan-out path. A map entry is erased when its count
// drops to zero, so the map holds only addresses with open connections.
//
// What counts as the client address: the TCP peer, except for a trusted
// proxy, whose own connections are not counted per address; a stream it
// carries (SSE or WebSocket) counts for the client named by X-Forwarded-For.
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace herald {

class ConnectionLimits;

// What one connection holds; released when it is destroyed. Move-only: it
// travels with the socket from the HTTP session into the stream session.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(ConnectionSlot&& other) noexcept { *this = std::move(other); }
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
    ~ConnectionSlot() { release(); }

    bool holds_connection() const { return limits_ && counted_; }
    // The address this connection counts for; empty if none.
    const std::string& address() const { return address_; }
    // Stops counting for that address, not as a connection: a proxy's
    // keep-alive connection whose long poll has answered may carry another
    // client's request next (admit_address counts that one afresh).
    void forget_address();

private:
    friend class ConnectionLimits;
    void release();

    ConnectionLimits* limits_ = nullptr;
    bool counted_ = false;
    std::string address_;
};

class ConnectionLimits {
public:
    enum class Verdict { admitted, max_connections, max_per_address };

    // 0 for `max_per_address` = no per-address limit. Any thread, any time
    // (a reload): connections already admitted stay.
    void configure(std::size_t max_connections, std::size_t max_per_address);

    // A new TCP connection. `address` is the peer's, or empty for a trusted
    // proxy (counted later, per stream). On refusal `slot` holds nothing.
    Verdict admit(ConnectionSlot& slot, const std::string& address);
    // A stream from a trusted proxy: counts it for the forwarded client.
    // Does nothing for a slot that already counts for an address.
    Verdict admit_address(ConnectionSlot& slot, const std::string& address);

    std::size_t connections() const { return connections_.load(std::memory_order_relaxed); }
    std::size_t max_connections() const { return max_connections_.load(std::memory_order_relaxed); }
    // Open connections counted for `address`, and how many addresses are held.
    std::size_t count(const std::string& address) const;
    std::size_t addresses() const;

private:
    friend class ConnectionSlot;
    bool take_address(const std::string& address);
    void release_address(const std::string& address);

    // Atomic: a reload (SIGHUP, on the main thread) changes them while workers admit.
    std::atomic<std::size_t> max_connections_{0};
    std::atomic<std::size_t> max_per_address_{0};
    std::atomic<std::size_t> connections_{0};
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> per_address_;
};

// Lifts the soft RLIMIT_NOFILE to the hard one: a push server's connections
// are its descriptors, and distributions start processes at a soft 1024.
void raise_descriptor_limit();

// max_connections = 0 means "derive it": the soft RLIMIT_NOFILE minus a
// reserve for what else needs descriptors (listeners, Redis, logs, and the
// sockets that carry 503 answers). Returns the resolved limit.
std::size_t resolve_max_connections(std::size_t configured);

} // namespace herald
