#include "herald/server/listener.hpp"

#include "herald/http/http_session.hpp"
#include "herald/http/request_params.hpp"
#include "herald/server/server_info.hpp"
#include "herald/server/worker.hpp"

#include <atomic>
#include <spdlog/spdlog.h>

namespace herald {

namespace {
using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// How many waiting connections one accept completion takes. One per pass of
// the event loop let a connect storm overflow the kernel's accept queue, and
// every client caught there waited for a SYN-ACK retransmit (1 s, then 3 s);
// a bound keeps one worker's loop from starving its other sessions meanwhile.
constexpr int accepts_per_completion = 64;

// accept() failures are reported once per interval for the whole node: every
// worker runs out of descriptors at the same time.
constexpr auto report_interval = std::chrono::seconds(10);
std::atomic<Clock::rep> last_report{0}; // 0 = never
std::atomic<std::size_t> unreported{0};
} // namespace

Listener::Listener(Worker& worker)
    : worker_(worker), acceptor_(worker.context()), retry_timer_(worker.context()) {}

void Listener::open(const tcp::endpoint& endpoint, error_code& ec) {
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor_.set_option(reuse_port(true), ec);
    if (!ec)
        acceptor_.bind(endpoint, ec);
    if (!ec)
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) // accept_waiting() must get would_block, not wait
        acceptor_.non_blocking(true, ec);
}

tcp::endpoint Listener::local_endpoint() const {
    error_code ec;
    return acceptor_.local_endpoint(ec);
}

void Listener::start() {
    do_accept();
}

void Listener::stop() {
    error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
}

void Listener::do_accept() {
    acceptor_.async_accept(worker_.context(), [this](error_code ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted)
        return; // stopped
    if (ec)
        return on_accept_error(ec);
    admit(std::move(socket));
    if (accept_waiting() && acceptor_.is_open())
        do_accept();
}

bool Listener::accept_waiting() {
    for (int taken = 1; taken < accepts_per_completion; ++taken) {
        error_code ec;
        tcp::socket socket(worker_.context());
        acceptor_.accept(socket, ec);
        if (ec == net::error::would_block || ec == net::error::try_again)
            return true; // the queue is empty: back to waiting
        if (ec) {
            on_accept_error(ec);
            return false; // on_accept_error resumes accepting
        }
        admit(std::move(socket));
    }
    return true;
}

void Listener::on_accept_error(error_code ec) {
    // EMFILE, ENFILE, ENOBUFS: usually transient. The connection waits in the
    // backlog meanwhile. One log line per interval, however many failures.
    worker_.stats().accept_errors.add();
    unreported.fetch_add(1, std::memory_order_relaxed);
    const auto now = Clock::now().time_since_epoch().count();
    auto last = last_report.load(std::memory_order_relaxed);
    if ((last == 0 || now - last >= Clock::duration(report_interval).count()) &&
        last_report.compare_exchange_strong(last, now, std::memory_order_relaxed))
        spdlog::warn("accept: {} ({} failure(s) since the last report); pausing 100 ms",
                     ec.message(), unreported.exchange(0, std::memory_order_relaxed));
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([this](error_code e) {
        if (!e && acceptor_.is_open())
            do_accept();
    });
}

void Listener::admit(tcp::socket socket) {
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    // A trusted proxy carries many clients: its streams are counted per
    // forwarded client instead (HttpSession::admit_stream).
    std::string address;
    if (auto peer = socket.remote_endpoint(ec); !ec)
        address = peer.address().to_string();
    if (is_trusted_proxy(address, worker_.config().trusted_proxies))
        address.clear();
    auto session = std::make_shared<HttpSession>(worker_, std::move(socket));
    auto verdict = worker_.info().limits.admit(session->slot(), address);
    if (verdict == ConnectionLimits::Verdict::admitted)
        session->start();
    else
        session->refuse(verdict);
}

} // namespace herald
