#include "herald/wire/ws_frame.hpp"

namespace herald::ws {
namespace {

// RFC 6455 5.5: control frame payloads are at most 125 bytes.
constexpr std::size_t max_control_payload = 125;

} // namespace

std::string_view frame_payload(std::string_view frame) {
    if (frame.size() < 2)
        return {};
    const auto length7 = static_cast<std::uint8_t>(frame[1]) & 0x7F;
    const std::size_t header = length7 < 126 ? 2 : length7 == 126 ? 4 : 10;
    if (frame.size() < header)
        return {};
    return frame.substr(header);
}

std::string encode_frame(Opcode opcode, std::string_view payload) {
    const std::uint64_t length = payload.size();
    std::string out;
    out.reserve(payload.size() + 10);
    out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
    // RFC 6455 5.2 requires the shortest length form; the mask bit stays clear.
    if (length <= 125) {
        out.push_back(static_cast<char>(length));
    } else if (length <= 0xFFFF) {
        out.push_back(static_cast<char>(126));
        out.push_back(static_cast<char>((length >> 8) & 0xFF));
        out.push_back(static_cast<char>(length & 0xFF));
    } else {
        out.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((length >> shift) & 0xFF));
        }
    }
    out.append(payload);
    return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(utf8_prefix(reason, max_control_payload - 2));
    return encode_frame(Opcode::close, payload);
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return text;
    }
    // text[n] is the first byte cut off; if it is a continuation byte (10xxxxxx)
    // the cut is inside a sequence, so move it back to the sequence's lead byte.
    std::size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
        --n;
    }
    return text.substr(0, n);
}

} // namespace herald::ws
