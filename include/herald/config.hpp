#pragma once
// Runtime configuration. Every key can come from the TOML file, an environment
// variable HERALD_<KEY> and a command-line flag --<key-with-dashes>; later
// sources win: defaults < file < environment < flags.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

using Millis = std::chrono::milliseconds;

struct Config {
    std::string listen = "127.0.0.1:8080"; // ADDR:PORT; port 0 picks a free port
    unsigned threads = 0;                  // 0 = hardware concurrency
    std::string log_level = "info";        // trace, debug, info, warn, error, off

    std::string publish_key;                  // empty = POST /publish open
    std::vector<std::string> allowed_origins; // CORS / Origin allow-list

    Millis heartbeat_interval{30'000}; // SSE ": heartbeat" comment and WS ping period
    Millis heartbeat_timeout{10'000};  // WS pong must arrive within this
    Millis handshake_timeout{10'000};  // a connection must complete its request within this
    Millis shutdown_timeout{5'000};    // graceful shutdown deadline
    Millis retry{3'000};               // SSE "retry:" sent to EventSource clients
    Millis flush_interval{0};          // 0 = write as soon as the socket is free

    std::size_t history_size = 100; // events kept per channel for resume (0 = off)
    Millis history_ttl{300'000};    // how long an event stays resumable

    std::size_t max_queued_bytes = 1 << 20;  // per-session unsent bytes before "slow consumer"
    std::size_t max_message_size = 64 << 10; // largest WS client message
    std::size_t max_header_size = 8 << 10;   // largest HTTP request head
    std::size_t max_body_size = 1 << 20;     // largest POST /publish body
    std::size_t max_channels_per_connection = 64;

    std::string redis_url;                    // empty = embedded broker (single node)
    std::string channel_prefix;               // prepended to channel names in Redis
    Millis canary_interval{5'000};            // how often the bridge proves its subscription alive
    Millis canary_timeout{2'000};             // the canary must come back within this
    std::vector<std::string> trusted_proxies; // peers whose X-Forwarded-For is believed

    bool operator==(const Config&) const = default;
};

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class ParseOutcome { run, exit_ok };

// Parses argv (and the file named by --config, and the environment taken from
// `envp`-style "KEY=VALUE" strings) into `out`. Prints --help / --version
// itself and returns exit_ok for them. Throws ConfigError on any bad value.
ParseOutcome parse_command_line(int argc, const char* const* argv,
                                const std::vector<std::string>& environment, Config& out);

// The configuration that a TOML text gives on top of the defaults, checked as
// at start-up; `source` names it in errors. Throws ConfigError. (herald reads
// files through parse_command_line; this serves tests and the fuzzer.)
Config parse_config_text(std::string_view toml_text, const std::string& source = "config");

// The configuration as TOML text that parse_config_text reads back into an
// equal Config (every key written, durations and sizes with their units).
std::string to_toml(const Config& config);

// Parses a duration: "250ms", "30s", "5m", "1h", or a bare integer meaning seconds.
Millis parse_duration(const std::string& text);
// Parses a size: "65536", "64KiB", "1MiB", "64k", "1m".
std::size_t parse_size(const std::string& text);

// "host:port" -> parts; IPv6 as "[::1]:8080". Throws ConfigError.
struct ListenAddress {
    std::string host;
    std::uint16_t port;
};
ListenAddress parse_listen(const std::string& text);

} // namespace herald
