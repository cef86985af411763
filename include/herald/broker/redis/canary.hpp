#pragma once
// Proof that the subscriber connection still delivers, sans-io. A TCP
// connection can stay open while Redis no longer sends on it (a stopped
// server, a half-open link, a subscription lost in a failover), and no socket
// error would ever say so. So every `interval` the bridge PUBLISHes a nonce
// on a node-private channel it is subscribed to, and the nonce must come back
// on the subscriber connection within `timeout`.
//
// The caller publishes the payload send() returns, reports every read on the
// subscriber connection (on_activity) and every message on the canary
// channel (on_echo), and asks check() on a timer what to do.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::redis {

class Canary {
public:
    using Clock = std::chrono::steady_clock;
    using ms = std::chrono::milliseconds;

    struct Decision {
        enum class Kind {
            ok,   // nothing to do
            send, // publish a canary now (send())
            dead, // presumed dead: reconnect, see `reason`
        };
        Kind kind = Kind::ok;
        std::string reason;
    };

    Canary(ms interval, ms timeout) : interval_(interval), timeout_(timeout) {}

    // How often to call check(): a quarter of the shorter of the two, so a
    // late canary is seen within a quarter of its timeout, but between 10 ms
    // and 500 ms.
    static ms check_period(ms interval, ms timeout) {
        return std::clamp(std::min(interval, timeout) / 4, ms{10}, ms{500});
    }

    // A new connection: no canary is due until the handshake sends the first.
    void on_connect();

    // The payload to PUBLISH on the canary channel now. Nonces never repeat,
    // not even across connections, so a late echo cannot pass for a new one.
    std::string send(Clock::time_point now);

    // Bytes arrived on the subscriber connection.
    void on_activity(Clock::time_point now) { activity_ = now; }

    // A message on the canary channel. The round trip when it is the canary
    // awaited (the subscription is proven), nullopt for a stale or foreign
    // payload, which proves nothing.
    std::optional<Clock::duration> on_echo(std::string_view payload, Clock::time_point now);

    Decision check(Clock::time_point now) const;

    bool outstanding() const { return outstanding_; }

private:
    ms interval_;
    ms timeout_;
    std::uint64_t nonce_ = 0;
    bool started_ = false; // a canary went out on this connection
    bool outstanding_ = false;
    Clock::time_point sent_{};
    Clock::time_point next_{};
    Clock::time_point activity_{}; // last bytes on the subscriber connection
};

} // namespace herald::redis
