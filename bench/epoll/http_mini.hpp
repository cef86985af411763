#pragma once
// The little HTTP and WebSocket the limit server needs: one request head,
// the handshake answer, and the two encodings of an event.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace epoll_limit {

constexpr std::size_t max_head_bytes = 16 * 1024;

struct Request {
    std::string_view method;
    std::string_view path;
    std::string channel; // percent-decoded value of ?channel=
    std::string_view ws_key;
    bool upgrade_websocket = false;
    bool chunked = false;
    bool has_length = false;
    std::size_t content_length = 0;
    std::size_t head_size = 0; // bytes up to and including the blank line
};

enum class Parse { incomplete, ok, bad };

// Parses the request head at the start of `data`; views point into `data`.
Parse parse_request(std::string_view data, Request& out);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string websocket_accept(std::string_view key);

// `data: <body>\n\n`, one data line per line of the body.
std::string sse_event(std::string_view body);

// One unmasked, final text frame carrying `body`.
std::string ws_text_frame(std::string_view body);

// Skips the frames a WebSocket client sends; notices a close frame.
class WsReader {
public:
    // Returns true once a close frame has started arriving.
    bool feed(const char* data, std::size_t size);

private:
    std::uint64_t skip_ = 0; // payload bytes of the current frame still to skip
    unsigned char header_[14];
    std::uint8_t header_size_ = 0;
};

} // namespace epoll_limit
