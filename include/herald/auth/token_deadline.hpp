#pragma once
// When a stream's token runs out (README "Token lifetimes"), sans-io so
// that the timing is tested without sockets or waiting.
//
// A token's `exp` is wall-clock time (Unix seconds), sessions keep time on
// the steady clock; arm() converts once, so that a wall clock stepped
// later does not move a connection's end. Each session checks its deadline
// in the worker's sweep (Connection::next_check), on its own thread: no
// timer per connection and nothing touched from elsewhere.
//
//   refresh  (WebSocket) when the client is asked for a new token: 30 s
//            before exp, or half-way through what is left of a shorter
//            token, so that a client handed short tokens is not asked
//            again and again at once;
//   expire   when the stream ends: exp plus `grace` (WebSocket: the
//            leeway, the time the client has to answer; SSE: 0).
#include <chrono>
#include <cstdint>

namespace herald::auth {

class TokenDeadline {
public:
    using Clock = std::chrono::steady_clock;
    enum class Due : std::uint8_t { nothing, refresh, expire };

    static constexpr std::int64_t refresh_lead_seconds = 30;

    // `exp` and `now_unix` are Unix seconds, `now` the same instant on the
    // steady clock. `ask_refresh` = a refresh is due before expiry.
    void arm(std::int64_t exp, std::int64_t grace_seconds, bool ask_refresh,
             std::int64_t now_unix, Clock::time_point now);
    void disarm() { armed_ = false; }
    bool armed() const { return armed_; }

    // What is due at `now`; a refresh is reported once per arm().
    Due check(Clock::time_point now);
    // When check() next has something to say (max when nothing).
    Clock::time_point next() const;

private:
    Clock::time_point refresh_at_ = Clock::time_point::max();
    Clock::time_point expire_at_ = Clock::time_point::max();
    bool armed_ = false;
};

} // namespace herald::auth
