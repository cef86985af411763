#include "herald/server/flusher.hpp"

#include "herald/server/session.hpp"

namespace herald {

Flusher::Flusher(net::io_context& context, std::chrono::milliseconds interval)
    : context_(context), interval_(interval), timer_(context) {}

void Flusher::mark(Session& session) {
    if (session.dirty_)
        return;
    session.dirty_ = true;
    dirty_.push_back(std::static_pointer_cast<Session>(session.shared_from_this()));
    if (scheduled_)
        return;
    scheduled_ = true;
    if (interval_.count() == 0) {
        net::post(context_, [this] { run(); });
    } else {
        timer_.expires_after(interval_);
        timer_.async_wait([this](error_code) { run(); });
    }
}

void Flusher::run() {
    scheduled_ = false;
    // Swap first: a flush may mark sessions again (a write completing inline).
    running_.swap(dirty_);
    const auto now = Clock::now(); // one clock read for the pass
    for (auto& session : running_) {
        session->dirty_ = false;
        session->flush(now);
    }
    running_.clear();
}

} // namespace herald
