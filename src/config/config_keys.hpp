#pragma once
// The table behind every configuration key (private to src/config): one Key
// per Config field; the TOML key, HERALD_<KEY> and --<key> all derive from
// `name`. config.cpp holds the general keys and the builders, auth_config.cpp
// the authentication keys.
#include "herald/config.hpp"

#include <toml++/toml.h>

#include <functional>
#include <string>
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
    bool flag = false; // a boolean: "--name" alone means true
};

[[noreturn]] void fail(const std::string& message);
Key text_key(const char* name, const char* type, const char* help, std::string Config::*m);
Key list_key(const char* name, const char* type, const char* help,
             std::vector<std::string> Config::*m);
Key duration_key(const char* name, const char* help, Millis Config::*m);
Key flag_key(const char* name, const char* help, bool Config::*m);

std::vector<Key> auth_keys(); // auth_config.cpp

} // namespace herald::config_keys
