// Type=notify for real: the test binds the unix datagram socket that systemd
// would ($NOTIFY_SOCKET, with WATCHDOG_USEC) and reads what herald sends:
// READY=1 once it listens, WATCHDOG=1 keep-alives, STOPPING=1 on SIGTERM.
// Also: SIGHUP (ExecReload=) does not kill herald.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace herald_test;

namespace {

class NotifySocket {
public:
    NotifySocket() {
        char dir[] = "/tmp/herald-notify-XXXXXX";
        dir_ = ::mkdtemp(dir);
        path_ = dir_ + "/notify";
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
            throw std::runtime_error("bind " + path_);
    }
    ~NotifySocket() {
        ::close(fd_);
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    const std::string& path() const { return path_; }
    // Reads datagrams until one contains `state`; false after `timeout`.
    bool wait_for(const std::string& state, Millis timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) != 1)
                continue;
            char buffer[4096];
            const auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
            if (n <= 0)
                continue;
            received_.emplace_back(buffer, static_cast<std::size_t>(n));
            if (received_.back().find(state) != std::string::npos)
                return true;
        }
        return false;
    }
    std::string received() const {
        std::string all;
        for (const auto& d : received_)
            all += "[" + d + "] ";
        return all;
    }

private:
    std::string dir_, path_;
    int fd_ = -1;
    std::vector<std::string> received_;
};

// The environment systemd gives a Type=notify service with WatchdogSec=.
struct SystemdEnvironment {
    SystemdEnvironment(const std::string& socket, const char* watchdog_usec) {
        ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
        ::setenv("WATCHDOG_USEC", watchdog_usec, 1);
    }
    ~SystemdEnvironment() {
        ::unsetenv("NOTIFY_SOCKET");
        ::unsetenv("WATCHDOG_USEC");
    }
};

} // namespace

TEST(SystemdNotify, ReadyWatchdogAndStopping) {
    NotifySocket socket;
    SystemdEnvironment environment(socket.path(), "400000"); // keep-alives every 200 ms
    HeraldProcess herald;
    EXPECT_TRUE(socket.wait_for("READY=1", 5s)) << socket.received();
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(socket.wait_for("WATCHDOG=1", 2s)) << socket.received();
    herald.send_signal(SIGTERM);
    EXPECT_TRUE(socket.wait_for("STOPPING=1", 5s)) << socket.received();
    auto exit = herald.wait_exit(10s);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->exited);
    EXPECT_EQ(exit->code, 0);
}

TEST(SystemdNotify, SighupIsIgnoredUntilReloadExists) {
    HeraldProcess herald;
    herald.send_signal(SIGHUP);
    EXPECT_TRUE(herald.wait_for_log("reload is not supported yet", 5s)) << herald.log();
    herald.send_signal(SIGHUP); // and again: the handler is re-armed
    EXPECT_TRUE(wait_until(
        [&] {
            return herald.log().find("reload is not supported yet") !=
                   herald.log().rfind("reload is not supported yet");
        },
        5s))
        << herald.log();
    EXPECT_TRUE(herald.running());
    EXPECT_EQ(http_get(herald.port(), "/healthz").status, 200u);
}
