// permessage-deflate: the offer parser, the bounded inflater and FrameReader
// with deflate negotiated, on arbitrary bytes. The first byte picks which.
//
// Invariants:
//  - an accepted offer's answer is one of herald's two answers, and offered
//    back (it is a valid offer itself) gets the same answer;
//  - inflate never returns more than the bound: ok means at most max_size
//    bytes, too_big at most max_size + 1 held; a result of ok is exact (the
//    same data with the bound at its size is ok, one less is too_big), and
//    herald's Deflater round-trips it;
//  - FrameReader with deflate gives the same results however the bytes are
//    split, text is valid UTF-8 within max_message_size, errors are 1002,
//    1007 or 1009;
//  - Deflater then Inflater gives the input back.
#include "fuzz_check.hpp"
#include "herald/wire/utf8.hpp"
#include "herald/wire/ws_deflate_offer.hpp"
#include "herald/wire/ws_deflater.hpp"
#include "herald/wire/ws_frame_reader.hpp"
#include "herald/wire/ws_inflater.hpp"

#include <cstdint>
#include <vector>

namespace {

using herald::ws::Deflater;
using herald::ws::FrameReader;
using herald::ws::Inflater;
using Kind = herald::ws::ReadResult::Kind;

constexpr std::size_t max_message = 4096;
const std::string kAnswer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

void fuzz_offer(std::string_view input) {
    const auto answer = herald::ws::accept_deflate_offer(input);
    if (!answer)
        return;
    FUZZ_CHECK(*answer == kAnswer || *answer == kAnswer + "; server_max_window_bits=15");
    FUZZ_CHECK(herald::ws::accept_deflate_offer(*answer) == answer);
}

void fuzz_inflate(std::string_view input, std::size_t bound) {
    Inflater inflater;
    std::string out;
    switch (inflater.inflate(input, bound, out)) {
    case Inflater::Result::ok: {
        FUZZ_CHECK(out.size() <= bound);
        std::string again;
        FUZZ_CHECK(inflater.inflate(input, out.size(), again) == Inflater::Result::ok);
        FUZZ_CHECK(again == out);
        if (!out.empty())
            FUZZ_CHECK(inflater.inflate(input, out.size() - 1, again) == Inflater::Result::too_big);
        FUZZ_CHECK(inflater.inflate(Deflater::for_this_thread().compress(out), out.size(), again) ==
                   Inflater::Result::ok);
        FUZZ_CHECK(again == out);
        break;
    }
    case Inflater::Result::too_big:
        FUZZ_CHECK(out.size() == bound + 1);
        break;
    case Inflater::Result::bad_data:
        FUZZ_CHECK(out.size() <= bound);
        break;
    }
}

struct Result {
    Kind kind;
    std::string payload;
    std::uint16_t code;
    bool operator==(const Result&) const = default;
};

std::vector<Result> read_all(std::string_view input, std::size_t step) {
    Inflater inflater;
    FrameReader reader(max_message);
    reader.enable_deflate(inflater);
    std::vector<Result> out;
    for (std::size_t at = 0; at < input.size(); at += step) {
        std::string_view rest = input.substr(at, step);
        for (;;) {
            std::size_t consumed = 0;
            const auto r = reader.next(rest, consumed);
            rest.remove_prefix(consumed);
            if (r.kind == Kind::need_more)
                break;
            out.push_back({r.kind, std::string(r.payload), r.code});
            if (r.kind == Kind::text)
                FUZZ_CHECK(herald::is_valid_utf8(r.payload));
            if (r.kind == Kind::text || r.kind == Kind::binary)
                FUZZ_CHECK(r.payload.size() <= max_message);
            if (r.kind == Kind::error)
                FUZZ_CHECK(r.code == 1002 || r.code == 1007 || r.code == 1009);
        }
    }
    return out;
}

void fuzz_frames(std::string_view input, const std::uint8_t* bytes, std::size_t size) {
    const auto whole = read_all(input, input.size() + 1);
    FUZZ_CHECK(read_all(input, herald_fuzz::chunk_size(bytes, size, 32)) == whole);
    FUZZ_CHECK(read_all(input, 1) == whole);
}

void fuzz_round_trip(std::string_view input) {
    Inflater inflater;
    std::string out;
    FUZZ_CHECK(inflater.inflate(Deflater::for_this_thread().compress(input), input.size(), out) ==
               Inflater::Result::ok);
    FUZZ_CHECK(out == input);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 2)
        return 0;
    const std::string_view input(reinterpret_cast<const char*>(bytes) + 2, size - 2);
    switch (bytes[0] % 4) {
    case 0:
        fuzz_offer(input);
        break;
    case 1:
        // Bounds from 0 to 64 KiB, small ones most often.
        fuzz_inflate(input, std::size_t{bytes[1]} * bytes[1]);
        break;
    case 2:
        fuzz_frames(input, bytes, size);
        break;
    case 3:
        fuzz_round_trip(input);
        break;
    }
    return 0;
}
