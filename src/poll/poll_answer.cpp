#include "herald/poll/poll_answer.hpp"

#include "herald/wire/json.hpp"
#include "herald/wire/ws_frame.hpp"


namespace herald {

namespace {
constexpr std::string_view open_events = R"({"events":[)";
constexpr std::string_view comma = ",";
} // namespace

PollAnswer::PollAnswer(std::vector<EventPtr> events, std::string_view cursor, bool reset,
                       std::string_view reset_reason, const Head& head,
                       std::optional<std::string_view> disconnect)
    : events_(std::move(events)) {
    tail_ = R"(],"lastEventId":)" + json_quote(cursor);
    if (disconnect) // one reason only: the end of the session outweighs a reset
        tail_ += R"(,"disconnect":true,"reason":)" + json_quote(*disconnect);
    else if (reset)
        tail_ += R"(,"reset":true,"reason":)" + json_quote(reset_reason);
    tail_ += '}';

    body_size_ = open_events.size() + tail_.size();
    for (const auto& event : events_)
        body_size_ += ws::frame_payload(event->ws_frame).size();
    if (!events_.empty())
        body_size_ += events_.size() - 1; // the commas

    // no-store: a cached poll answer would hand a stale cursor to the next poll.
    head_ = "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "Server: herald\r\n";
    head_ += "Content-Length: " + std::to_string(body_size_) + "\r\n";
    head_ += head.keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    if (!head.cors_origin.empty())
        head_ += "Access-Control-Allow-Origin: " + head.cors_origin +
                 "\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n";
    head_ += "\r\n";

    buffers_.reserve(events_.size() * 2 + 3);
    buffers_.emplace_back(head_.data(), head_.size());
    buffers_.emplace_back(open_events.data(), open_events.size());
    for (std::size_t i = 0; i < events_.size(); ++i) {
        if (i > 0)
            buffers_.emplace_back(comma.data(), comma.size());
        const auto payload = ws::frame_payload(events_[i]->ws_frame);
        buffers_.emplace_back(payload.data(), payload.size());
    }
    buffers_.emplace_back(tail_.data(), tail_.size());
}

std::string PollAnswer::body() const {
    std::string out;
    out.reserve(body_size_);
    for (std::size_t i = 1; i < buffers_.size(); ++i)
        out.append(static_cast<const char*>(buffers_[i].data()), buffers_[i].size());
    return out;
}

} // namespace herald
