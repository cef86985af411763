#include "sse_parser.hpp"

#include <algorithm>
#include <cctype>

namespace herald_test {

void SseParser::feed(std::string_view bytes) {
    for (char c : bytes) {
        if (after_cr_) {
            after_cr_ = false;
            if (c == '\n')
                continue; // second half of CRLF
        }
        if (c == '\r' || c == '\n') {
            after_cr_ = c == '\r';
            std::string line = std::move(partial_);
            partial_.clear();
            if (!bom_checked_) {
                bom_checked_ = true;
                if (line.rfind("\xEF\xBB\xBF", 0) == 0)
                    line.erase(0, 3);
            }
            process_line(line);
        } else {
            partial_.push_back(c);
        }
    }
}

SseEvent SseParser::pop_event() {
    SseEvent event = std::move(events_.front());
    events_.pop_front();
    return event;
}

void SseParser::process_line(std::string_view line) {
    if (line.empty()) {
        dispatch();
        return;
    }
    if (line.front() == ':') {
        std::string_view text = line.substr(1);
        if (!text.empty() && text.front() == ' ')
            text.remove_prefix(1);
        comments_.emplace_back(text);
        return;
    }
    block_lines_.emplace_back(line);
    std::string_view field = line;
    std::string_view value;
    if (auto colon = line.find(':'); colon != std::string_view::npos) {
        field = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
    }
    if (field == "event") {
        type_ = value;
    } else if (field == "data") {
        data_.append(value);
        data_.push_back('\n');
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) {
            last_event_id_ = value;
            block_id_ = std::string(value);
        }
    } else if (field == "retry") {
        if (!value.empty() && std::all_of(value.begin(), value.end(), [](char ch) {
                return std::isdigit(static_cast<unsigned char>(ch));
            }))
            retry_ = std::stoll(std::string(value));
    }
    // Other fields are ignored.
}

void SseParser::dispatch() {
    if (data_.empty()) {
        // No event; the buffers are reset (the last event ID persists).
        type_.clear();
        block_id_.reset();
        block_lines_.clear();
        return;
    }
    SseEvent event;
    data_.pop_back(); // the trailing LF
    event.data = std::move(data_);
    event.type = type_.empty() ? "message" : std::move(type_);
    event.id = std::move(block_id_);
    event.last_event_id = last_event_id_;
    event.lines = std::move(block_lines_);
    events_.push_back(std::move(event));
    data_.clear();
    type_.clear();
    block_id_.reset();
    block_lines_.clear();
}

} // namespace herald_test
