// SSE encoder round trip: whatever herald encodes, a WHATWG-conformant parser
// (tests/integration/sse_parser.cpp, written from the spec, not from the
// encoder) must read back exactly, in any chunking.
//
// Input: "<id>\n<event name>\n<data bytes...>". CR and NUL are dropped from id
// and name: encode_event's contract excludes them (the envelope parser allows
// far less: visible ASCII).
#include "fuzz_check.hpp"
#include "herald/wire/sse_encoder.hpp"
#include "sse_parser.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

std::string_view take_line(std::string_view& rest) {
    const auto lf = rest.find('\n');
    auto line = rest.substr(0, lf);
    rest = lf == std::string_view::npos ? std::string_view{} : rest.substr(lf + 1);
    return line;
}

std::string field_value(std::string_view raw) {
    std::string out;
    for (char c : raw)
        if (c != '\r' && c != '\0')
            out.push_back(c);
    return out;
}

// The lines of `text` split like the parser splits them; a comment is one line each.
std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> lines(1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' || text[i] == '\n') {
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            lines.emplace_back();
        } else {
            lines.back().push_back(text[i]);
        }
    }
    return lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(bytes), size);
    const std::string id = field_value(take_line(rest));
    const std::string name = field_value(take_line(rest));
    const std::string_view data = rest;
    const long long retry_ms = static_cast<long long>(size) * 7919 - 20'000; // negative too

    // What a subscriber's stream looks like: retry, a heartbeat-like comment,
    // the event, then a second event without id (the last event ID persists).
    const std::string stream =
        herald::sse::encode_retry(retry_ms) + herald::sse::encode_comment(data) +
        herald::sse::encode_event(id, name, data) + herald::sse::encode_event("", "message", data);

    const std::size_t chunk = herald_fuzz::chunk_size(bytes, size, 64);
    for (std::size_t step : {stream.size(), chunk}) {
        herald_test::SseParser parser;
        for (std::size_t at = 0; at < stream.size(); at += step)
            parser.feed(std::string_view(stream).substr(at, step));

        FUZZ_CHECK(parser.retry() == std::max(retry_ms, 0LL));
        FUZZ_CHECK(parser.comments() == lines_of(data));

        const std::string expected_data = herald_fuzz::normalize_newlines(data);
        const std::string expected_type = name.empty() ? "message" : name;
        FUZZ_CHECK(parser.has_event());
        auto first = parser.pop_event();
        FUZZ_CHECK(first.type == expected_type);
        FUZZ_CHECK(first.data == expected_data);
        FUZZ_CHECK(first.id == (id.empty() ? std::nullopt : std::optional<std::string>(id)));
        FUZZ_CHECK(first.last_event_id == id);

        FUZZ_CHECK(parser.has_event());
        auto second = parser.pop_event();
        FUZZ_CHECK(second.type == "message");
        FUZZ_CHECK(second.data == expected_data);
        FUZZ_CHECK(!second.id);
        FUZZ_CHECK(second.last_event_id == id);
        FUZZ_CHECK(!parser.has_event());
    }
    return 0;
}
