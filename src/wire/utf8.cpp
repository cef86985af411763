#include "herald/wire/utf8.hpp"

#include <cstddef>

namespace herald {

bool is_valid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        // Lead byte decides the length and the allowed range of the second
        // byte; narrowing that range is what rules out overlongs, surrogates
        // and values above U+10FFFF (RFC 3629, section 4).
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) {
                lo = 0xA0; // below is an overlong 3-byte form
            } else if (c == 0xED) {
                hi = 0x9F; // above are surrogates
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) {
                lo = 0x90; // below is an overlong 4-byte form
            } else if (c == 0xF4) {
                hi = 0x8F; // above is beyond U+10FFFF
            }
        } else {
            return false; // continuation byte, C0/C1 overlong lead, or F5..FF
        }
        if (n - i < len) {
            return false;
        }
        if (p[i + 1] < lo || p[i + 1] > hi) {
            return false;
        }
        for (std::size_t k = 2; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
        }
        i += len;
    }
    return true;
}

} // namespace herald
