// Client-to-server WebSocket frames: FrameReader on arbitrary bytes.
//
// Invariants:
//  - the results (kind, payload, code) do not depend on how the bytes were
//    split into reads (whole, input-derived chunks, one byte at a time);
//  - need_more means every byte given was consumed; any other result used
//    at least one byte;
//  - text is valid UTF-8; no message exceeds max_message_size, no control
//    payload 125 bytes; errors are 1002, 1007 or 1009 and say why; close
//    codes are valid or 1005 (no payload then);
//  - after a close or an error, finished() holds and nothing else comes;
//  - every data and control result, encoded back as masked client frames
//    (data split into fragments), parses back to the same result.
#include "fuzz_check.hpp"
#include "herald/wire/utf8.hpp"
#include "herald/wire/ws_frame_reader.hpp"

#include <cstdint>
#include <vector>

namespace {

using herald::ws::FrameReader;
using Kind = herald::ws::ReadResult::Kind;

constexpr std::size_t max_message = 256;

struct Result {
    Kind kind;
    std::string payload;
    std::uint16_t code;
    bool operator==(const Result&) const = default;
};

void check_result(const Result& r) {
    switch (r.kind) {
    case Kind::text:
        FUZZ_CHECK(herald::is_valid_utf8(r.payload));
        [[fallthrough]];
    case Kind::binary:
        FUZZ_CHECK(r.payload.size() <= max_message);
        break;
    case Kind::ping:
    case Kind::pong:
        FUZZ_CHECK(r.payload.size() <= 125);
        break;
    case Kind::close:
        FUZZ_CHECK(r.payload.size() <= 123);
        FUZZ_CHECK(herald::is_valid_utf8(r.payload));
        FUZZ_CHECK(herald::ws::is_valid_close_code(r.code) ||
                   (r.code == 1005 && r.payload.empty()));
        break;
    case Kind::error:
        FUZZ_CHECK(r.code == 1002 || r.code == 1007 || r.code == 1009);
        FUZZ_CHECK(!r.payload.empty());
        break;
    case Kind::need_more:
        FUZZ_CHECK(false);
    }
}

// Feeds `input` in pieces of `step` bytes, as a session would its reads.
std::vector<Result> read_all(std::string_view input, std::size_t step) {
    FrameReader reader(max_message);
    std::vector<Result> out;
    bool ended = false;
    for (std::size_t at = 0; at < input.size(); at += step) {
        std::string_view rest = input.substr(at, step);
        for (;;) {
            std::size_t consumed = 0;
            const auto r = reader.next(rest, consumed);
            FUZZ_CHECK(consumed <= rest.size());
            rest.remove_prefix(consumed);
            if (r.kind == Kind::need_more) {
                FUZZ_CHECK(rest.empty());
                break;
            }
            FUZZ_CHECK(consumed > 0);
            FUZZ_CHECK(!ended);
            out.push_back({r.kind, std::string(r.payload), r.code});
            check_result(out.back());
            if (r.kind == Kind::close || r.kind == Kind::error) {
                FUZZ_CHECK(reader.finished());
                ended = true;
            } else {
                FUZZ_CHECK(!reader.finished());
            }
        }
    }
    FUZZ_CHECK(reader.finished() == ended);
    return out;
}

void append_frame(std::string& out, std::uint8_t first, std::string_view payload,
                  const std::uint8_t mask[4]) {
    out.push_back(static_cast<char>(first));
    if (payload.size() < 126) {
        out.push_back(static_cast<char>(0x80 | payload.size()));
    } else { // max_message is below 65536
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(payload.size() >> 8));
        out.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    out.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        out.push_back(static_cast<char>(payload[i] ^ mask[i & 3]));
}

// The result as a client would send it; data in fragments of `piece` bytes.
std::string encode(const Result& r, std::size_t piece, const std::uint8_t mask[4]) {
    std::string out;
    switch (r.kind) {
    case Kind::text:
    case Kind::binary: {
        std::uint8_t opcode = r.kind == Kind::text ? 0x1 : 0x2;
        std::size_t at = 0;
        do {
            auto part = std::string_view(r.payload).substr(at, piece);
            at += part.size();
            const bool fin = at >= r.payload.size();
            append_frame(out, static_cast<std::uint8_t>((fin ? 0x80 : 0) | opcode), part, mask);
            opcode = 0x0;
        } while (at < r.payload.size());
        break;
    }
    case Kind::ping:
        append_frame(out, 0x89, r.payload, mask);
        break;
    case Kind::pong:
        append_frame(out, 0x8A, r.payload, mask);
        break;
    case Kind::close: {
        std::string body;
        if (r.code != 1005) {
            body.push_back(static_cast<char>(r.code >> 8));
            body.push_back(static_cast<char>(r.code & 0xFF));
            body += r.payload;
        }
        append_frame(out, 0x88, body, mask);
        break;
    }
    default:
        break;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    const auto whole = read_all(input, input.size() + 1);
    FUZZ_CHECK(read_all(input, herald_fuzz::chunk_size(bytes, size, 32)) == whole);
    FUZZ_CHECK(read_all(input, 1) == whole);

    const std::uint8_t mask[4] = {static_cast<std::uint8_t>(size), 0x5A,
                                  static_cast<std::uint8_t>(size >> 8), 0xC3};
    const std::size_t piece = herald_fuzz::chunk_size(bytes, size, 96);
    for (const auto& r : whole) {
        if (r.kind == Kind::error)
            continue;
        const std::string frames = encode(r, piece, mask);
        const auto again = read_all(frames, frames.size() + 1);
        FUZZ_CHECK(again.size() == 1 && again.front() == r);
    }
    return 0;
}
