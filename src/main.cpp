// herald: a push server. See README.md.
#include "herald/auth/token_command.hpp"
#include "herald/config/config.hpp"
#include "herald/server/server.hpp"

#include <csignal>
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string_view>

extern char** environ;

int main(int argc, char** argv) {
    herald::Config config;
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e)
        environment.emplace_back(*e);
    if (argc > 1 && std::string_view(argv[1]) == "token")
        return herald::auth::run_token_command(argc - 1, argv + 1, environment);
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
        return server.run();
    } catch (const herald::ConfigError& e) {
        spdlog::critical("{}", e.what());
        return 2;
    }
}
