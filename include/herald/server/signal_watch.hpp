#pragma once
// SIGINT, SIGTERM and SIGHUP, read from a signalfd on an io_context rather
// than caught by a handler. The signals are blocked before any thread starts,
// so a signal sent at any moment stays pending in the kernel until this reads
// it: none is lost between a handler and the loop that should act on it, and
// none interrupts a worker's system call. (A CI run once saw herald's SIGTERM
// never reach an Asio signal_set handler; a pending signal cannot go astray.)
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <optional>

namespace herald {

class SignalWatch {
public:
    using Handler = std::function<void(int signal)>;

    // Blocks the three signals in the calling thread, which every thread it
    // starts afterwards inherits, and opens the signalfd. Throws
    // std::system_error if the kernel refuses either.
    SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;
    ~SignalWatch();

    // Calls `handler` on `context` for each signal until stop(); a signal
    // sent before start() is delivered then.
    void start(boost::asio::io_context& context, Handler handler);
    // No more handler calls; a later signal stays pending, unheard. Call it
    // before the io_context given to start() is destroyed.
    void stop();

private:
    void do_wait();
    void on_wait(boost::system::error_code ec);

    int fd_ = -1; // until start() hands it to descriptor_
    std::optional<boost::asio::posix::stream_descriptor> descriptor_;
    Handler handler_;
};

} // namespace herald
