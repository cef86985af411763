#pragma once
// Compresses a whole message for permessage-deflate (RFC 7692 7.2.1) with no
// context takeover: the result depends on nothing sent before, so one
// compressed frame per event can be queued to every deflate client.
#include <cstddef>
#include <string>
#include <string_view>

struct z_stream_s;

namespace herald::ws {

class Deflater {
public:
    Deflater() = default;
    ~Deflater();
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    // The raw deflate data of `payload`, flushed and without the trailing
    // 00 00 FF FF (RFC 7692 7.2.1): what goes in a frame with RSV1.
    std::string compress(std::string_view payload);

    // The calling thread's deflater, made on first use. An event's
    // compressed frame is built on whichever worker thread needs it first,
    // so each worker has one stream (about 256 KiB of zlib state) instead of
    // one per session or a lock around a shared one.
    static Deflater& for_this_thread();

private:
    z_stream_s* stream_ = nullptr;
};

// Payloads shorter than this are sent uncompressed even to deflate clients:
// measured on herald's event JSON, they shrink by a few bytes at best.
inline constexpr std::size_t deflate_min_payload = 128;

// A complete server frame (FIN, RSV1, text) for `payload`, compressed.
std::string encode_deflated_text_frame(std::string_view payload);

} // namespace herald::ws
