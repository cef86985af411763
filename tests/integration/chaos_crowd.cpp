#include "chaos_crowd.hpp"

#include "raw_ws.hpp"

#include <boost/asio/write.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

namespace herald_test {

namespace {

using namespace std::chrono_literals;

constexpr const char* kUpgradeHeaders = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                        "Sec-WebSocket-Version: 13\r\n";

std::string get(const std::string& target, const std::string& extra_headers = {}) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

} // namespace

ChaosCrowd::ChaosCrowd(std::uint16_t port, std::size_t slots, std::size_t channels, unsigned seed)
    : port_(port), channels_(channels) {
    for (std::size_t i = 0; i < slots; ++i)
        slots_.push_back(std::make_unique<Slot>(*this, seed + static_cast<unsigned>(i)));
}

ChaosCrowd::~ChaosCrowd() = default;

bool ChaosCrowd::run_for(Millis duration, Millis drain) {
    active_ = slots_.size();
    for (auto& slot : slots_)
        slot->start_round();
    context_.run_for(duration);
    stopping_ = true;
    for (auto& slot : slots_)
        slot->stop();
    const auto deadline = std::chrono::steady_clock::now() + drain;
    while (active_ > 0 && std::chrono::steady_clock::now() < deadline) {
        context_.restart();
        context_.run_for(50ms);
    }
    return active_ == 0;
}

ChaosCrowd::Slot::Slot(ChaosCrowd& crowd, unsigned seed)
    : crowd_(crowd), rng_(seed), socket_(crowd.context_), timer_(crowd.context_) {}

void ChaosCrowd::Slot::start_round() {
    if (crowd_.stopping_) {
        --crowd_.active_;
        return;
    }
    const auto round = ++round_;
    auto& stats = crowd_.stats_;
    const unsigned dice = uniform(0, 99);
    kind_ = dice < 45   ? Kind::sse
            : dice < 90 ? Kind::ws
            : dice < 95 ? Kind::garbage
                        : Kind::never_read;
    ++(kind_ == Kind::sse       ? stats.sse
       : kind_ == Kind::ws      ? stats.ws
       : kind_ == Kind::garbage ? stats.garbage
                                : stats.never_read);
    in_connection_ = true;

    error_code ec;
    socket_ = tcp::socket(crowd_.context_);
    socket_.open(tcp::v4(), ec);
    // Any 127.0.0.x source address; the port is chosen at connect time.
    const int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    const auto source = net::ip::address_v4((127u << 24) | uniform(1, 254));
    if (!ec)
        socket_.bind(tcp::endpoint(source, 0), ec);
    if (!ec && kind_ == Kind::never_read)
        socket_.set_option(net::socket_base::receive_buffer_size(2048), ec);
    if (ec) {
        ++stats.connect_errors;
        return end_round(round, false);
    }

    const unsigned lifetime_ms = kind_ == Kind::never_read ? uniform(1000, 6000) : uniform(0, 3000);
    timer_.expires_after(Millis{lifetime_ms});
    timer_.async_wait([this, round](error_code ec) {
        if (!ec)
            end_round(round, false);
    });
    const tcp::endpoint server(net::ip::make_address_v4("127.0.0.1"), crowd_.port_);
    socket_.async_connect(server, [this, round](error_code ec) { on_connect(round, ec); });
}

void ChaosCrowd::Slot::stop() {
    if (in_connection_)
        end_round(round_, false);
}

void ChaosCrowd::Slot::on_connect(std::size_t round, error_code ec) {
    if (round != round_)
        return;
    if (ec) {
        ++crowd_.stats_.connect_errors;
        return end_round(round, false);
    }
    ++crowd_.stats_.connections;
    connected_ = true;
    auto request = pick_request();
    // Some subscribers give up halfway through their request.
    if ((kind_ == Kind::sse || kind_ == Kind::ws) && uniform(0, 99) < 5) {
        ++crowd_.stats_.half_request;
        request.resize(request.size() / 2);
        return write(round, std::move(request));
    }
    write(round, std::move(request));
    if (kind_ != Kind::never_read)
        do_read(round);
}

void ChaosCrowd::Slot::write(std::size_t round, std::string bytes) {
    if (writing_)
        return; // a chaos client may drop what it would have said
    writing_ = true;
    auto owned = std::make_shared<std::string>(std::move(bytes));
    net::async_write(socket_, net::buffer(*owned), [this, round, owned](error_code, std::size_t) {
        if (round == round_)
            writing_ = false;
    });
}

void ChaosCrowd::Slot::do_read(std::size_t round) {
    socket_.async_read_some(net::buffer(buffer_),
                            [this, round](error_code ec, std::size_t n) { on_read(round, ec, n); });
}

void ChaosCrowd::Slot::on_read(std::size_t round, error_code ec, std::size_t n) {
    if (round != round_)
        return;
    if (ec) {
        ++crowd_.stats_.closed_by_server;
        return end_round(round, true);
    }
    crowd_.stats_.bytes_received += n;
    if (!head_done_) {
        head_.append(buffer_.data(), n);
        if (head_.find("\r\n\r\n") != std::string::npos) {
            head_done_ = true;
            const char* expected = kind_ == Kind::sse ? "HTTP/1.1 200" : "HTTP/1.1 101";
            if (kind_ != Kind::garbage && head_.rfind(expected, 0) != 0)
                ++crowd_.stats_.bad_status;
            if (upgrade_garbage_)
                write(round, garbage_frames());
            head_.clear();
        }
    } else if (kind_ == Kind::ws && uniform(0, 19) == 0) {
        send_ws_message(round);
    }
    do_read(round);
}

void ChaosCrowd::Slot::send_ws_message(std::size_t round) {
    const auto channel = "chaos" + std::to_string(uniform(0, crowd_.channels_ - 1));
    switch (uniform(0, 4)) {
    case 0:
        return write(round, encode_client_frame(opcode::text, R"({"type":"subscribe","channel":")" +
                                                                  channel + "\"}"));
    case 1:
        return write(round,
                     encode_client_frame(opcode::text,
                                         R"({"type":"unsubscribe","channel":")" + channel + "\"}"));
    case 2:
        return write(round, encode_client_frame(opcode::text, R"({"type":"ping"})"));
    case 3:
        return write(round, encode_client_frame(opcode::ping, "chaos"));
    default:
        return write(round, encode_client_frame(opcode::text, "{not json"));
    }
}

void ChaosCrowd::Slot::end_round(std::size_t round, bool by_server) {
    if (round != round_ || !in_connection_)
        return;
    const auto next = ++round_;
    in_connection_ = false;
    timer_.cancel();
    error_code ignored;
    if (connected_ && !by_server) {
        switch (uniform(0, 2)) {
        case 0: // a reset, as from a crashed browser or a dropped network
            socket_.set_option(net::socket_base::linger(true, 0), ignored);
            ++crowd_.stats_.resets;
            break;
        case 1: // a polite goodbye, without waiting for the answer
            if (kind_ == Kind::ws && head_done_) {
                socket_.non_blocking(true, ignored);
                const auto close = encode_client_frame(opcode::close, std::string("\x03\xe8", 2));
                socket_.send(net::buffer(close), 0, ignored);
            }
            socket_.shutdown(tcp::socket::shutdown_send, ignored);
            break;
        default: // just close
            break;
        }
    }
    socket_.close(ignored);
    connected_ = false;
    writing_ = false;
    head_done_ = false;
    upgrade_garbage_ = false;
    head_.clear();
    timer_.expires_after(Millis{uniform(0, 50)});
    timer_.async_wait([this, next](error_code ec) {
        if (!ec && next == round_)
            start_round();
    });
}

std::string ChaosCrowd::Slot::random_channels() {
    std::string query;
    const unsigned count = uniform(1, 3);
    for (unsigned i = 0; i < count; ++i)
        query += (i ? "&channel=chaos" : "channel=chaos") +
                 std::to_string(uniform(0, crowd_.channels_ - 1));
    if (uniform(0, 9) == 0)
        query += "&lastEventId=gone-" + std::to_string(uniform(0, 1000)); // answered with reset
    return query;
}

std::string ChaosCrowd::Slot::pick_request() {
    const bool ws = kind_ == Kind::ws || (kind_ == Kind::never_read && uniform(0, 1) == 0);
    if (kind_ != Kind::garbage)
        return ws ? get("/ws?" + random_channels(), kUpgradeHeaders)
                  : get("/events?" + random_channels());
    switch (uniform(0, 5)) {
    case 0:
        return random_bytes(uniform(1, 2000));
    case 1:
        return get("/events?channel=bad%20name");
    case 2:
        return get("/events?channel=chaos0", "X-Big: " + std::string(16 * 1024, 'b') + "\r\n");
    case 3:
        return "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9\r\n\r\n{\"channel";
    default:
        upgrade_garbage_ = true; // bad frames follow the 101
        return get("/ws?" + random_channels(), kUpgradeHeaders);
    }
}

std::string ChaosCrowd::Slot::random_bytes(std::size_t n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes)
        c = static_cast<char>(uniform(0, 255));
    return bytes;
}

std::string ChaosCrowd::Slot::garbage_frames() {
    switch (uniform(0, 4)) {
    case 0:
        return random_bytes(uniform(1, 500));
    case 1: // unmasked
        return encode_client_frame(opcode::text, R"({"type":"ping"})", false);
    case 2: // reserved bit
        return encode_client_frame(opcode::text, R"({"type":"ping"})", true, true);
    case 3: // announces 1 MiB, sends a little
        return encode_client_frame(opcode::text, std::string(1 << 20, 'x')).substr(0, 100);
    default: // invalid UTF-8
        return encode_client_frame(opcode::text, "{\"type\":\"\xC3\x28\"}");
    }
}

} // namespace herald_test
