#include "stream_parser.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

namespace bench {

namespace {

// Records the timestamp that starts `data` (digits), if there is one.
void take_timestamp(std::string_view data, StreamEvents& out) {
    std::uint64_t ts = 0;
    std::size_t i = 0;
    for (; i < data.size() && i < 20 && data[i] >= '0' && data[i] <= '9'; ++i)
        ts = ts * 10 + static_cast<std::uint64_t>(data[i] - '0');
    if (i == 0) {
        ++out.other;
        return;
    }
    if (ts < out.not_before_ns) {
        ++out.stale;
        return;
    }
    ++out.deliveries;
    if (out.latency)
        out.latency->record(out.now_ns > ts ? out.now_ns - ts : 0);
}

// A reset that sheds queued events says how many: {"reason":...,"dropped":N}.
void take_reset(std::string_view text, StreamEvents& out) {
    ++out.resets;
    constexpr std::string_view key = R"("dropped":)";
    auto at = text.find(key);
    if (at == std::string_view::npos)
        return;
    std::uint64_t n = 0;
    for (auto i = at + key.size(); i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
    out.announced += n;
}

// Other servers: any block with a data line is an event; id:/event: lines may come along.
void raw_sse_block(std::string_view block, StreamEvents& out) {
    std::size_t data = block.starts_with("data:") ? 0 : block.find("\ndata:");
    if (data == std::string_view::npos)
        return; // comment, retry:, ...
    auto value = block.substr(data == 0 ? 5 : data + 6);
    if (value.starts_with(" "))
        value.remove_prefix(1);
    take_timestamp(value, out);
}

void sse_block(std::string_view block, StreamEvents& out) {
    if (out.raw)
        return raw_sse_block(block, out);
    if (block.starts_with("retry:")) {
        out.subscribed = true;
        return;
    }
    if (block.starts_with(":"))
        return; // heartbeat comment
    std::size_t data = block.starts_with("data: ") ? 0 : block.find("\ndata: ");
    if (data == std::string_view::npos || block.find("\nevent: ") != std::string_view::npos ||
        block.starts_with("event: ")) {
        // Named events are not the bench's; a reset announces a loss.
        if (block.find("event: reset\n") != std::string_view::npos)
            take_reset(block, out);
        else
            ++out.other;
        return;
    }
    take_timestamp(block.substr(data == 0 ? 6 : data + 7), out);
}

void ws_text(std::string_view payload, StreamEvents& out) {
    if (out.raw)
        return take_timestamp(payload, out);
    if (payload.starts_with(R"({"type":"subscribed")")) {
        out.subscribed = true;
        return;
    }
    if (payload.starts_with(R"({"type":"reset")")) {
        take_reset(payload, out);
        return;
    }
    if (!payload.starts_with(R"({"channel":)")) {
        ++out.other;
        return;
    }
    constexpr std::string_view key = R"("data":")";
    auto at = payload.rfind(key);
    if (at == std::string_view::npos) {
        ++out.other;
        return;
    }
    take_timestamp(payload.substr(at + key.size()), out);
}

} // namespace

HeadResult parse_head(std::string_view data, Transport transport) {
    HeadResult r;
    auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos)
        return r;
    r.complete = true;
    r.body_offset = end + 4;
    r.status_line = std::string(data.substr(0, std::min(data.find("\r\n"), std::size_t{80})));
    r.ok = data.starts_with(transport == Transport::sse ? "HTTP/1.1 200" : "HTTP/1.1 101");
    std::string head(data.substr(0, end));
    for (auto& ch : head)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.chunked = head.find("\r\ntransfer-encoding: chunked") != std::string::npos;
    return r;
}

std::size_t parse_sse(std::string_view data, StreamEvents& out) {
    std::size_t pos = 0;
    for (;;) {
        auto end = data.find("\n\n", pos);
        if (end == std::string_view::npos)
            return pos;
        sse_block(data.substr(pos, end - pos), out);
        pos = end + 2;
    }
}

std::size_t parse_ws(std::string_view data, StreamEvents& out) {
    std::size_t pos = 0;
    while (data.size() - pos >= 2) {
        auto b0 = static_cast<unsigned char>(data[pos]);
        auto b1 = static_cast<unsigned char>(data[pos + 1]);
        if (b1 & 0x80) { // a server must not mask
            out.protocol_error = true;
            return data.size();
        }
        std::size_t header = 2;
        std::uint64_t length = b1 & 0x7f;
        if (length >= 126) {
            std::size_t extra = length == 126 ? 2 : 8;
            if (data.size() - pos < 2 + extra)
                return pos;
            length = 0;
            for (std::size_t i = 0; i < extra; ++i)
                length = (length << 8) | static_cast<unsigned char>(data[pos + 2 + i]);
            header += extra;
        }
        if (data.size() - pos - header < length)
            return pos;
        auto payload = data.substr(pos + header, static_cast<std::size_t>(length));
        switch (b0 & 0x0f) {
        case 0x1:
            ws_text(payload, out);
            break;
        case 0x8:
            out.closed = true;
            break;
        case 0x9: // ping: answer with a masked pong (zero mask key) of the same payload
            if (payload.size() <= 125) {
                out.pong.push_back(static_cast<char>(0x8A));
                out.pong.push_back(static_cast<char>(0x80 | payload.size()));
                out.pong.append(4, '\0');
                out.pong.append(payload);
            }
            break;
        case 0xA:
            break;
        default:
            ++out.other;
            break;
        }
        pos += header + static_cast<std::size_t>(length);
    }
    return pos;
}

std::size_t dechunk(char* data, std::size_t n, ChunkState& st) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < n;) {
        char ch = data[i];
        switch (st.phase) {
        case 0: { // hex size
            int v = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;
            if (v >= 0) {
                st.left = st.left * 16 + static_cast<std::uint32_t>(v);
                ++i;
                break;
            }
            st.phase = 1; // extension or CR: skip to the line's end
            break;
        }
        case 1:
            ++i;
            if (ch == '\n')
                st.phase = st.left ? 2 : 4;
            break;
        case 2: {
            std::size_t take = std::min<std::size_t>(st.left, n - i);
            std::memmove(data + out, data + i, take);
            out += take;
            i += take;
            st.left -= static_cast<std::uint32_t>(take);
            if (st.left == 0)
                st.phase = 3;
            break;
        }
        case 3:
            ++i;
            if (ch == '\n')
                st.phase = 0;
            break;
        default: // the last chunk: nothing more belongs to the stream
            i = n;
            break;
        }
    }
    return out;
}

std::string make_event_data(std::uint64_t now_ns, unsigned size) {
    std::string data = std::to_string(now_ns);
    data.push_back(' ');
    if (data.size() < size)
        data.append(size - data.size(), 'x');
    return data;
}

std::uint64_t steady_ns() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

} // namespace bench
