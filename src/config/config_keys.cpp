// The builders of configuration keys (config_keys.hpp) and the value
// parsers they share with the rest of herald (durations, sizes, addresses).
#include "config_keys.hpp"

#include "herald/util/strings.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>

namespace herald {
namespace config_keys {

void fail(const std::string& message) {
    throw ConfigError(message);
}

std::string quote(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ",") + item;
    return out;
}

} // namespace config_keys

namespace {

using config_keys::fail;
using config_keys::join;
using config_keys::Key;
using config_keys::describe;
using config_keys::format_duration;
using config_keys::quote;

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

} // namespace

std::string config_keys::format_duration(Millis d) {
    for (auto [factor, suffix] : {std::pair{3'600'000, "h"}, {60'000, "m"}, {1000, "s"}})
        if (d.count() % factor == 0 && (d.count() != 0 || factor == 1000))
            return std::to_string(d.count() / factor) + suffix;
    return std::to_string(d.count()) + "ms";
}

namespace {

std::string format_size(std::size_t n) {
    for (auto [shift, suffix] : {std::pair{20, "MiB"}, {10, "KiB"}})
        if (n != 0 && n % (std::size_t{1} << shift) == 0)
            return std::to_string(n >> shift) + suffix;
    return std::to_string(n);
}

} // namespace

std::string config_keys::describe(const toml::node& node) {
    std::ostringstream out;
    out << node.type();
    if (!node.is_table())
        node.visit([&](const auto& value) { out << " " << value; });
    return out.str();
}

namespace {

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (const auto first = item.find_first_not_of(" \t"); first != std::string::npos)
            items.push_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    return items;
}

using config_keys::Key;

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

} // namespace

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

namespace config_keys {

Key text_key(const char* name, const char* type, const char* help, std::string Config::*m,
             void (*validate)(const std::string&)) {
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

Key duration_key(const char* name, const char* help, Millis Config::*m, Millis lo) {
    return number<Millis>(name, "DURATION", help, m, parse_duration, format_duration, true, lo,
                          Millis::max());
}

Key size_key(const char* name, const char* help, std::size_t Config::*m, std::size_t lo) {
    return number<std::size_t>(name, "SIZE", help, m, parse_size, format_size, true, lo,
                               std::numeric_limits<std::size_t>::max());
}

template <class T> Key count_key(const char* name, const char* help, T Config::*m, T lo, T hi) {
    return number<T>(
        name, "N", help, m, parse_count<T>, [](T v) { return std::to_string(v); }, false, lo, hi);
}

Key flag_key(const char* name, const char* help, bool Config::*m) {
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

Key list_key(const char* name, const char* type, const char* help,
             std::vector<std::string> Config::*m) {
    Key k{name, type, help};
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

template Key count_key<unsigned>(const char*, const char*, unsigned Config::*, unsigned, unsigned);
template Key count_key<std::size_t>(const char*, const char*, std::size_t Config::*, std::size_t,
                                    std::size_t);

} // namespace config_keys
} // namespace herald
