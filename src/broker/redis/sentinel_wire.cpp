#include "herald/broker/redis/sentinel_wire.hpp"

#include <charconv>

namespace herald::redis::sentinel_wire {
namespace {

// Strict decimal 1-65535 as a sentinel writes it: from_chars alone would
// accept "12abc" as 12, and a leading zero ("06379") is no port anyone wrote.
std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || text.front() == '0' || ec != std::errc{} || ptr != end || value == 0 ||
        value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// Host names and addresses as a sentinel reports them: printable, no spaces.
bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 255)
        return false;
    for (unsigned char c : host)
        if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == '[' || c == ']')
            return false;
    return true;
}

} // namespace

std::variant<HostPort, std::string> parse_host_port(std::string_view text, std::uint16_t fallback) {
    HostPort out;
    out.port = fallback;
    std::string_view port_text;
    bool has_port = false;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos)
            return "missing ']' after an IPv6 address";
        out.host = std::string(text.substr(1, close - 1));
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return "expected ':' and a port after ']'";
            port_text = rest.substr(1);
            has_port = true;
        }
        if (out.host.find(':') == std::string::npos)
            return "brackets are for IPv6 addresses only";
    } else {
        const auto colon = text.find(':');
        if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
            return "an IPv6 address needs brackets, as in [::1]:26379";
        out.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
            has_port = true;
        }
    }
    if (!valid_host(out.host))
        return "missing or invalid host";
    if (has_port) {
        auto port = parse_port(port_text);
        if (!port)
            return "invalid port '" + std::string(port_text) + "' (expected 1-65535)";
        out.port = *port;
    }
    return out;
}

std::string to_string(const HostPort& address) {
    const bool ipv6 = address.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

MasterAddr parse_master_addr(const Reply& reply) {
    MasterAddr out;
    if (reply.type == Reply::Type::nil)
        return {MasterAddr::Kind::unknown, {}, {}};
    // A sentinel in RESP2 answers an unknown name with a nil; some versions
    // answer an empty array instead.
    if (reply.type == Reply::Type::array && reply.elements.empty())
        return {MasterAddr::Kind::unknown, {}, {}};
    if (reply.type == Reply::Type::error) {
        out.reason = "error: " + reply.str;
        return out;
    }
    if (reply.type != Reply::Type::array || reply.elements.size() != 2 ||
        reply.elements[0].type != Reply::Type::string ||
        reply.elements[1].type != Reply::Type::string) {
        out.reason = "unexpected reply to SENTINEL get-master-addr-by-name";
        return out;
    }
    const auto& host = reply.elements[0].str;
    auto port = parse_port(reply.elements[1].str);
    if (!valid_host(host) || !port) {
        out.reason = "invalid master address in the sentinel's reply";
        return out;
    }
    return {MasterAddr::Kind::found, {host, *port}, {}};
}

std::optional<Switch> parse_switch(std::string_view payload) {
    // Exactly five fields separated by single spaces, as the sentinel writes them.
    std::string_view fields[5];
    for (int i = 0; i < 5; ++i) {
        const auto space = payload.find(' ');
        if ((space == std::string_view::npos) != (i == 4))
            return std::nullopt;
        fields[i] = payload.substr(0, space);
        payload = i == 4 ? std::string_view{} : payload.substr(space + 1);
    }
    auto from_port = parse_port(fields[2]);
    auto to_port = parse_port(fields[4]);
    if (fields[0].empty() || !valid_host(fields[1]) || !valid_host(fields[3]) || !from_port ||
        !to_port)
        return std::nullopt;
    return Switch{std::string(fields[0]),
                  {std::string(fields[1]), *from_port},
                  {std::string(fields[3]), *to_port}};
}

std::optional<std::string> parse_role(const Reply& reply) {
    if (reply.type != Reply::Type::array || reply.elements.empty())
        return std::nullopt;
    const auto& first = reply.elements[0];
    if (first.type != Reply::Type::string && first.type != Reply::Type::status)
        return std::nullopt;
    if (first.str != "master" && first.str != "slave" && first.str != "sentinel")
        return std::nullopt;
    return first.str;
}

} // namespace herald::redis::sentinel_wire
