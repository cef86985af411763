#include "herald/server/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

namespace herald::systemd {

bool notify(const std::string& state) {
    return sd_notify(0, state.c_str()) > 0;
}

std::chrono::microseconds watchdog_period() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0)
        return std::chrono::microseconds{0};
    return std::chrono::microseconds{usec / 2};
}

} // namespace herald::systemd
