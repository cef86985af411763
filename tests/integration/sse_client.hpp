#pragma once
// An EventSource-like client over a raw TCP socket: sends GET with the headers
// a browser's EventSource sends, parses the response head, then the event
// stream with SseParser. The body is decoded by its framing, as a browser's
// fetch does: herald's own stream is close-delimited, but nginx re-frames it
// as chunked and keeps the connection open after the last chunk, so the end
// of the stream is the terminating chunk (or the end of a Content-Length
// body), not the end of the connection. The constructor returns once the
// subscription is live: for a 200 answer, when the stream's "retry:" field
// has arrived (herald sends the head only after the hub has registered the
// channels).
#include "http_client.hpp"
#include "sse_parser.hpp"
#include "timed_socket.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace herald_test {

class SseClient {
public:
    // `target` e.g. "/events?channel=user:42". Throws if the head does not
    // arrive, or if a 200 stream sends no retry field, within `timeout`.
    SseClient(std::uint16_t port, const std::string& target, const Headers& headers = {},
              Millis timeout = kTimeout);

    unsigned status() const { return status_; }
    const HeaderMap& headers() const { return headers_; }
    std::string header(const std::string& name) const { return headers_.get(name); }
    // The first bytes of the body (up to 64 KiB), as received after decoding
    // the framing (chunked or Content-Length).
    const std::string& body_prefix() const { return body_prefix_; }
    std::optional<long long> retry() const { return parser_.retry(); }

    // The next dispatched event, or nullopt if none arrives in time or the
    // stream ends (see ended()).
    std::optional<SseEvent> next_event(Millis timeout = kTimeout);
    // Waits for the next `count` events; fewer if time runs out.
    std::vector<SseEvent> next_events(std::size_t count, Millis timeout = kTimeout);
    // Waits until `count` comments equal to `text` have arrived in total.
    bool wait_comments(const std::string& text, std::size_t count, Millis timeout);
    std::size_t count_comments(const std::string& text) const;
    // Reads until the server ends the stream (events read meanwhile are kept).
    bool wait_closed(Millis timeout);
    // The body ended (its framing says so, or the connection closed).
    bool ended() const { return ended_; }
    TimedSocket& socket() { return socket_; }

private:
    // Reads one chunk into the parser; false on timeout or end of stream.
    bool pump(Millis timeout);
    // Decodes received bytes by the body's framing and hands the body bytes
    // to the parser; sets ended_ at the end of a chunked or length body.
    void feed_body(std::string_view bytes);
    void feed_chunked(std::string_view bytes);
    void deliver(std::string_view body);

    TimedSocket socket_;
    unsigned status_ = 0;
    HeaderMap headers_;
    std::string body_prefix_;
    SseParser parser_;
    bool ended_ = false;
    enum class Framing { close_delimited, length, chunked } framing_ = Framing::close_delimited;
    std::uint64_t remaining_ = 0; // length: body bytes left; chunked: bytes left of this chunk
    enum class ChunkState { size, data, data_crlf, trailer } chunk_state_ = ChunkState::size;
    std::string chunk_line_;
};

} // namespace herald_test
