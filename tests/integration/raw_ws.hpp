#pragma once
// A byte-level WebSocket client for what a well-behaved library never does:
// frames with reserved bits, unmasked client frames, never answering pings,
// never reading at all. The handshake is written by hand (RFC 6455 4.1).
#include "../zlib_reference.hpp" // permessage-deflate checked against zlib itself
#include "timed_socket.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald_test {

struct RawFrame {
    bool fin = false;
    std::uint8_t rsv = 0; // RSV1..3 as bits 2..0
    std::uint8_t opcode = 0;
    bool masked = false;
    std::string payload;

    // For close frames: the status code (0 if the payload has none) and reason.
    unsigned close_code() const;
    std::string close_reason() const;
};

namespace opcode {
inline constexpr std::uint8_t text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA;
}

// A client frame. Masked (with a fixed key) unless `mask` is false; `rsv1`
// sets the first reserved bit.
std::string encode_client_frame(std::uint8_t opcode, std::string_view payload, bool mask = true,
                                bool rsv1 = false, bool fin = true);

inline constexpr const char* kDeflateOffer =
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

// Removes one complete frame from the front of `buffer`; nullopt if incomplete.
std::optional<RawFrame> take_frame(std::string& buffer);

class RawWsClient {
public:
    // Connects (optionally with a small SO_RCVBUF), sends the upgrade request
    // and checks for "101". Throws on failure.
    RawWsClient(std::uint16_t port, const std::string& target, int receive_buffer = 0,
                Millis timeout = kTimeout, const std::string& extra_headers = {});

    // The server's 101 answer, headers included.
    const std::string& handshake_response() const { return response_; }

    TimedSocket& socket() { return socket_; }
    error_code send(std::string_view bytes) { return socket_.write(bytes); }

    // The next frame from the server; nullopt on timeout or end of connection.
    std::optional<RawFrame> next_frame(Millis timeout = kTimeout);
    // Reads frames until a text frame whose payload contains `needle`.
    bool wait_text(std::string_view needle, Millis timeout = kTimeout);
    // Reads frames until a close frame arrives (nullopt if none does).
    std::optional<RawFrame> wait_close_frame(Millis timeout = kTimeout);
    // Reads (and drops) until the server closes the TCP connection.
    bool wait_closed(Millis timeout = kTimeout);
    bool ended() const { return ended_; }
    std::size_t frames_read() const { return frames_read_; }

private:
    TimedSocket socket_;
    std::string response_;
    std::string buffer_;
    bool ended_ = false;
    std::size_t frames_read_ = 0;
};

} // namespace herald_test
