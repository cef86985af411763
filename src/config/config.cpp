#include "herald/config.hpp"

#include "config_keys.hpp"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>

#ifndef HERALD_VERSION
#define HERALD_VERSION "unknown"
#endif

namespace herald {
namespace {

[[noreturn]] void fail(const std::string& message) {
    throw ConfigError(message);
}

std::string quote(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& ch : out)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

using Unit = std::pair<std::string_view, std::uint64_t>; // suffix, multiplier

// "<digits><unit>" with overflow checks; shared by durations, sizes and plain counts.
std::uint64_t parse_scaled(const std::string& text, std::initializer_list<Unit> units,
                           bool any_case, std::uint64_t max, const std::string& what,
                           const std::string& hint) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [rest, ec] = std::from_chars(text.data(), end, value);
    const std::string suffix(rest, end);
    const Unit* unit = nullptr;
    for (const auto& u : units)
        if ((any_case ? lower(suffix) : suffix) == u.first)
            unit = &u;
    if (ec == std::errc::invalid_argument || !unit)
        fail("invalid " + what + " " + quote(text) + hint);
    if (ec == std::errc::result_out_of_range || value > max / unit->second)
        fail(what + " out of range: " + quote(text));
    return value * unit->second;
}

template <class T> T parse_count(const std::string& text) {
    return static_cast<T>(
        parse_scaled(text, {{"", 1}}, false, std::numeric_limits<T>::max(), "number", ""));
}

std::string format_duration(Millis d) {
    for (auto [factor, suffix] : {std::pair{3'600'000, "h"}, {60'000, "m"}, {1000, "s"}})
        if (d.count() % factor == 0 && (d.count() != 0 || factor == 1000))
            return std::to_string(d.count() / factor) + suffix;
    return std::to_string(d.count()) + "ms";
}

std::string format_size(std::size_t n) {
    for (auto [shift, suffix] : {std::pair{20, "MiB"}, {10, "KiB"}})
        if (n != 0 && n % (std::size_t{1} << shift) == 0)
            return std::to_string(n >> shift) + suffix;
    return std::to_string(n);
}

std::string describe(const toml::node& node) {
    std::ostringstream out;
    out << node.type();
    if (!node.is_table())
        node.visit([&](const auto& value) { out << " " << value; });
    return out.str();
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ",") + item;
    return out;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (const auto first = item.find_first_not_of(" \t"); first != std::string::npos)
            items.push_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    return items;
}

using config_keys::Key;

Key text(const char* name, const char* type, const char* help, std::string Config::*m,
         void (*validate)(const std::string&) = nullptr) {
    Key k{name, type, help};
    k.set = [m](Config& c, const std::string& s) { c.*m = s; };
    k.set_toml = [m](Config& c, const toml::node& n) {
        if (!n.is_string())
            fail("expected a string, got " + describe(n));
        c.*m = *n.value<std::string>();
    };
    k.show = [m](const Config& c) { return c.*m; };
    if (validate)
        k.check = [m, validate](const Config& c) { validate(c.*m); };
    return k;
}

// TOML integers go through the text parser so both paths share unit and overflow handling.
template <class T>
Key number(const char* name, const char* type, const char* help, T Config::*m,
           T (*parse)(const std::string&), std::string (*format)(T), bool toml_strings, T lo,
           T hi) {
    Key k{name, type, help};
    k.set = [m, parse](Config& c, const std::string& s) { c.*m = parse(s); };
    k.set_toml = [set = k.set, toml_strings](Config& c, const toml::node& n) {
        if (auto v = n.value_exact<std::int64_t>())
            return set(c, std::to_string(*v));
        if (toml_strings && n.is_string())
            return set(c, *n.value<std::string>());
        fail(std::string(toml_strings ? "expected an integer or a string" : "expected an integer") +
             ", got " + describe(n));
    };
    k.show = [m, format](const Config& c) { return format(c.*m); };
    k.check = [m, format, lo, hi](const Config& c) {
        if (c.*m < lo || c.*m > hi)
            fail("must be " + (c.*m < lo ? "at least " + format(lo) : "at most " + format(hi)) +
                 ", got " + format(c.*m));
    };
    return k;
}

Key duration(const char* name, const char* help, Millis Config::*m, Millis lo = Millis{0}) {
    return number<Millis>(name, "DURATION", help, m, parse_duration, format_duration, true, lo,
                          Millis::max());
}

Key size(const char* name, const char* help, std::size_t Config::*m, std::size_t lo = 1) {
    return number<std::size_t>(name, "SIZE", help, m, parse_size, format_size, true, lo,
                               std::numeric_limits<std::size_t>::max());
}

template <class T> Key count(const char* name, const char* help, T Config::*m, T lo, T hi) {
    return number<T>(
        name, "N", help, m, parse_count<T>, [](T v) { return std::to_string(v); }, false, lo, hi);
}

Key flag(const char* name, const char* help, bool Config::*m) {
    Key k{name, "", help};
    k.flag = true;
    k.set = [m](Config& c, const std::string& s) {
        const std::string v = lower(s);
        if (v == "true" || v == "1" || v == "yes" || v == "on")
            c.*m = true;
        else if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty())
            c.*m = false;
        else
            fail("expected true or false, got " + quote(s));
    };
    k.set_toml = [m](Config& c, const toml::node& n) {
        if (!n.is_boolean())
            fail("expected a boolean, got " + describe(n));
        c.*m = *n.value<bool>();
    };
    k.show = [m](const Config& c) { return std::string(c.*m ? "true" : "false"); };
    return k;
}

Key list(const char* name, const char* help, std::vector<std::string> Config::*m) {
    Key k{name, "ORIGIN", help};
    k.list = true;
    k.list_member = m;
    k.set = [m](Config& c, const std::string& s) { c.*m = split_list(s); };
    k.set_toml = [m](Config& c, const toml::node& n) {
        const auto* array = n.as_array();
        // is_homogeneous() is false for an empty array, which is valid here.
        if (!array || (!array->empty() && !array->is_homogeneous(toml::node_type::string)))
            fail("expected an array of strings, got " + describe(n));
        (c.*m).clear();
        for (const auto& item : *array)
            (c.*m).push_back(*item.value<std::string>());
    };
    k.show = [m](const Config& c) { return join(c.*m); };
    return k;
}

void check_log_level(const std::string& level) {
    for (const char* known : {"trace", "debug", "info", "warn", "error", "critical", "off"})
        if (level == known)
            return;
    fail("unknown log level " + quote(level) +
         " (expected trace, debug, info, warn, error, critical or off)");
}

const std::vector<Key>& core_keys() {
    using C = Config;
    static const std::vector<Key> table = {
        text("listen", "ADDR:PORT", "address to listen on; port 0 picks a free port", &C::listen,
             [](const std::string& s) { parse_listen(s); }),
        count<unsigned>("threads", "I/O threads; 0 = one per CPU", &C::threads, 0, 1024),
        text("log_level", "LEVEL", "trace, debug, info, warn, error, critical or off",
             &C::log_level, check_log_level),
        text("publish_key", "KEY", "secret required by POST /publish; empty = open",
             &C::publish_key),
        list("allowed_origins", "CORS / Origin allow-list, comma-separated", &C::allowed_origins),
        duration("heartbeat_interval", "SSE heartbeat and WebSocket ping period",
                 &C::heartbeat_interval, Millis{1}),
        duration("heartbeat_timeout", "WebSocket pong deadline", &C::heartbeat_timeout, Millis{1}),
        duration("handshake_timeout", "deadline for a connection's request", &C::handshake_timeout,
                 Millis{1}),
        duration("shutdown_timeout", "graceful shutdown deadline", &C::shutdown_timeout),
        duration("retry", "SSE retry: hint sent to EventSource clients", &C::retry),
        duration("flush_interval", "write batching delay; 0 = write at once", &C::flush_interval),
        count<std::size_t>("history_size", "events kept per channel for resume; 0 = off",
                           &C::history_size, 0, 100'000),
        duration("history_ttl", "how long an event stays resumable", &C::history_ttl, Millis{1}),
        size("max_queued_bytes", "unsent bytes per session before it is a slow consumer",
             &C::max_queued_bytes),
        // 125 bytes is the largest WebSocket control frame payload, which must always fit.
        size("max_message_size", "largest WebSocket client message", &C::max_message_size, 125),
        size("max_header_size", "largest HTTP request head", &C::max_header_size),
        size("max_body_size", "largest POST /publish body", &C::max_body_size),
        count<std::size_t>("max_channels_per_connection", "channels one connection may join",
                           &C::max_channels_per_connection, 1,
                           std::numeric_limits<std::size_t>::max()),
        count<std::size_t>("max_connections", "open connections per node; 0 = from RLIMIT_NOFILE",
                           &C::max_connections, 0, std::numeric_limits<std::size_t>::max()),
        count<std::size_t>("max_connections_per_ip", "open connections per client; 0 = no limit",
                           &C::max_connections_per_ip, 0, std::numeric_limits<std::size_t>::max()),
        count<unsigned>("client_message_rate", "WebSocket messages per second; 0 = no limit",
                        &C::client_message_rate, 0, 1'000'000),
        count<unsigned>("client_message_burst", "WebSocket messages a client may send at once",
                        &C::client_message_burst, 1, 1'000'000),
        duration("idle_timeout", "HTTP keep-alive wait for the next request", &C::idle_timeout,
                 Millis{1}),
        text("redis_url", "URL",
             "redis://[user:password@]host:port[/db] or unix:///path; empty = embedded broker",
             &C::redis_url),
        text("channel_prefix", "PREFIX", "prefix of herald's channels in Redis",
             &C::channel_prefix),
        duration("canary_interval", "period of the Redis subscription canary", &C::canary_interval,
                 Millis{10}),
        duration("canary_timeout", "the canary must come back within this", &C::canary_timeout,
                 Millis{10}),
        list("trusted_proxies", "proxy addresses whose X-Forwarded-For is believed",
             &C::trusted_proxies),
    };
    return table;
}

const std::vector<Key>& keys() {
    static const std::vector<Key> table = [] {
        auto all = core_keys();
        auto auth = config_keys::auth_keys();
        all.insert(all.end(), auth.begin(), auth.end());
        return all;
    }();
    return table;
}

std::string env_name(const Key& k) {
    std::string name = "HERALD_" + k.name;
    for (auto& ch : name)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return name;
}

// Errors carry where the value came from, so a user can find the line to fix.
template <class Value>
void apply(const Key& k, Config& c, const Value& value, const std::string& origin) {
    try {
        if constexpr (std::is_same_v<Value, std::string>)
            k.set(c, value);
        else
            k.set_toml(c, value);
    } catch (const ConfigError& e) {
        fail(origin + ": " + k.name + ": " + e.what());
    }
}

// Applies every key of a parsed file; `path` names it in error messages.
void load_table(const toml::table& table, const std::string& path, Config& c,
                std::vector<std::string>& origins) {
    for (const auto& entry : table) {
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const auto& name = entry.first;
        const auto& node = entry.second;
        const auto& all = keys();
        const auto k = std::find_if(all.begin(), all.end(),
                                    [&](const Key& key) { return key.name == name.str(); });
        const auto where = path + ":" + std::to_string(node.source().begin.line);
        if (k == all.end())
            fail("config file " + where + ": unknown key " + quote(name.str()));
        origins[k - all.begin()] = where;
        apply(*k, c, node, "config file " + where);
    }
}

// `text` is the file's content, or empty to read the file at `path`.
void load_file(const std::string& path, Config& c, std::vector<std::string>& origins,
               std::optional<std::string_view> text = std::nullopt) {
    toml::table table;
    try {
        table = text ? toml::parse(*text, path) : toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto line = e.source().begin.line;
        fail("config file " + path + (line ? ":" + std::to_string(line) : "") + ": " +
             std::string(e.description()));
    }
    load_table(table, path, c, origins);
}

// Range checks that need every source applied first.
void check_all(const Config& c, const std::vector<std::string>& origins) {
    const auto& all = keys();
    for (std::size_t i = 0; i < all.size(); ++i) {
        try {
            all[i].check(c);
        } catch (const ConfigError& e) {
            fail(all[i].name + " (from " + origins[i] + "): " + e.what());
        }
    }
}

} // namespace

// For the keys defined in other files (config_keys.hpp).
namespace config_keys {
void fail(const std::string& message) {
    throw ConfigError(message);
}
Key text_key(const char* name, const char* type, const char* help, std::string Config::*m) {
    return text(name, type, help, m);
}
Key list_key(const char* name, const char* type, const char* help,
             std::vector<std::string> Config::*m) {
    auto k = list(name, help, m);
    k.type = type;
    return k;
}
Key duration_key(const char* name, const char* help, Millis Config::*m) {
    return duration(name, help, m);
}
Key flag_key(const char* name, const char* help, bool Config::*m) {
    return flag(name, help, m);
}
} // namespace config_keys

Millis parse_duration(const std::string& text) {
    return Millis(
        parse_scaled(text, {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}},
                     false, Millis::max().count(), "duration",
                     " (expected e.g. 250ms, 30s, 5m, 1h or integer seconds)"));
}

std::size_t parse_size(const std::string& text) {
    constexpr std::uint64_t k = 1 << 10, m = 1 << 20, g = 1 << 30;
    return parse_scaled(
        text, {{"", 1}, {"b", 1}, {"k", k}, {"kib", k}, {"m", m}, {"mib", m}, {"g", g}, {"gib", g}},
        true, std::numeric_limits<std::size_t>::max(), "size",
        " (expected e.g. 512B, 64KiB, 1MiB, 64k, 1m)");
}

ListenAddress parse_listen(const std::string& text) {
    const auto colon = text.rfind(':');
    const bool bracketed = !text.empty() && text.front() == '[';
    // Unbracketed IPv6 is ambiguous: "::1:80" could be host "::1" or "::1:80".
    const std::string host = bracketed ? text.substr(1, colon - 2) : text.substr(0, colon);
    if (colon == std::string::npos || host.empty() ||
        (bracketed ? text.find(']') != colon - 1 : host.find(':') != std::string::npos))
        fail("invalid listen address " + quote(text) + " (expected HOST:PORT or [IPV6]:PORT)");
    unsigned port = 0;
    const char* end = text.data() + text.size();
    auto [rest, ec] = std::from_chars(text.data() + colon + 1, end, port);
    if (colon + 1 == text.size() || ec != std::errc() || rest != end || port > 65535)
        fail("invalid port in listen address " + quote(text) + " (expected 0-65535)");
    return {host, static_cast<std::uint16_t>(port)};
}

ParseOutcome parse_command_line(int argc, const char* const* argv,
                                const std::vector<std::string>& environment, Config& out) {
    const auto& all = keys();
    CLI::App app{"herald: SSE and WebSocket push server", "herald"};
    app.set_version_flag("--version", std::string("herald ") + HERALD_VERSION);
    std::string config_path;
    auto* config_flag =
        app.add_option("-c,--config", config_path, "TOML config file [HERALD_CONFIG]");
    config_flag->type_name("FILE");

    std::vector<std::string> scalars(all.size());
    std::vector<std::vector<std::string>> lists(all.size());
    std::vector<CLI::Option*> flags;
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::string flag = "--" + all[i].name;
        std::replace(flag.begin(), flag.end(), '_', '-');
        const std::string shown = all[i].show(out);
        const std::string help = all[i].help + " [" + env_name(all[i]) +
                                 "] (default: " + (shown.empty() ? "none" : shown) + ")";
        // A list flag takes one comma-separated value per use, so it can also be repeated.
        flags.push_back(
            all[i].flag ? app.add_flag_callback(
                              flag, [&value = scalars[i]] { value = "true"; }, help)
            : all[i].list
                ? app.add_option(flag, lists[i], help)->delimiter(',')->allow_extra_args(false)
                : app.add_option(flag, scalars[i], help)->take_last());
        flags.back()->type_name(all[i].type);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        app.exit(e);
        return ParseOutcome::exit_ok;
    } catch (const CLI::ParseError& e) {
        fail(e.what());
    }

    std::string env_config;
    std::vector<std::pair<std::size_t, std::string>> env_values;
    for (const auto& entry : environment) {
        const auto eq = entry.find('=');
        const std::string name = entry.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : entry.substr(eq + 1);
        if (name == "HERALD_CONFIG")
            env_config = value;
        for (std::size_t i = 0; i < all.size(); ++i)
            if (name == env_name(all[i]))
                env_values.emplace_back(i, value);
    }

    Config merged = out;
    std::vector<std::string> origins(all.size(), "default");
    if (const auto& path = config_flag->count() ? config_path : env_config; !path.empty())
        load_file(path, merged, origins);
    for (const auto& [i, value] : env_values) {
        origins[i] = "environment " + env_name(all[i]);
        apply(all[i], merged, value, origins[i]);
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (flags[i]->count() == 0)
            continue;
        origins[i] = "flag " + flags[i]->get_name();
        apply(all[i], merged, all[i].list ? join(lists[i]) : scalars[i], origins[i]);
    }
    check_all(merged, origins);
    out = std::move(merged);
    return ParseOutcome::run;
}

Config parse_config_text(std::string_view toml_text, const std::string& source) {
    Config config;
    std::vector<std::string> origins(keys().size(), "default");
    load_file(source, config, origins, toml_text);
    check_all(config, origins);
    return config;
}

std::string to_toml(const Config& config) {
    toml::table table;
    for (const auto& k : keys()) {
        const std::string shown = k.show(config);
        if (k.list) {
            toml::array items;
            for (const auto& item : config.*(k.list_member))
                items.push_back(item);
            table.insert(k.name, std::move(items));
            continue;
        }
        if (k.flag) {
            table.insert(k.name, shown == "true");
            continue;
        }
        // Counts are TOML integers; one beyond int64 (set by a flag) cannot be written.
        std::int64_t count = 0;
        const char* end = shown.data() + shown.size();
        if (auto [p, ec] = std::from_chars(shown.data(), end, count);
            k.type == "N" && ec == std::errc() && p == end) {
            table.insert(k.name, count);
        } else {
            table.insert(k.name, shown);
        }
    }
    std::ostringstream out;
    out << table;
    return out.str();
}

} // namespace herald
