#include "herald/server/session.hpp"

#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"

#include <algorithm>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace herald {

namespace {
std::string endpoint_string(const tcp::socket& socket) {
    error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec)
        return "?";
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}
} // namespace

Session::Session(Worker& worker, Transport transport, tcp::socket socket)
    : Connection(worker, transport), socket_(std::move(socket)),
      outbox_(worker.config().max_queued_bytes), last_write_(Clock::now()),
      peer_(endpoint_string(socket_)) {}

Session::~Session() {
    worker_.unsubscribe_all(*this);
    note_dequeued(outbox_.unsent_bytes());
}

const auth::Identity& Session::identity() const {
    static const auth::Identity anonymous;
    return identity_ ? *identity_ : anonymous;
}

bool Session::is_subscribed(const std::string& channel) const {
    return std::any_of(subscriptions_.begin(), subscriptions_.end(),
                       [&](const Subscription& s) { return s.channel == channel; });
}

void Session::deliver(const EventPtr& event) {
    // A live event is as late as it has been in herald, hub and worker
    // queues included: no clock is read per recipient.
    queue_event(event, event->published_at);
}

void Session::queue_replay(const std::vector<EventPtr>& events) {
    const auto now = Clock::now();
    for (const auto& event : events)
        queue_event(event, now);
}

void Session::queue_event(const EventPtr& event, Clock::time_point since) {
    const std::string& bytes = encoding(*event);
    // Aliasing constructor: the buffer shares ownership of the whole event,
    // so no recipient copies the bytes.
    if (enqueue(SharedBuffer(event, &bytes), event.get(), false, since))
        worker_.stats().events_delivered[static_cast<std::size_t>(transport())].add();
}

bool Session::queue(SharedBuffer buffer, bool force) {
    return enqueue(std::move(buffer), nullptr, force);
}

bool Session::enqueue(SharedBuffer buffer, const Event* event, bool force,
                      Clock::time_point since) {
    if (closing_ || (slow_ && !force))
        return false;
    std::size_t n = buffer->size();
    const auto pushed = outbox_.push(std::move(buffer), event, force, since);
    if (pushed.result == QueueResult::over_limit) {
        // Replies to a client that sends but never reads count too: nothing
        // that a peer can make us queue is unbounded.
        slow_ = true;
        worker_.stats().slow_consumers[static_cast<std::size_t>(transport())].add();
        spdlog::warn("slow consumer {} ({}): {} bytes unsent, disconnecting", peer_,
                     transport_name(transport()), outbox_.unsent_bytes());
        // Deferred: the shard may be iterating over us right now.
        net::post(worker_.context(),
                  [self = shared_from_this()] { static_cast<Session&>(*self).on_slow_consumer(); });
        return false;
    }
    note_queued(n);
    if (pushed.freed_bytes > 0) {
        // What the policies of the queued events let go to make room.
        auto& stats = worker_.stats();
        stats.events_dropped[static_cast<std::size_t>(SlowConsumer::drop_oldest)].add(
            pushed.dropped);
        stats.events_dropped[static_cast<std::size_t>(SlowConsumer::latest)].add(pushed.replaced);
        note_dequeued(pushed.freed_bytes);
    }
    worker_.flusher().mark(*this);
    return true;
}

void Session::drop_stale(Clock::time_point now) {
    const auto max_age = worker_.config().max_queued_age;
    if (max_age.count() == 0)
        return;
    const auto shed = outbox_.drop_stale(now - max_age);
    if (shed.dropped == 0)
        return;
    worker_.stats().stale_events_dropped.add(shed.dropped);
    note_dequeued(shed.freed_bytes);
}

void Session::flush(Clock::time_point now) {
    if (outbox_.writing() || !socket_.is_open())
        return;
    // Checked when a write can start, not per event: a session that keeps up
    // has an empty queue here, and one with a write in flight is checked
    // when it completes.
    drop_stale(now);
    if (!outbox_.has_output())
        return;
    // Events were dropped since the last write: the client learns it from a
    // marker in front of the next event it gets.
    SharedBuffer marker;
    if (outbox_.unreported_drops() > 0)
        marker = gap_marker(outbox_.unreported_drops());
    const std::size_t before = outbox_.unsent_bytes();
    auto batch = outbox_.begin_write(std::move(marker));
    note_queued(outbox_.unsent_bytes() - before);
    net::async_write(socket_, batch,
                     [self = std::static_pointer_cast<Session>(shared_from_this())](
                         error_code ec, std::size_t) { self->on_write(ec); });
}

void Session::on_write(error_code ec) {
    std::size_t before = outbox_.unsent_bytes();
    worker_.stats().observe_batch(outbox_.end_write());
    note_dequeued(before - outbox_.unsent_bytes());
    last_write_ = Clock::now();
    if (ec) {
        close_now(); // the peer is gone; nothing more can be written
        return;
    }
    if (outbox_.has_output()) {
        // What arrived while this write was in flight goes out as one batch.
        if (worker_.config().flush_interval.count() == 0)
            flush();
        else
            worker_.flusher().mark(*this);
        return;
    }
    if (closing_) {
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
    }
}

void Session::close_after_flush() {
    if (closing_)
        return;
    closing_ = true;
    // The sweep ends whatever a silent peer leaves hanging.
    next_check_ = Clock::now() + std::min(worker_.config().shutdown_timeout, Millis{5000});
    if (!outbox_.writing() && !outbox_.has_output()) {
        error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
    } else {
        flush();
    }
}

void Session::close_now() {
    closing_ = true;
    error_code ignored;
    socket_.close(ignored);
}

void Session::discard_queued() {
    std::size_t before = outbox_.unsent_bytes();
    outbox_.discard_pending();
    note_dequeued(before - outbox_.unsent_bytes());
}

void Session::start_reading() {
    error_code ec;
    socket_.non_blocking(true, ec); // on_readable reads what is there, never waits
    do_wait_read();
}

void Session::do_wait_read() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = std::static_pointer_cast<Session>(shared_from_this())](
                           error_code ec) { self->on_readable(ec); });
}

void Session::on_readable(error_code ec) {
    if (ec || !still_reading())
        return; // closed by us
    char scratch[4096];
    std::size_t n = socket_.read_some(net::buffer(scratch), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
        do_wait_read();
        return;
    }
    if (ec || n == 0) {
        spdlog::debug("{} close {}: {}", transport_name(transport()), peer_,
                      ec ? ec.message() : "eof");
        close_now();
        return;
    }
    on_input({scratch, n});
    if (still_reading())
        do_wait_read();
}

void Session::note_queued(std::size_t bytes) {
    worker_.stats().queued_bytes.add(bytes);
}

void Session::note_dequeued(std::size_t bytes) {
    worker_.stats().queued_bytes.sub(bytes);
}

bool Session::is_pending(const std::string& channel) const {
    return std::find(pending_.begin(), pending_.end(), channel) != pending_.end();
}

bool Session::take_pending(const std::string& channel) {
    auto it = std::find(pending_.begin(), pending_.end(), channel);
    if (it == pending_.end())
        return false;
    pending_.erase(it);
    return true;
}

void Session::subscribe(std::vector<std::string> channels,
                        std::optional<std::string> last_event_id) {
    pending_.insert(pending_.end(), channels.begin(), channels.end());
    worker_.subscribe(std::static_pointer_cast<Session>(shared_from_this()), std::move(channels),
                      std::move(last_event_id));
}

void Session::unsubscribe(const std::string& channel) {
    // A request still on its way to the hub is withdrawn: when its answer
    // comes, the worker finds it no longer pending and undoes it there.
    while (take_pending(channel)) {
    }
    worker_.unsubscribe(*this, channel);
}

bool Session::admin_unsubscribe(const std::string& channel) {
    if (closing_ || (!is_subscribed(channel) && !is_pending(channel)))
        return false;
    unsubscribe(channel);
    if (auto notice = unsubscribed_notice(channel))
        queue(std::move(notice));
    return true;
}

std::vector<std::string> Session::channel_names() const {
    std::vector<std::string> names;
    for (const auto& s : subscriptions_)
        names.push_back(s.channel);
    for (const auto& channel : pending_)
        if (std::find(names.begin(), names.end(), channel) == names.end())
            names.push_back(channel);
    return names;
}

void Session::arm_token_deadline(std::int64_t exp, bool ask_refresh) {
    const auto& config = worker_.config();
    if (exp == 0 || !config.enforce_token_expiry || worker_.access().insecure()) {
        token_deadline_.disarm();
        return;
    }
    const std::int64_t grace =
        ask_refresh ? std::chrono::duration_cast<std::chrono::seconds>(config.jwt_leeway).count()
                    : 0;
    const std::int64_t now_unix = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
    token_deadline_.arm(exp, grace, ask_refresh, now_unix, Clock::now());
    next_check_ = std::min(next_check_, token_deadline_.next());
}

} // namespace herald
