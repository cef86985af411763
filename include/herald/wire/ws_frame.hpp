#pragma once
// Server-to-client WebSocket frames (RFC 6455 section 5.2). Server frames are
// never masked, so one encoded frame can be written to every recipient.
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::ws {

enum class Opcode : std::uint8_t { text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

// A single final (FIN) frame with the 7/16/64-bit length form the RFC requires.
std::string encode_frame(Opcode opcode, std::string_view payload);

// The payload of a frame that encode_frame made (server frames are never
// masked): lets a long-poll answer reuse an event's JSON without a copy.
// Empty for anything shorter than its own header says.
std::string_view frame_payload(std::string_view frame);

// A close frame: 2-byte status code in network order, then the UTF-8 reason
// (truncated so that the payload stays within the 125-byte control frame limit).
std::string encode_close(std::uint16_t code, std::string_view reason);

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut a
// UTF-8 sequence in two (control frames and error messages must stay valid UTF-8).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

} // namespace herald::ws
