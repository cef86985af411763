#pragma once
// Test helpers for ws::FrameReader: masked client frames as a browser sends
// them, and a feeder that collects every result (ws_frame_reader_test.cpp,
// ws_frame_reader_deflate_test.cpp).
#include "herald/wire/ws_frame_reader.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald_test {

// A masked client frame, as a browser would send it.
inline std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                                int forced_length_form = 0) {
    std::string out;
    out += static_cast<char>(first_byte);
    const std::uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    auto n = payload.size();
    if (forced_length_form == 0 && n < 126) {
        out += static_cast<char>(0x80 | n);
    } else if (forced_length_form != 127 && n <= 0xFFFF) {
        out += static_cast<char>(0x80 | 126);
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xFF);
    } else {
        out += static_cast<char>(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8)
            out += static_cast<char>((std::uint64_t{n} >> shift) & 0xFF);
    }
    out.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < n; ++i)
        out += static_cast<char>(payload[i] ^ mask[i % 4]);
    return out;
}

struct Seen {
    herald::ws::ReadResult::Kind kind;
    std::string payload;
    std::uint16_t code;
};

// Feeds `bytes` in pieces of `chunk` bytes and collects every result.
inline std::vector<Seen> feed(herald::ws::FrameReader& reader, std::string_view bytes,
                              std::size_t chunk = 1 << 20) {
    std::vector<Seen> seen;
    while (!bytes.empty()) {
        auto piece = bytes.substr(0, chunk);
        bytes.remove_prefix(piece.size());
        while (!piece.empty()) {
            std::size_t used = 0;
            auto r = reader.next(piece, used);
            piece.remove_prefix(used);
            if (r.kind == herald::ws::ReadResult::Kind::need_more)
                break;
            seen.push_back({r.kind, std::string(r.payload), r.code});
        }
    }
    return seen;
}

} // namespace herald_test
