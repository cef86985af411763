#pragma once
// A subscriber connection (SSE or WebSocket): owns the socket, the bounded
// outbox and the list of channels it is registered for in its worker's shard.
#include "herald/auth/access_policy.hpp"
#include "herald/auth/token_deadline.hpp"
#include "herald/hub/event.hpp"
#include "herald/server/connection.hpp"
#include "herald/server/outbox.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

struct Subscription {
    std::string channel;
    std::uint32_t slot;    // index in the shard's subscriber vector, for O(1) removal
    bool presence = false; // the hub counts this connection in the channel's presence
};

class Session : public Connection {
public:
    Session(Worker& worker, Transport transport, tcp::socket socket);
    ~Session() override;

    // Fan-out entry point: queues the event's shared encoding. Never closes or
    // unregisters synchronously, so the shard may call it while iterating.
    // Virtual for the long poll, which gathers events into one answer.
    virtual void deliver(const EventPtr& event);
    // Called by the worker's flusher: starts one gather write of everything
    // queued, less the events that waited longer than max_queued_age.
    void flush(Clock::time_point now = Clock::now());

    // Called by the worker once the hub has registered `channels` for this
    // session. `replay` holds missed events when the client resumed.
    // `position` is where the subscription went live, "@<boot>-<seq>"
    // (poll_cursor.hpp): a resume point before the client has any event id.
    virtual void on_subscribed(const std::vector<std::string>& channels, bool reset,
                               const std::string& reset_reason, const std::vector<EventPtr>& replay,
                               const std::string& position) = 0;

    void abort() override { close_now(); }

    std::vector<Subscription>& subscriptions() { return subscriptions_; }
    bool is_subscribed(const std::string& channel) const;
    // Requested from the hub and not yet answered (a channel may appear twice).
    bool is_pending(const std::string& channel) const;
    std::size_t channel_count() const { return subscriptions_.size() + pending_.size(); }
    // Every channel subscribed or requested, once each.
    std::vector<std::string> channel_names() const;
    // Consumes one pending request for `channel`; false if it was withdrawn.
    bool take_pending(const std::string& channel);
    // Who the upgrade gate let in: decides subscribe and publish messages, and
    // is who presence shows (Identity::id(), info). Anonymous until set.
    void set_identity(std::shared_ptr<const auth::Identity> identity) {
        identity_ = std::move(identity);
    }
    const auth::Identity& identity() const;
    const std::string& peer() const { return peer_; }
    // The client's address as a trusted proxy reported it (for logs).
    void set_peer(std::string peer) { peer_ = std::move(peer); }
    bool closing() const { return closing_; }
    // When the stream began, for GET /admin/connections.
    std::chrono::system_clock::time_point opened() const { return opened_; }

    // The Admin API (README "Admin API"), on the worker's thread. Ends the
    // session the transport's way of saying "do not reconnect" (WS close
    // 4002, SSE "event: disconnect", a poll answer with "disconnect":true).
    virtual void admin_disconnect(const std::string& reason) = 0;
    // Leaves `channel` and tells the client; false if not subscribed to it.
    bool admin_unsubscribe(const std::string& channel);

protected:
    virtual const std::string& encoding(const Event& event) const = 0;
    // The client cannot keep up; the subclass ends the stream its own way.
    virtual void on_slow_consumer() = 0;
    // What tells the client that `dropped` events of drop_oldest channels
    // were dropped before the next event it gets.
    virtual SharedBuffer gap_marker(std::size_t dropped) const = 0;
    // What tells the client that the Admin API took `channel` away; null
    // when the transport has nothing to say it with (the long poll).
    virtual SharedBuffer unsubscribed_notice(const std::string& channel) const = 0;

    // Queues a resume's missed events, which age from now rather than from
    // when they were published.
    void queue_replay(const std::vector<EventPtr>& events);
    // Queues bytes within max_queued_bytes; beyond it the session becomes a
    // slow consumer and false is returned. `force` is for the final close frame.
    bool queue(SharedBuffer buffer, bool force = false);
    // Stops accepting events, lets what is in flight finish, then closes.
    void close_after_flush();
    // Closes the socket now; pending operations complete with operation_aborted.
    void close_now();
    // Drops what has not started writing (a slow consumer's backlog).
    void discard_queued();

    // Reads what the peer sends, for as long as the session lasts. An idle
    // session waits for readability with no buffer; what arrives is read
    // into the stack and handed to on_input at once. End of stream or a read
    // error closes the session.
    void start_reading();
    virtual void on_input(std::string_view bytes) = 0;
    // Whether reading goes on once closing. SSE reads on, to learn at once
    // that the client hung up; WS stops, so that a peer's end of stream
    // cannot cut off the close frame still queued for it.
    virtual bool reads_while_closing() const { return false; }

    void subscribe(std::vector<std::string> channels, std::optional<std::string> last_event_id);
    void unsubscribe(const std::string& channel);

    // Starts (or moves) the token deadline for a token expiring at `exp`
    // (Unix seconds): WS with `ask_refresh`, ending at exp + jwt_leeway;
    // SSE without, ending at exp. No-op without a token (exp 0), with
    // enforce_token_expiry off, or in insecure mode, where tokens are optional.
    void arm_token_deadline(std::int64_t exp, bool ask_refresh);
    auth::TokenDeadline token_deadline_;

    tcp::socket socket_;
    Outbox outbox_;
    Clock::time_point last_write_;

private:
    // `event` is null for control frames (see Outbox::push).
    bool enqueue(SharedBuffer buffer, const Event* event, bool force,
                 Clock::time_point since = Clock::time_point::max());
    void queue_event(const EventPtr& event, Clock::time_point since);
    // max_queued_age: drops what waited too long, and counts it.
    void drop_stale(Clock::time_point now);
    void do_wait_read();
    void on_readable(error_code ec);
    bool still_reading() const { return !closing_ || reads_while_closing(); }
    void on_write(error_code ec);
    // herald_queued_bytes follows the outbox: bytes accepted, and bytes that
    // left it (written, discarded, or dropped with the session).
    void note_queued(std::size_t bytes);
    void note_dequeued(std::size_t bytes);

    std::vector<Subscription> subscriptions_;
    std::vector<std::string> pending_;
    std::shared_ptr<const auth::Identity> identity_;
    std::string peer_;
    std::chrono::system_clock::time_point opened_ = std::chrono::system_clock::now();
    bool closing_ = false;
    bool slow_ = false;
    bool dirty_ = false;
    friend class Flusher;
};

} // namespace herald
