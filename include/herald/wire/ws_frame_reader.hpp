#pragma once
// Client-to-server WebSocket frames (RFC 6455 section 5), parsed sans-io: the
// session feeds whatever bytes it read and acts on each result. Only what is
// incomplete is kept, so an idle connection holds no buffer at all (Beast's
// stream keeps a 1.5 KiB read buffer and a pending read operation per
// connection; see docs/benchmarks.md).
#include "herald/wire/ws_inflater.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::ws {

struct ReadResult {
    enum class Kind : std::uint8_t {
        need_more, // every byte given was consumed; feed more
        text,      // a complete text message (valid UTF-8)
        binary,    // a complete binary message
        ping,      // answer with a pong carrying `payload`
        pong,
        close, // the client's close frame: `code` (1005 = none) and reason in `payload`
        error, // the connection must be closed with `code`; `payload` says why
    };
    Kind kind = Kind::need_more;
    std::string_view payload; // valid until the next call to next()
    std::uint16_t code = 0;
};

class FrameReader {
public:
    explicit FrameReader(std::size_t max_message_size) : max_message_size_(max_message_size) {}

    // Parses from the start of `input` and sets `consumed` to the bytes used;
    // returns at the first complete message or control frame. After a close
    // or an error every further byte is consumed and ignored.
    ReadResult next(std::string_view input, std::size_t& consumed);

    // permessage-deflate was negotiated (RFC 7692): a message whose first
    // frame has RSV1 is inflated with `inflater` (shared by the worker's
    // sessions) to at most max_message_size bytes. Without it RSV1 is 1002.
    void enable_deflate(Inflater& inflater) { inflater_ = &inflater; }

    // Whether a close frame or an error ended the stream.
    bool finished() const { return finished_; }

private:
    ReadResult parse_header();
    ReadResult complete_frame();
    ReadResult fail(std::uint16_t code, std::string_view why);
    ReadResult complete_message();

    std::size_t max_message_size_;
    std::uint8_t header_[14] = {};
    std::uint8_t header_have_ = 0;
    std::uint8_t header_need_ = 2;
    std::uint8_t mask_[4] = {};
    std::uint8_t opcode_ = 0; // of the frame being read
    std::uint8_t mask_offset_ = 0;
    std::uint8_t message_opcode_ = 0; // text or binary, while a message is open
    bool fin_ = false;
    bool in_payload_ = false;
    bool in_message_ = false; // a fragmented message has started
    bool release_message_ = false;
    bool finished_ = false;
    bool compressed_ = false;      // the open message had RSV1 on its first frame
    Inflater* inflater_ = nullptr; // set once deflate is negotiated
    std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
    std::size_t validated_ = 0;    // bytes of message_ known to be valid UTF-8
    std::string message_;          // data message so far
    std::string control_;          // control frame payload (at most 125 bytes)
    std::string inflated_;         // a compressed message, inflated
};

// RFC 6455 7.4 and the IANA registry: codes a peer may send in a close frame.
bool is_valid_close_code(std::uint16_t code);

} // namespace herald::ws
