// Bytes per member and presence-answer time for one channel of N members.
// Not part of the CMake build: see docs/benchmarks-findings.md (Presence) for
// the one-line g++ command against build/release/libherald_core.a.
#include "herald/hub/presence.hpp"
#include <chrono>
#include <cstdio>
#include <malloc.h>
int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
    const std::string info = R"({"name":"User name"})";
    auto before = mallinfo2().uordblks;
    herald::Presence p;
    for (int i = 0; i < n; ++i)
        p.add("room:1", "user-" + std::to_string(100000 + i), i % 2 ? info : "");
    auto after = mallinfo2().uordblks;
    std::size_t size = 0;
    const int rounds = 200;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r)
        size += p.answer("room:1").size();
    auto t1 = std::chrono::steady_clock::now();
    std::printf("members=%d heap_bytes=%zu bytes_per_member=%.1f answer_bytes=%zu answer_us=%.1f\n",
                n, after - before, double(after - before) / n, size / rounds,
                std::chrono::duration<double, std::micro>(t1 - t0).count() / rounds);
}
