#include "herald/server/signal_watch.hpp"

#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <sys/signalfd.h>
#include <system_error>
#include <unistd.h>

namespace herald {

namespace {
sigset_t watched_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}
} // namespace

SignalWatch::SignalWatch() {
    const sigset_t set = watched_signals();
    if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
        throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
    fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0)
        throw std::system_error(errno, std::generic_category(), "signalfd");
}

SignalWatch::~SignalWatch() {
    if (fd_ >= 0)
        ::close(fd_);
}

void SignalWatch::start(boost::asio::io_context& context, Handler handler) {
    handler_ = std::move(handler);
    descriptor_.emplace(context, fd_);
    fd_ = -1;
    do_wait();
}

void SignalWatch::stop() {
    handler_ = nullptr;
    // Destroyed here, while its io_context still runs: a descriptor must not
    // outlive the context it is registered with. The wait in flight ends
    // with operation_aborted and touches only `this`.
    descriptor_.reset();
}

void SignalWatch::do_wait() {
    descriptor_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this](boost::system::error_code ec) { on_wait(ec); });
}

void SignalWatch::on_wait(boost::system::error_code ec) {
    if (ec || !handler_)
        return;
    // Every pending signal, one read each. A handler may call stop(), which
    // destroys the descriptor: it is not touched again once handler_ is null.
    signalfd_siginfo info{};
    while (handler_ && ::read(descriptor_->native_handle(), &info, sizeof info) ==
                           static_cast<ssize_t>(sizeof info))
        handler_(static_cast<int>(info.ssi_signo));
    if (handler_)
        do_wait();
}

} // namespace herald
