#include "http_mini.hpp"

#include <algorithm>
#include <charconv>
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace epoll_limit {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

int hex(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// The value of `channel` in a query string, decoded; empty when absent.
std::string channel_param(std::string_view query) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        if (pair.starts_with("channel="))
            return percent_decode(pair.substr(8));
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    }
    return {};
}

} // namespace

Parse parse_request(std::string_view data, Request& r) {
    auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos)
        return data.size() > max_head_bytes ? Parse::bad : Parse::incomplete;
    r.head_size = end + 4;
    auto line_end = data.find("\r\n");
    auto line = data.substr(0, line_end);
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
        return Parse::bad;
    r.method = line.substr(0, sp1);
    auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string_view::npos)
        r.channel = channel_param(target.substr(q + 1));

    for (auto pos = line_end + 2; pos < end;) {
        auto eol = data.find("\r\n", pos);
        auto header = data.substr(pos, eol - pos);
        pos = eol + 2;
        auto colon = header.find(':');
        if (colon == std::string_view::npos)
            return Parse::bad;
        auto name = header.substr(0, colon);
        auto value = trim(header.substr(colon + 1));
        if (iequals(name, "content-length")) {
            auto [p, ec] =
                std::from_chars(value.data(), value.data() + value.size(), r.content_length);
            if (ec != std::errc{} || p != value.data() + value.size())
                return Parse::bad;
            r.has_length = true;
        } else if (iequals(name, "upgrade")) {
            r.upgrade_websocket = iequals(value, "websocket");
        } else if (iequals(name, "sec-websocket-key")) {
            r.ws_key = value;
        } else if (iequals(name, "transfer-encoding")) {
            r.chunked = true;
        }
    }
    return Parse::ok;
}

std::string websocket_accept(std::string_view key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input(key);
    input += guid;
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
    int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

std::string sse_event(std::string_view body) {
    std::string out = "data: ";
    out.reserve(body.size() + 8);
    for (char c : body) {
        out.push_back(c);
        if (c == '\n')
            out += "data: ";
    }
    out += "\n\n";
    return out;
}

std::string ws_text_frame(std::string_view body) {
    std::string out;
    out.reserve(body.size() + 10);
    out.push_back(static_cast<char>(0x81)); // FIN + text
    auto n = body.size();
    if (n < 126) {
        out.push_back(static_cast<char>(n));
    } else if (n <= 0xffff) {
        out.push_back(126);
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(127);
        for (int shift = 56; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xff));
    }
    out += body;
    return out;
}

bool WsReader::feed(const char* data, std::size_t size) {
    while (size > 0) {
        if (skip_ > 0) {
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, size));
            skip_ -= n;
            data += n;
            size -= n;
            continue;
        }
        header_[header_size_++] = static_cast<unsigned char>(*data++);
        --size;
        if (header_size_ < 2)
            continue;
        unsigned len7 = header_[1] & 0x7f;
        std::size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        std::size_t need = 2 + extended + ((header_[1] & 0x80) ? 4 : 0);
        if (header_size_ < need)
            continue;
        if ((header_[0] & 0x0f) == 0x8)
            return true;
        std::uint64_t length = len7;
        if (extended > 0) {
            length = 0;
            for (std::size_t i = 0; i < extended; ++i)
                length = (length << 8) | header_[2 + i];
        }
        skip_ = length;
        header_size_ = 0;
    }
    return false;
}

} // namespace epoll_limit
