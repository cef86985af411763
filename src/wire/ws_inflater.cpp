#include "herald/wire/ws_inflater.hpp"

#include "herald/wire/ws_deflate_offer.hpp"

#include <zlib.h>

#include <algorithm>
#include <new>

namespace herald::ws {

namespace {
// RFC 7692 7.2.2: the sender removed this empty stored block; append it.
constexpr char tail[] = {'\x00', '\x00', '\xff', '\xff'};
// Output grows by at most this much per step, so that the bound is checked
// before memory is committed (and a bomb never gets a big buffer).
constexpr std::size_t chunk = 16 << 10;
} // namespace

Inflater::~Inflater() {
    if (stream_) {
        inflateEnd(stream_);
        delete stream_;
    }
}

Inflater& Inflater::for_this_thread() {
    thread_local Inflater inflater;
    return inflater;
}

Inflater::Result Inflater::inflate(std::string_view compressed, std::size_t max_size,
                                   std::string& out) {
    out.clear();
    if (!stream_) {
        stream_ = new z_stream{};
        // Negative window bits: raw deflate, no zlib header (RFC 7692 7.2.2);
        // the largest window fits any client_max_window_bits.
        if (inflateInit2(stream_, -deflate_window_bits) != Z_OK) {
            delete stream_;
            stream_ = nullptr;
            throw std::bad_alloc();
        }
    } else {
        inflateReset(stream_); // no context takeover: each message stands alone
    }
    bool ended = false;
    auto result = run(compressed, max_size, out, ended);
    if (result == Result::ok && !ended) {
        result = run(std::string_view(tail, sizeof tail), max_size, out, ended);
        // With the tail the message must end between two blocks (zlib's
        // data_type has 128 there); otherwise it was cut inside one.
        if (result == Result::ok && !ended && (stream_->data_type & 128) == 0)
            result = Result::bad_data;
    }
    return result;
}

// Feeds `input`; on return all of it has been consumed, or the stream ended
// (a final block: whatever follows it is ignored, as RFC 7692 7.2.3.1
// allows such a message), or a result other than ok says why not.
Inflater::Result Inflater::run(std::string_view input, std::size_t max_size, std::string& out,
                               bool& ended) {
    stream_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_->avail_in = static_cast<uInt>(input.size());
    while (!ended) {
        // One byte of room beyond the bound tells "exactly max_size" from "more".
        const std::size_t have = out.size();
        const std::size_t room = std::min(chunk, max_size + 1 - have);
        if (room == 0)
            return Result::too_big;
        out.resize(have + room);
        stream_->next_out = reinterpret_cast<Bytef*>(out.data() + have);
        stream_->avail_out = static_cast<uInt>(room);
        const int rc = ::inflate(stream_, Z_SYNC_FLUSH);
        out.resize(have + room - stream_->avail_out);
        if (out.size() > max_size)
            return Result::too_big;
        if (rc == Z_STREAM_END) {
            ended = true;
            break;
        }
        if (rc == Z_BUF_ERROR) // no progress possible: input used up
            break;
        if (rc != Z_OK)
            return Result::bad_data;
        if (stream_->avail_in == 0 && stream_->avail_out != 0)
            break; // all input consumed and all output flushed
    }
    return Result::ok;
}

} // namespace herald::ws
