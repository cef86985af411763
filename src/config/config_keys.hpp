#pragma once
// The table behind every configuration key (private to src/config): one Key
// per Config field; the TOML key, HERALD_<KEY> and --<key> all derive from
// `name`. config_keys.cpp builds keys, core_keys.cpp and auth_config.cpp list
// them, config.cpp reads them from files, the environment and flags.
#include "herald/config/config.hpp"

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::config_keys {

struct Key {
    std::string name, type, help;
    std::function<void(Config&, const std::string&)> set{}; // from environment or flag text
    std::function<void(Config&, const toml::node&)> set_toml{};
    std::function<std::string(const Config&)> show{};
    std::function<void(const Config&)> check = [](const Config&) {}; // after all sources
    bool list = false;
    std::vector<std::string> Config::*list_member = nullptr; // set when `list`
    bool flag = false;                                       // a boolean: "--name" alone means true
};

[[noreturn]] void fail(const std::string& message); // throws ConfigError
std::string quote(std::string_view text);
std::string join(const std::vector<std::string>& items); // comma-separated

// Builders (config_keys.cpp): the key's TOML, environment and flag parsing,
// its display, and its range check.
Key text_key(const char* name, const char* type, const char* help, std::string Config::*m,
             void (*validate)(const std::string&) = nullptr);
Key list_key(const char* name, const char* type, const char* help,
             std::vector<std::string> Config::*m);
Key duration_key(const char* name, const char* help, Millis Config::*m, Millis lo = Millis{0});
Key size_key(const char* name, const char* help, std::size_t Config::*m, std::size_t lo = 1);
// Defined for unsigned and std::size_t.
template <class T> Key count_key(const char* name, const char* help, T Config::*m, T lo, T hi);
Key flag_key(const char* name, const char* help, bool Config::*m);

// Shared by the key builders and the namespace tables.
std::string describe(const toml::node& node); // "integer 5", for "expected ..., got ..."
std::string format_duration(Millis d);          // what parse_duration reads back

// The [[namespace]] tables (namespaces.cpp): read from a file whose name and
// lines appear in errors, and written back for to_toml.
std::vector<Namespace> parse_namespaces(const toml::node& node, const std::string& path);
toml::array namespaces_to_toml(const std::vector<Namespace>& namespaces);

// Every key, in the order of --help and check-config (config.cpp).
const std::vector<Key>& all_keys();

std::vector<Key> core_keys(); // core_keys.cpp
std::vector<Key> auth_keys(); // auth_config.cpp
std::vector<Key> upstream_keys(); // upstream_keys.cpp

} // namespace herald::config_keys
