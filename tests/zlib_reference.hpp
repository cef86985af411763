#pragma once
// permessage-deflate (RFC 7692) done with zlib directly and nothing of
// herald's: the reference that herald's Deflater, Inflater and what it puts
// on the wire are checked against, in the unit and the integration tests.
#include <zlib.h>

#include <string>
#include <string_view>

namespace herald_test {

// Raw deflate of `in`. `flush`: Z_SYNC_FLUSH (its 00 00 FF FF tail removed,
// as RFC 7692 asks) or Z_FINISH (a final block, which RFC 7692 allows).
inline std::string reference_deflate(std::string_view in, int flush = Z_SYNC_FLUSH,
                                     int level = 6) {
    z_stream z{};
    deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, flush);
    out.resize(out.size() - z.avail_out);
    deflateEnd(&z);
    if (flush == Z_SYNC_FLUSH)
        out.resize(out.size() - 4);
    return out;
}

// One message inflated (the tail the sender removed added back, up to 16 MiB
// of output); empty when zlib finds the data bad.
inline std::string reference_inflate(std::string_view compressed) {
    std::string in(compressed);
    in.append("\x00\x00\xff\xff", 4);
    z_stream z{};
    inflateInit2(&z, -15);
    std::string out(16 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    out.resize(out.size() - z.avail_out);
    inflateEnd(&z);
    return rc == Z_OK || rc == Z_STREAM_END ? out : std::string();
}

} // namespace herald_test
