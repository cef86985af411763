#include "herald/broker/redis/command.hpp"

#include <climits>
#include <exception>
#include <memory>

#include <hiredis/hiredis.h>

namespace herald::redis {

std::string format_command(std::span<const std::string_view> argv) {
    if (argv.empty() || argv.size() > static_cast<std::size_t>(INT_MAX)) {
        return {};
    }
    try {
        std::vector<const char*> ptrs;
        std::vector<std::size_t> lens;
        ptrs.reserve(argv.size());
        lens.reserve(argv.size());
        for (const auto arg : argv) {
            // hiredis reads `len` bytes from the pointer; an empty view may
            // carry nullptr, so give it a valid address.
            ptrs.push_back(arg.empty() ? "" : arg.data());
            lens.push_back(arg.size());
        }
        char* raw = nullptr;
        const int n =
            redisFormatCommandArgv(&raw, static_cast<int>(argv.size()), ptrs.data(), lens.data());
        const std::unique_ptr<char, void (*)(char*)> owned(raw, &redisFreeCommand);
        if (n < 0 || raw == nullptr) {
            return {};
        }
        return std::string(raw, static_cast<std::size_t>(n));
    } catch (const std::exception&) {
        return {}; // allocation failure: nothing to send
    }
}

std::string format_command(std::initializer_list<std::string_view> argv) {
    return format_command(std::span<const std::string_view>(argv.begin(), argv.size()));
}

std::string format_command(const std::vector<std::string>& argv) {
    try {
        std::vector<std::string_view> views(argv.begin(), argv.end());
        return format_command(std::span<const std::string_view>(views));
    } catch (const std::exception&) {
        return {};
    }
}

std::string format_command(std::string_view command, const std::vector<std::string>& args) {
    try {
        std::vector<std::string_view> views;
        views.reserve(args.size() + 1);
        views.push_back(command);
        views.insert(views.end(), args.begin(), args.end());
        return format_command(std::span<const std::string_view>(views));
    } catch (const std::exception&) {
        return {};
    }
}

std::string auth_command(std::string_view user, std::string_view password) {
    if (user.empty())
        return format_command({"AUTH", password});
    return format_command({"AUTH", user, password});
}

} // namespace herald::redis
