#include "raw_ws.hpp"

#include <boost/asio/error.hpp>

#include <stdexcept>

namespace herald_test {

namespace {
using Clock = std::chrono::steady_clock;
} // namespace

unsigned RawFrame::close_code() const {
    if (payload.size() < 2)
        return 0;
    return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

std::string RawFrame::close_reason() const {
    return payload.size() > 2 ? payload.substr(2) : std::string();
}

std::string encode_client_frame(std::uint8_t opcode, std::string_view payload, bool mask, bool rsv1,
                                bool fin) {
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0F)));
    const std::uint8_t mask_bit = mask ? 0x80 : 0;
    const std::uint64_t n = payload.size();
    if (n <= 125) {
        out.push_back(static_cast<char>(mask_bit | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((n >> shift) & 0xFF));
    }
    const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    if (mask)
        out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        out.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
    return out;
}

std::optional<RawFrame> take_frame(std::string& buffer) {
    if (buffer.size() < 2)
        return std::nullopt;
    const auto* b = reinterpret_cast<const unsigned char*>(buffer.data());
    RawFrame frame;
    frame.fin = b[0] & 0x80;
    frame.rsv = (b[0] >> 4) & 0x07;
    frame.opcode = b[0] & 0x0F;
    frame.masked = b[1] & 0x80;
    std::uint64_t length = b[1] & 0x7F;
    std::size_t header = 2;
    if (length == 126 || length == 127) {
        const std::size_t bytes = length == 126 ? 2 : 8;
        if (buffer.size() < header + bytes)
            return std::nullopt;
        length = 0;
        for (std::size_t i = 0; i < bytes; ++i)
            length = (length << 8) | b[header + i];
        header += bytes;
    }
    std::string key;
    if (frame.masked) {
        if (buffer.size() < header + 4)
            return std::nullopt;
        key = buffer.substr(header, 4);
        header += 4;
    }
    if (buffer.size() < header + length)
        return std::nullopt;
    frame.payload = buffer.substr(header, length);
    if (frame.masked)
        for (std::size_t i = 0; i < frame.payload.size(); ++i)
            frame.payload[i] = static_cast<char>(frame.payload[i] ^ key[i % 4]);
    buffer.erase(0, header + length);
    return frame;
}

RawWsClient::RawWsClient(std::uint16_t port, const std::string& target, int receive_buffer,
                         Millis timeout, const std::string& extra_headers)
    : socket_(port, receive_buffer, timeout) {
    const std::string request = "GET " + target +
                                " HTTP/1.1\r\n"
                                "Host: 127.0.0.1:" +
                                std::to_string(port) +
                                "\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n" +
                                extra_headers + "\r\n";
    if (auto ec = socket_.write(request, timeout))
        throw std::runtime_error("raw WebSocket request: " + ec.message());
    const auto end = socket_.read_until(buffer_, "\r\n\r\n", timeout);
    if (end == std::string::npos || buffer_.rfind("HTTP/1.1 101", 0) != 0)
        throw std::runtime_error("raw WebSocket handshake failed: " + buffer_);
    response_ = buffer_.substr(0, end);
    buffer_.erase(0, end);
}

std::optional<RawFrame> RawWsClient::next_frame(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto frame = take_frame(buffer_)) {
            ++frames_read_;
            return frame;
        }
        if (ended_ || Clock::now() >= deadline)
            return std::nullopt;
        auto ec = socket_.read_some(buffer_, left_until(deadline));
        if (ec && ec != net::error::timed_out)
            ended_ = true;
    }
}

bool RawWsClient::wait_text(std::string_view needle, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (auto frame = next_frame(left_until(deadline)))
        if (frame->opcode == opcode::text && frame->payload.find(needle) != std::string::npos)
            return true;
    return false;
}

std::optional<RawFrame> RawWsClient::wait_close_frame(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (auto frame = next_frame(left_until(deadline)))
        if (frame->opcode == opcode::close)
            return frame;
    return std::nullopt;
}

bool RawWsClient::wait_closed(Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!ended_ && Clock::now() < deadline) {
        buffer_.clear();
        auto ec = socket_.read_some(buffer_, left_until(deadline));
        if (ec && ec != net::error::timed_out)
            ended_ = true;
    }
    return ended_;
}

} // namespace herald_test
