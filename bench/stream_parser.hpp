#pragma once
// Byte-level parsing of what a server sends a subscriber: the HTTP response
// head, then an SSE stream (maybe chunked) or unmasked WebSocket frames. Each
// call parses what is complete and says how many bytes it used; the caller
// keeps the rest. Only the chunked decoding carries a little state.
#include "histogram.hpp"
#include "options.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

// What one chunk of stream held.
struct StreamEvents {
    std::uint64_t now_ns = 0;        // receive time for every delivery of the chunk
    Histogram* latency = nullptr;    // publish->delivery, when the data carries a timestamp
    std::uint64_t not_before_ns = 0; // older timestamps are from an earlier run: stale
    std::uint32_t stale = 0;         // replayed events of an earlier run (nchan's buffer, ...)
    bool raw = false;             // not herald: SSE data lines / WS messages are the published data
    std::uint32_t deliveries = 0; // events carrying the bench's timestamp
    std::uint32_t other = 0;      // any other event or message (error, ...)
    std::uint32_t resets = 0;     // herald's reset notices: a loss it announced
    std::uint64_t announced = 0;  // events those notices say were dropped ("dropped":N)
    bool subscribed = false;      // SSE "retry:" block / WS {"type":"subscribed"}
    bool closed = false;          // WS close frame
    bool protocol_error = false;
    std::string pong; // masked pong frames answering the server's pings
};

struct HeadResult {
    bool complete = false; // the head has ended
    bool ok = false;       // 200 for SSE, 101 for WS
    bool chunked = false;  // Transfer-Encoding: chunked (Node, proxies)
    std::size_t body_offset = 0;
    std::string status_line; // for error reports
};

// Looks for the end of the HTTP response head in `data`.
HeadResult parse_head(std::string_view data, Transport transport);

// Parses complete SSE blocks / WS frames of `data`; returns the bytes used.
std::size_t parse_sse(std::string_view data, StreamEvents& out);
std::size_t parse_ws(std::string_view data, StreamEvents& out);

// Chunked transfer decoding, in place: returns the decoded length (<= n).
struct ChunkState {
    std::uint32_t left = 0; // bytes of the current chunk's data, or the size being read
    std::uint8_t phase = 0; // 0 size digits, 1 rest of size line, 2 data, 3 CRLF, 4 ended
};
std::size_t dechunk(char* data, std::size_t n, ChunkState& st);

// Event data the fan-out publisher sends: "<steady ns> xxxx..." of `size` bytes.
std::string make_event_data(std::uint64_t now_ns, unsigned size);
std::uint64_t steady_ns();

} // namespace bench
