// herald under a small RLIMIT_NOFILE: max_connections derives from it, and
// when accept() runs out of descriptors herald pauses instead of spinning,
// logs once, counts it, and accepts again once descriptors are free.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <thread>

using namespace herald_test;

namespace {

// utime + stime of `pid`, in seconds.
double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; fields >> field; ++i)
        if (i == 14 || i == 15)
            ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

} // namespace

TEST(DescriptorLimit, DefaultMaxConnectionsLeavesAReserve) {
    // 200 descriptors: 64 are kept back, 136 are for connections.
    HeraldProcess herald({}, Security::insecure, 200);
    EXPECT_TRUE(herald.wait_for_log("max_connections 136,", 1s)) << herald.log();
}

TEST(DescriptorLimit, AcceptOutOfDescriptorsBacksOffAndRecovers) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    // A sanitizer runtime needs descriptors of its own: UBSan's vptr check
    // probes memory through a pipe, and reports a false "invalid vptr" when it
    // cannot make one. Starving herald of descriptors tests the runtime then.
    GTEST_SKIP() << "needs a build without sanitizers";
#endif
    // max_connections above what the descriptors allow: accept() fails.
    HeraldProcess herald({"--max-connections", "1000", "--handshake-timeout", "60s"}, Security::insecure,
                         200);
    std::vector<std::unique_ptr<TimedSocket>> crowd;
    for (int i = 0; i < 260; ++i) // the kernel queues them in the backlog
        crowd.push_back(std::make_unique<TimedSocket>(herald.port()));
    ASSERT_TRUE(herald.wait_for_log("accept: ", 5s)) << "herald never ran out of descriptors";

    // Out of descriptors, the acceptor waits: no busy loop, one log line.
    const double before = cpu_seconds(herald.pid());
    std::this_thread::sleep_for(1s);
    EXPECT_LT(cpu_seconds(herald.pid()) - before, 0.3) << "the acceptor spins";
    EXPECT_TRUE(herald.running());
    EXPECT_EQ(occurrences(herald.log(), "accept: "), 1u) << "one report per 10 s";

    crowd.clear();
    HttpResponse health;
    EXPECT_TRUE(wait_until([&] {
        try {
            health = http_get(herald.port(), "/healthz");
            return health.status == 200;
        } catch (const std::exception&) {
            return false;
        }
    })) << "herald did not accept again once descriptors were free";
    EXPECT_GE(metric_value(herald.port(), "herald_accept_errors_total").value_or(0), 1);
}
