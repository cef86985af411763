// herald: a push server. See README.md.
#include "herald/auth/access_policy.hpp"
#include "herald/auth/token_command.hpp"
#include "herald/config/config.hpp"
#include "herald/server/server.hpp"

#include <csignal>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string_view>

extern char** environ;

namespace {

// herald check-config [-c FILE] [flags]: everything herald checks before it
// listens (every key, the key files the auth keys name), and the effective
// value of every key with where it came from. Exit 0 if valid, 2 if not.
int check_config(int argc, char** argv, const std::vector<std::string>& environment) {
    herald::Config config;
    std::vector<std::string> origins;
    try {
        if (herald::parse_command_line(argc, argv, environment, config, &origins) ==
            herald::ParseOutcome::exit_ok)
            return 0;
        herald::auth::AccessPolicy::from_config(config);
    } catch (const std::exception& e) { // ConfigError, or a key file that cannot be used
        std::fprintf(stderr, "herald: %s\n", e.what());
        return 2;
    }
    std::fputs(herald::explain_config(config, origins).c_str(), stdout);
    std::puts("herald: the configuration is valid");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    herald::Config config;
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e)
        environment.emplace_back(*e);
    if (argc > 1 && std::string_view(argv[1]) == "token")
        return herald::auth::run_token_command(argc - 1, argv + 1, environment);
    if (argc > 1 && std::string_view(argv[1]) == "check-config")
        return check_config(argc - 1, argv + 1, environment);
    try {
        if (herald::parse_command_line(argc, argv, environment, config) ==
            herald::ParseOutcome::exit_ok)
            return 0;
    } catch (const herald::ConfigError& e) {
        std::fprintf(stderr, "herald: %s\n", e.what());
        return 2;
    }

    // Logs go to stderr: journald and docker collect it, stdout stays free.
    auto logger = spdlog::stderr_color_mt("herald");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    std::signal(SIGPIPE, SIG_IGN); // a vanished peer is an error code, not a signal

    try {
        herald::Server server(std::move(config));
        server.set_reload_source(std::vector<std::string>(argv, argv + argc), environment);
        return server.run();
    } catch (const herald::ConfigError& e) {
        spdlog::critical("{}", e.what());
        return 2;
    }
}
