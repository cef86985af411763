#include "herald/wire/ws_frame_reader.hpp"

#include "herald/wire/utf8.hpp"

#include <algorithm>

namespace herald::ws {

namespace {
constexpr std::uint8_t op_continuation = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8,
                       op_ping = 0x9, op_pong = 0xA;
constexpr std::uint16_t protocol_error = 1002, invalid_payload = 1007, too_big = 1009;

bool is_control(std::uint8_t opcode) {
    return (opcode & 0x8) != 0;
}

// `text` without a UTF-8 sequence that its last bytes only begin (the next
// fragment may complete it).
std::string_view without_open_sequence(std::string_view text) {
    for (std::size_t back = 1; back <= 3 && back <= text.size(); ++back) {
        auto lead = static_cast<unsigned char>(text[text.size() - back]);
        if ((lead & 0xC0) == 0x80)
            continue; // a continuation byte: look further back
        // Bytes that never lead a sequence (C0, C1, F5..FF) count as complete,
        // so that validation rejects them now.
        std::size_t length = lead >= 0xF5   ? 1
                             : lead >= 0xF0 ? 4
                             : lead >= 0xE0 ? 3
                             : lead >= 0xC2 ? 2
                                            : 1;
        return length > back ? text.substr(0, text.size() - back) : text;
    }
    return text;
}
} // namespace

bool is_valid_close_code(std::uint16_t code) {
    if (code >= 1000 && code <= 1003)
        return true;
    if (code >= 1007 && code <= 1014)
        return true;
    return code >= 3000 && code <= 4999; // registered (3xxx) and private (4xxx) use
}

ReadResult FrameReader::fail(std::uint16_t code, std::string_view why) {
    finished_ = true;
    message_ = {};
    control_ = {};
    inflated_ = {};
    return {ReadResult::Kind::error, why, code};
}

ReadResult FrameReader::next(std::string_view input, std::size_t& consumed) {
    consumed = 0;
    if (release_message_) { // the caller is done with the last message
        message_ = {};
        inflated_ = {};
        release_message_ = false;
    }
    while (!finished_) {
        if (!in_payload_) {
            auto take = std::min<std::size_t>(header_need_ - header_have_, input.size() - consumed);
            std::copy_n(input.data() + consumed, take, header_ + header_have_);
            header_have_ += static_cast<std::uint8_t>(take);
            consumed += take;
            if (header_have_ < header_need_)
                return {};
            auto parsed = parse_header();
            if (parsed.kind == ReadResult::Kind::error)
                return parsed;
            if (!in_payload_)
                continue; // the header goes on (extended length and mask)
            if (remaining_ > 0)
                continue;
        } else {
            auto take = static_cast<std::size_t>(
                std::min<std::uint64_t>(remaining_, input.size() - consumed));
            if (take == 0)
                return {};
            auto& target = is_control(opcode_) ? control_ : message_;
            auto start = target.size();
            target.append(input.data() + consumed, take);
            for (std::size_t i = start; i < target.size(); ++i)
                target[i] = static_cast<char>(target[i] ^ mask_[mask_offset_++ & 3]);
            consumed += take;
            remaining_ -= take;
            if (remaining_ > 0)
                return {};
        }
        auto done = complete_frame();
        if (done.kind != ReadResult::Kind::need_more)
            return done;
    }
    consumed = input.size();
    return {};
}

// Called when header_need_ bytes are in header_: either the first two bytes
// (which tell how long the header is) or the whole header.
ReadResult FrameReader::parse_header() {
    if (header_need_ == 2) {
        fin_ = (header_[0] & 0x80) != 0;
        opcode_ = header_[0] & 0x0F;
        const bool rsv1 = (header_[0] & 0x40) != 0;
        if ((header_[0] & 0x30) != 0 || (rsv1 && !inflater_))
            return fail(protocol_error, "reserved bits set (no extension was negotiated)");
        // RFC 7692 6: RSV1 marks a compressed message, on its first frame only.
        if (rsv1 && is_control(opcode_))
            return fail(protocol_error, "RSV1 on a control frame");
        if (rsv1 && opcode_ == op_continuation)
            return fail(protocol_error, "RSV1 on a continuation frame");
        if ((header_[1] & 0x80) == 0)
            return fail(protocol_error, "client frames must be masked");
        bool known = opcode_ <= op_binary || (opcode_ >= op_close && opcode_ <= op_pong);
        if (!known)
            return fail(protocol_error, "unknown opcode");
        std::uint8_t len7 = header_[1] & 0x7F;
        if (is_control(opcode_) && (!fin_ || len7 > 125))
            return fail(protocol_error, "control frames must be final and at most 125 bytes");
        if (opcode_ == op_continuation && !in_message_)
            return fail(protocol_error, "continuation frame without a message");
        if ((opcode_ == op_text || opcode_ == op_binary) && in_message_)
            return fail(protocol_error, "new message before the last one ended");
        header_need_ = static_cast<std::uint8_t>(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4);
        return {};
    }
    std::uint8_t len7 = header_[1] & 0x7F;
    std::uint64_t length = len7;
    std::size_t pos = 2;
    if (len7 == 126) {
        length = (std::uint64_t{header_[2]} << 8) | header_[3];
        pos = 4;
        if (length < 126)
            return fail(protocol_error, "frame length not in its shortest form");
    } else if (len7 == 127) {
        length = 0;
        for (pos = 2; pos < 10; ++pos)
            length = (length << 8) | header_[pos];
        if (length >> 63 || length <= 0xFFFF)
            return fail(protocol_error, "frame length not in its shortest form");
    }
    std::copy_n(header_ + pos, 4, mask_);
    if (!is_control(opcode_) && length > max_message_size_ - message_.size())
        return fail(too_big, "message too big");
    if (opcode_ == op_text || opcode_ == op_binary) {
        message_opcode_ = opcode_;
        compressed_ = (header_[0] & 0x40) != 0;
    }
    if (!is_control(opcode_))
        in_message_ = true;
    else
        control_.clear();
    header_have_ = 0;
    header_need_ = 2;
    mask_offset_ = 0;
    remaining_ = length;
    in_payload_ = true;
    return {};
}

ReadResult FrameReader::complete_frame() {
    in_payload_ = false;
    switch (opcode_) {
    case op_ping:
        return {ReadResult::Kind::ping, control_};
    case op_pong:
        return {ReadResult::Kind::pong, control_};
    case op_close: {
        if (control_.empty()) {
            finished_ = true;
            return {ReadResult::Kind::close, {}, 1005};
        }
        if (control_.size() == 1)
            return fail(protocol_error, "close frame with a one-byte payload");
        auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(control_[0]) << 8) |
                                               static_cast<std::uint8_t>(control_[1]));
        if (!is_valid_close_code(code))
            return fail(protocol_error, "invalid close code");
        std::string_view reason(control_);
        reason.remove_prefix(2);
        if (!is_valid_utf8(reason))
            return fail(protocol_error, "close reason is not valid UTF-8"); // as Beast does
        finished_ = true;
        return {ReadResult::Kind::close, reason, code};
    }
    default: { // a data frame
        if (message_opcode_ == op_text && !compressed_) {
            // Checked fragment by fragment, each byte once: bad text fails at
            // once rather than after the client has sent the whole message.
            std::string_view fresh(message_);
            fresh.remove_prefix(validated_);
            auto complete = fin_ ? fresh : without_open_sequence(fresh);
            if (!is_valid_utf8(complete))
                return fail(invalid_payload, "text message is not valid UTF-8");
            validated_ += complete.size();
        }
        if (!fin_)
            return {};
        return complete_message();
    }
    }
}

ReadResult FrameReader::complete_message() {
    in_message_ = false;
    release_message_ = true;
    validated_ = 0;
    auto kind = message_opcode_ == op_text ? ReadResult::Kind::text : ReadResult::Kind::binary;
    if (!compressed_)
        return {kind, message_};
    // The same bound as an uncompressed message: a zip bomb stops at
    // max_message_size bytes of output.
    switch (inflater_->inflate(message_, max_message_size_, inflated_)) {
    case Inflater::Result::ok:
        break;
    case Inflater::Result::too_big:
        return fail(too_big, "message too big once inflated");
    case Inflater::Result::bad_data:
        return fail(invalid_payload, "invalid deflate data");
    }
    message_ = {}; // the compressed bytes are done with
    if (kind == ReadResult::Kind::text && !is_valid_utf8(inflated_))
        return fail(invalid_payload, "text message is not valid UTF-8");
    return {kind, inflated_};
}

} // namespace herald::ws
