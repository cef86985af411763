// Type=notify for real: the test binds the unix datagram socket that systemd
// would ($NOTIFY_SOCKET, with WATCHDOG_USEC) and reads what herald sends:
// READY=1 once it listens, WATCHDOG=1 keep-alives (during the drain too),
// STOPPING=1 on SIGTERM, RELOADING=1 and READY=1 around a SIGHUP reload.
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

TEST(SystemdNotify, WatchdogIsFedDuringTheDrain) {
    NotifySocket socket;
    SystemdEnvironment environment(socket.path(), "400000"); // keep-alives every 200 ms
    HeraldProcess herald({"--drain-window", "2s"});
    WsClient ws(herald.port(), ws_target({"a"})); // one stream: closed at the window's end
    ASSERT_TRUE(ws.wait_subscribed("a"));
    EXPECT_TRUE(socket.wait_for("READY=1", 5s)) << socket.received();
    herald.send_signal(SIGTERM);
    EXPECT_TRUE(socket.wait_for("STOPPING=1", 5s)) << socket.received();
    EXPECT_TRUE(socket.wait_for("WATCHDOG=1", 1s)) << "no keep-alive while draining";
    EXPECT_TRUE(ws.wait_closed(5s));
    EXPECT_EQ(ws.close_code(), 1012u);
    auto exit = herald.wait_exit(10s);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->code, 0);
}

// ExecReload= sends SIGHUP: RELOADING=1, the reload, READY=1; herald keeps
// running, and the handler is re-armed for the next one.
TEST(SystemdNotify, SighupReloadsBetweenReloadingAndReady) {
    NotifySocket socket;
    SystemdEnvironment environment(socket.path(), "0");
    HeraldProcess herald;
    ASSERT_TRUE(socket.wait_for("READY=1", 5s)) << socket.received();
    for (int round = 1; round <= 2; ++round) {
        herald.send_signal(SIGHUP);
        EXPECT_TRUE(socket.wait_for("RELOADING=1", 5s)) << socket.received();
        EXPECT_TRUE(socket.wait_for("READY=1", 5s)) << socket.received();
    }
    EXPECT_TRUE(wait_until(
        [&] {
            const auto log = herald.log();
            return log.find("reload: applied 0 changes") != log.rfind("reload: applied 0 changes");
        },
        5s))
        << herald.log();
    EXPECT_TRUE(herald.running());
    EXPECT_EQ(http_get(herald.port(), "/healthz").status, 200u);
}
