#pragma once
// Sans-io parser of a text/event-stream body, following the WHATWG HTML
// "server-sent events" interpretation rules: lines end with CRLF, LF or CR;
// ":" starts a comment; fields id/event/data/retry; a blank line dispatches
// the event unless its data buffer is empty.
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald_test {

struct SseEvent {
    std::string type = "message";   // "event:" field, or "message"
    std::string data;               // data lines joined with "\n"
    std::optional<std::string> id;  // value of an "id" field in this block, if any
    std::string last_event_id;      // the stream's last event ID after this event
    std::vector<std::string> lines; // the block's raw field lines (comments excluded)
};

class SseParser {
public:
    void feed(std::string_view bytes);

    bool has_event() const { return !events_.empty(); }
    SseEvent pop_event();

    // The last valid "retry:" value, in milliseconds.
    std::optional<long long> retry() const { return retry_; }
    // Comment texts (after ":" and one optional space), in arrival order.
    const std::vector<std::string>& comments() const { return comments_; }

private:
    void process_line(std::string_view line);
    void dispatch();

    std::string partial_;
    bool after_cr_ = false; // the previous chunk ended in CR: a leading LF is part of it
    bool bom_checked_ = false;

    // Event being built.
    std::string data_;
    std::string type_;
    std::optional<std::string> block_id_;
    std::vector<std::string> block_lines_;

    std::string last_event_id_;
    std::optional<long long> retry_;
    std::vector<std::string> comments_;
    std::deque<SseEvent> events_;
};

} // namespace herald_test
