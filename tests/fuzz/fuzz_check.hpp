#pragma once
// Shared by the libFuzzer targets: an invariant that fails is a finding, so it
// aborts (libFuzzer saves the input) after saying which one broke.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);     \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace herald_fuzz {

// What an EventSource reads back as `data` for text sent on data: lines:
// CRLF and lone CR become LF (the lines are split there and joined with LF).
inline std::string normalize_newlines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    return out;
}

// A cheap, deterministic split size derived from the input itself, so that
// every input is also parsed in pieces (as TCP may deliver it).
inline std::size_t chunk_size(const unsigned char* data, std::size_t size, std::size_t max) {
    std::size_t h = size;
    for (std::size_t i = 0; i < size && i < 16; ++i)
        h = h * 31 + data[i];
    return 1 + h % max;
}

} // namespace herald_fuzz
