#pragma once
// Inflates permessage-deflate messages (RFC 7692 7.2.2) with a bounded
// output. herald negotiates client_no_context_takeover, so every message is
// a deflate stream of its own: one z_stream per worker thread serves every
// session (reset between messages) and an idle connection holds no zlib state.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct z_stream_s;

namespace herald::ws {

class Inflater {
public:
    enum class Result : std::uint8_t {
        ok,
        too_big,  // the message inflates beyond the bound: close 1009
        bad_data, // not a valid deflate stream: close 1007
    };

    Inflater() = default;
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Replaces `out` with the inflated `compressed` (one whole message, the
    // 00 00 FF FF tail that the sender removed is added back here). Stops as
    // soon as the output would pass `max_size`: a zip bomb costs at most
    // max_size + 1 bytes of output, never its inflated size. After too_big
    // or bad_data, `out` holds what was inflated up to there.
    Result inflate(std::string_view compressed, std::size_t max_size, std::string& out);

    // The calling (worker) thread's inflater, made on first use.
    static Inflater& for_this_thread();

private:
    Result run(std::string_view input, std::size_t max_size, std::string& out, bool& ended);

    z_stream_s* stream_ = nullptr; // zlib's state (about 40 KiB with its window)
};

} // namespace herald::ws
