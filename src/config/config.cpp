#include "herald/config/config.hpp"

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

const std::vector<config_keys::Key>& config_keys::all_keys() {
    static const std::vector<Key> table = [] {
        auto all = core_keys();
        auto auth = auth_keys();
        all.insert(all.end(), auth.begin(), auth.end());
        auto upstream = upstream_keys();
        all.insert(all.end(), upstream.begin(), upstream.end());
        return all;
    }();
    return table;
}

namespace {

using config_keys::fail;
using config_keys::join;
using config_keys::Key;
using config_keys::quote;

const std::vector<Key>& keys() {
    return config_keys::all_keys();
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
        if (name.str() == "namespace") {
            // A list of tables: no environment variable or flag can express it.
            c.namespaces = config_keys::parse_namespaces(node, path);
            continue;
        }
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

ParseOutcome parse_command_line(int argc, const char* const* argv,
                                const std::vector<std::string>& environment, Config& out,
                                std::vector<std::string>* origins_out) {
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
        // A bool is a flag that may also be given a value: --enforce-token-expiry=false
        // turns off a key whose default is true.
        flags.push_back(
            all[i].flag ? app.add_flag(flag, scalars[i], help)
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
    if (origins_out)
        *origins_out = std::move(origins);
    return ParseOutcome::run;
}

std::string explain_config(const Config& config, const std::vector<std::string>& origins) {
    const auto& all = keys();
    std::string out;
    for (std::size_t i = 0; i < all.size(); ++i) {
        std::string value = all[i].show(config);
        if (!value.empty() && (all[i].type == "SECRET" || all[i].type == "KEY"))
            value = "(set)";
        // redis://user:password@host: the password is a secret too.
        if (const auto at = value.find('@'), scheme = value.find("://");
            all[i].name == "redis_url" && at != std::string::npos && scheme != std::string::npos)
            if (const auto colon = value.find(':', scheme + 3); colon < at)
                value.replace(colon + 1, at - colon - 1, "(set)");
        // A file's values are known by "path:line" alone.
        std::string origin = i < origins.size() ? origins[i] : "default";
        if (origin != "default" && !origin.starts_with("environment ") &&
            !origin.starts_with("flag "))
            origin = "config file " + origin;
        out += all[i].name + " = " + quote(value) + "  # " + origin + "\n";
    }
    out += "namespaces: " + std::to_string(config.namespaces.size()) + "\n";
    return out;
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
    table.insert("namespace", config_keys::namespaces_to_toml(config.namespaces));
    // Basic strings only: toml++ writes a value with a newline as a
    // multi-line string, and TOML drops the newline that opens one, so a
    // value that starts with a newline read back without it (fuzz_config
    // found it in a redis_url); a literal string cannot hold it at all.
    std::ostringstream out;
    out << toml::toml_formatter{table, toml::toml_formatter::default_flags &
                                           ~(toml::format_flags::allow_multi_line_strings |
                                             toml::format_flags::allow_literal_strings)};
    return out.str();
}

} // namespace herald
