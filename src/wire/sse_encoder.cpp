#include "herald/wire/sse_encoder.hpp"

#include <algorithm>
#include <string>

namespace herald::sse {
namespace {

// Calls fn(line) for every line of `text`, splitting on CRLF, CR and LF like the
// EventSource parser. A trailing break yields a final empty line, so the parser's
// "join with LF" gives back the trailing newline too.
template <typename Fn> void for_each_line(std::string_view text, Fn&& fn) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\n' && c != '\r') {
            continue;
        }
        fn(text.substr(start, i - start));
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
        }
        start = i + 1;
    }
    fn(text.substr(start));
}

// Always exactly one space after the colon: the parser strips one, so a value
// that itself starts with a space survives.
void append_field(std::string& out, std::string_view field, std::string_view value) {
    out.append(field);
    out.append(": ");
    out.append(value);
    out.push_back('\n');
}

} // namespace

std::string encode_event(std::string_view id, std::string_view name, std::string_view data) {
    std::string out;
    out.reserve(id.size() + name.size() + data.size() + 32);
    if (!id.empty()) {
        append_field(out, "id", id);
    }
    if (!name.empty() && name != "message") {
        append_field(out, "event", name);
    }
    for_each_line(data, [&](std::string_view line) { append_field(out, "data", line); });
    out.push_back('\n');
    return out;
}

std::string encode_comment(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 4);
    // One ": " line per line of text, so a newline in the text cannot end the
    // comment early and inject fields.
    for_each_line(text, [&](std::string_view line) { append_field(out, "", line); });
    out.push_back('\n');
    return out;
}

std::string encode_retry(long long milliseconds) {
    // EventSource ignores a retry value that is not all digits.
    return "retry: " + std::to_string(std::max(milliseconds, 0LL)) + "\n\n";
}

} // namespace herald::sse
