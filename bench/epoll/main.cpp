// herald-epoll-limit --listen 127.0.0.1:PORT --threads 2
// The benchmark's physical limit: SSE and WebSocket fan-out with nothing but
// epoll, one loop per thread, and events encoded once and shared. See README.md.
#include "loop.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <pthread.h>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "herald-epoll-limit: %s\nusage: herald-epoll-limit --listen IP:PORT "
                 "[--threads N]\n",
                 why);
    std::exit(2);
}

sockaddr_in parse_listen(const std::string& value) {
    auto colon = value.rfind(':');
    if (colon == std::string::npos)
        usage("--listen wants IP:PORT");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, value.substr(0, colon).c_str(), &addr.sin_addr) != 1)
        usage("--listen wants an IPv4 address");
    char* end = nullptr;
    long port = std::strtol(value.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535)
        usage("bad port");
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    return addr;
}

} // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:8080";
    int threads = 2;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc)
            usage(("missing value for " + arg).c_str());
        if (arg == "--listen")
            listen = argv[++i];
        else if (arg == "--threads")
            threads = std::atoi(argv[++i]);
        else
            usage(("unknown option " + arg).c_str());
    }
    if (threads < 1 || threads > 64)
        usage("--threads wants 1..64");
    auto addr = parse_listen(listen);

    // Writes to a vanished peer must fail with EPIPE, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    // Only the main thread takes SIGTERM/SIGINT; the loops never see them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    std::vector<epoll_limit::Loop*> loops;
    std::vector<std::unique_ptr<epoll_limit::Loop>> owned;
    try {
        for (int i = 0; i < threads; ++i) {
            owned.push_back(std::make_unique<epoll_limit::Loop>(addr, loops));
            // Port 0: the first listener's port becomes everyone's, or they would differ.
            addr.sin_port = htons(owned.back()->port());
            loops.push_back(owned.back().get());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "herald-epoll-limit: %s\n", e.what());
        return 1;
    }
    for (auto& loop : owned)
        std::thread([l = loop.get()] { l->run(); }).detach();
    std::fprintf(stderr, "herald-epoll-limit: listening on %s:%u with %d threads\n",
                 listen.substr(0, listen.rfind(':')).c_str(), owned.front()->port(), threads);

    int signal = 0;
    sigwait(&stop_signals, &signal);
    // Nothing to hand over: subscribers see the connection end.
    std::_Exit(0);
}
