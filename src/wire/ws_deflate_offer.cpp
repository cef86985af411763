#include "herald/wire/ws_deflate_offer.hpp"

#include "herald/util/strings.hpp"

#include <vector>

namespace herald::ws {

namespace {

// Splits at `separator` outside quoted strings (RFC 6455 9.1 lets a parameter
// value be a quoted-string, which may hold commas and semicolons). nullopt if
// a quote is left open.
std::optional<std::vector<std::string_view>> split(std::string_view s, char separator) {
    std::vector<std::string_view> parts;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (quoted && s[i] == '\\') {
            ++i; // a quoted-pair: the next character is literal
            continue;
        }
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == separator) {
            parts.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    if (quoted)
        return std::nullopt;
    parts.push_back(s.substr(start));
    return parts;
}

// RFC 7692 7.1.2: a window size is 1*DIGIT from 8 to 15, which may come as a
// quoted string ("10"); no leading zero.
std::optional<int> window_bits(std::string_view value) {
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
    if (value.empty() || value.size() > 2 || value[0] == '0')
        return std::nullopt;
    int bits = 0;
    for (char c : value) {
        if (c < '0' || c > '9')
            return std::nullopt;
        bits = bits * 10 + (c - '0');
    }
    if (bits < 8 || bits > 15)
        return std::nullopt;
    return bits;
}

// One offer's parameters (everything after the extension name); the answer's
// parameters if herald can accept it.
std::optional<std::string> accept_params(const std::vector<std::string_view>& params) {
    bool server_nct = false, client_nct = false, server_bits = false, client_bits = false;
    for (std::size_t i = 1; i < params.size(); ++i) {
        auto param = trim(params[i]);
        std::string_view name = param, value;
        bool has_value = false;
        if (auto eq = param.find('='); eq != std::string_view::npos) {
            name = trim(param.substr(0, eq));
            value = trim(param.substr(eq + 1));
            has_value = true;
        }
        bool* seen = nullptr;
        if (name == "server_no_context_takeover" || name == "client_no_context_takeover") {
            if (has_value) // 7.1.1: these take no value
                return std::nullopt;
            seen = name[0] == 's' ? &server_nct : &client_nct;
        } else if (name == "server_max_window_bits") {
            // 7.1.2.1: a value is required. One frame serves every client, so
            // herald cannot use a smaller window than its own for one of them.
            auto bits = has_value ? window_bits(value) : std::nullopt;
            if (!bits || *bits < deflate_window_bits)
                return std::nullopt;
            seen = &server_bits;
        } else if (name == "client_max_window_bits") {
            // 7.1.2.2: the value is optional; herald inflates with the largest
            // window, which fits whatever the client picks.
            if (has_value && !window_bits(value))
                return std::nullopt;
            seen = &client_bits;
        } else {
            return std::nullopt; // unknown parameter
        }
        if (*seen) // 7.1: a parameter may appear once
            return std::nullopt;
        *seen = true;
    }
    std::string answer =
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    if (server_bits) // 7.1.2.1: an accepted server_max_window_bits is echoed
        answer += "; server_max_window_bits=15";
    return answer;
}

} // namespace

std::optional<std::string> accept_deflate_offer(std::string_view offers) {
    auto list = split(offers, ',');
    if (!list)
        return std::nullopt;
    for (auto offer : *list) {
        auto params = split(offer, ';');
        if (!params || !iequals(trim((*params)[0]), "permessage-deflate"))
            continue;
        if (auto answer = accept_params(*params))
            return answer;
    }
    return std::nullopt;
}

} // namespace herald::ws
