#include "sse_client.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace herald_test {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kPrefixLimit = 64 << 10;

} // namespace

SseClient::SseClient(std::uint16_t port, const std::string& target, const Headers& headers,
                     Millis timeout)
    : socket_(port, 0, timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    for (const auto& [name, value] : headers)
        request += name + ": " + value + "\r\n";
    request += "\r\n";
    if (auto ec = socket_.write(request, left_until(deadline)))
        throw std::runtime_error("SSE request: " + ec.message());

    std::string buffer;
    const auto head_end = socket_.read_until(buffer, "\r\n\r\n", left_until(deadline));
    if (head_end == std::string::npos)
        throw std::runtime_error("SSE: no response head within the timeout; got: " + buffer);
    std::istringstream head(buffer.substr(0, head_end));
    std::string line, version;
    std::getline(head, line);
    std::istringstream(line) >> version >> status_;
    while (std::getline(head, line) && line != "\r") {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        headers_.set(line.substr(0, colon), value);
    }
    std::string te = headers_.get("Transfer-Encoding");
    std::transform(te.begin(), te.end(), te.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (te.find("chunked") != std::string::npos) {
        framing_ = Framing::chunked;
    } else if (headers_.has("Content-Length")) {
        framing_ = Framing::length;
        remaining_ = std::stoull(headers_.get("Content-Length"));
    }
    feed_body(std::string_view(buffer).substr(head_end));
    if (status_ != 200) {
        return; // an error answer: body_prefix() has its start, no stream follows
    }
    while (!parser_.retry()) {
        if (!pump(left_until(deadline)))
            throw std::runtime_error("SSE: no retry field within the timeout; body so far: " +
                                     body_prefix_);
    }
}

void SseClient::deliver(std::string_view body) {
    if (body_prefix_.size() < kPrefixLimit)
        body_prefix_.append(body.substr(0, kPrefixLimit - body_prefix_.size()));
    parser_.feed(body);
}

void SseClient::feed_body(std::string_view bytes) {
    switch (framing_) {
    case Framing::close_delimited:
        deliver(bytes);
        return;
    case Framing::length: {
        const auto n = std::min<std::uint64_t>(bytes.size(), remaining_);
        deliver(bytes.substr(0, n));
        remaining_ -= n;
        if (remaining_ == 0)
            ended_ = true;
        return;
    }
    case Framing::chunked:
        feed_chunked(bytes);
        return;
    }
}

void SseClient::feed_chunked(std::string_view bytes) {
    while (!bytes.empty() && !ended_) {
        switch (chunk_state_) {
        case ChunkState::size:
        case ChunkState::trailer: {
            const auto nl = bytes.find('\n');
            chunk_line_.append(bytes.substr(0, nl));
            if (nl == std::string_view::npos)
                return;
            bytes.remove_prefix(nl + 1);
            std::string line = std::move(chunk_line_);
            chunk_line_.clear();
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (chunk_state_ == ChunkState::trailer) {
                if (line.empty())
                    ended_ = true; // the terminating chunk and its trailer: end of body
                break;
            }
            remaining_ = std::stoull(line.substr(0, line.find(';')), nullptr, 16);
            chunk_state_ = remaining_ == 0 ? ChunkState::trailer : ChunkState::data;
            break;
        }
        case ChunkState::data: {
            const auto n = std::min<std::uint64_t>(bytes.size(), remaining_);
            deliver(bytes.substr(0, n));
            bytes.remove_prefix(n);
            remaining_ -= n;
            if (remaining_ == 0)
                chunk_state_ = ChunkState::data_crlf;
            break;
        }
        case ChunkState::data_crlf: {
            const auto nl = bytes.find('\n');
            if (nl == std::string_view::npos)
                return; // the CR alone
            bytes.remove_prefix(nl + 1);
            chunk_state_ = ChunkState::size;
            break;
        }
        }
    }
}

bool SseClient::pump(Millis timeout) {
    if (ended_)
        return false;
    std::string chunk;
    auto ec = socket_.read_some(chunk, timeout);
    feed_body(chunk);
    if (ec && ec != net::error::timed_out)
        ended_ = true; // the connection ended (close-delimited body, or an abort)
    if (ended_)
        socket_.close(); // like EventSource: a finished stream's connection is dropped
    return !ec || !chunk.empty();
}

std::optional<SseEvent> SseClient::next_event(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!parser_.has_event()) {
        if (ended_ || Clock::now() >= deadline)
            return std::nullopt;
        pump(left_until(deadline));
    }
    return parser_.pop_event();
}

std::vector<SseEvent> SseClient::next_events(std::size_t count, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    std::vector<SseEvent> events;
    while (events.size() < count) {
        auto event = next_event(left_until(deadline));
        if (!event)
            break;
        events.push_back(std::move(*event));
    }
    return events;
}

std::size_t SseClient::count_comments(const std::string& text) const {
    const auto& all = parser_.comments();
    return static_cast<std::size_t>(std::count(all.begin(), all.end(), text));
}

bool SseClient::wait_comments(const std::string& text, std::size_t count, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (count_comments(text) < count) {
        if (ended_ || Clock::now() >= deadline)
            return false;
        pump(left_until(deadline));
    }
    return true;
}

bool SseClient::wait_closed(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!ended_) {
        if (Clock::now() >= deadline)
            return false;
        pump(left_until(deadline));
    }
    return true;
}

} // namespace herald_test
