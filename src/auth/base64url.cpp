#include "herald/auth/base64url.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace herald::auth {

namespace {
bool is_url_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}
} // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
    // A lone trailing character cannot encode a whole byte.
    if (text.size() % 4 == 1 || !std::all_of(text.begin(), text.end(), is_url_char))
        return std::nullopt;
    std::string standard(text);
    std::replace(standard.begin(), standard.end(), '-', '+');
    std::replace(standard.begin(), standard.end(), '_', '/');
    const std::size_t padding = (4 - standard.size() % 4) % 4;
    standard.append(padding, '=');
    std::string out(standard.size() / 4 * 3, '\0');
    if (standard.empty())
        return out;
    // EVP_DecodeBlock counts padding as zero bytes: drop them after.
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(standard.data()),
                            static_cast<int>(standard.size()));
    if (n < 0 || static_cast<std::size_t>(n) < padding)
        return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    std::replace(out.begin(), out.end(), '+', '-');
    std::replace(out.begin(), out.end(), '/', '_');
    return out;
}

} // namespace herald::auth
