#include "herald/broker/redis/cluster_wire.hpp"

#include <array>
#include <charconv>

namespace herald::redis::cluster_wire {
namespace {

// The table of CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the
// variant Redis Cluster hashes keys with; built at compile time.
constexpr std::array<std::uint16_t, 256> make_crc_table() {
    std::array<std::uint16_t, 256> table{};
    for (unsigned i = 0; i < 256; ++i) {
        std::uint16_t crc = static_cast<std::uint16_t>(i << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        table[i] = crc;
    }
    return table;
}
constexpr auto crc_table = make_crc_table();

std::uint16_t crc16(std::string_view data) {
    std::uint16_t crc = 0;
    for (unsigned char c : data)
        crc = static_cast<std::uint16_t>((crc << 8) ^ crc_table[((crc >> 8) ^ c) & 0xff]);
    return crc;
}

// A slot number as Redis writes it, in an integer reply or in an error text.
std::optional<std::uint16_t> to_slot(long long value) {
    if (value < 0 || value >= slot_count)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::optional<std::uint16_t> to_slot(std::string_view text) {
    long long value = 0;
    const char* end = text.data() + text.size();
    auto result = std::from_chars(text.data(), end, value);
    // Digits only, no leading zero: as Redis writes it, so that the text
    // reads back the same.
    if (text.empty() || text.front() == '-' || (text.size() > 1 && text.front() == '0') ||
        result.ec != std::errc{} || result.ptr != end)
        return std::nullopt;
    return to_slot(value);
}

std::optional<std::uint16_t> to_port(long long value) {
    if (value <= 0 || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// A node as CLUSTER SLOTS lists it: [host, port, id, ...].
std::optional<HostPort> node_of(const Reply& node, const HostPort& asked) {
    if (node.type != Reply::Type::array || node.elements.size() < 2 ||
        node.elements[0].type != Reply::Type::string ||
        node.elements[1].type != Reply::Type::integer)
        return std::nullopt;
    auto port = to_port(node.elements[1].integer);
    const std::string& host = node.elements[0].str;
    // "?" is what Redis 7 reports for an endpoint it does not know at all.
    if (!port || host == "?")
        return std::nullopt;
    HostPort out{host.empty() ? asked.host : host, *port};
    // Checked the way a configured address is, so that what the map holds is
    // always something parse_host_port would have accepted.
    auto parsed = sentinel_wire::parse_host_port(sentinel_wire::to_string(out));
    if (!std::holds_alternative<HostPort>(parsed) || std::get<HostPort>(parsed) != out)
        return std::nullopt;
    return out;
}

} // namespace

std::string_view hash_tag(std::string_view key) {
    const auto open = key.find('{');
    if (open == std::string_view::npos)
        return key;
    const auto close = key.find('}', open + 1);
    // "{}" or no '}' at all: the whole key is hashed.
    if (close == std::string_view::npos || close == open + 1)
        return key;
    return key.substr(open + 1, close - open - 1);
}

std::uint16_t key_slot(std::string_view key) {
    return static_cast<std::uint16_t>(crc16(hash_tag(key)) & (slot_count - 1));
}

std::variant<std::vector<SlotRange>, std::string> parse_slots(const Reply& reply,
                                                              const HostPort& asked) {
    if (reply.type == Reply::Type::error)
        return "error: " + reply.str;
    if (reply.type != Reply::Type::array)
        return std::string("unexpected reply to CLUSTER SLOTS");
    std::vector<SlotRange> ranges;
    for (const auto& entry : reply.elements) {
        if (entry.type != Reply::Type::array || entry.elements.size() < 3 ||
            entry.elements[0].type != Reply::Type::integer ||
            entry.elements[1].type != Reply::Type::integer)
            return std::string("unexpected slot range in CLUSTER SLOTS");
        auto first = to_slot(entry.elements[0].integer);
        auto last = to_slot(entry.elements[1].integer);
        if (!first || !last || *first > *last)
            return std::string("invalid slot range in CLUSTER SLOTS");
        auto master = node_of(entry.elements[2], asked);
        if (!master)
            return "invalid master address for slots " + std::to_string(*first) + "-" +
                   std::to_string(*last);
        ranges.push_back({*first, *last, std::move(*master)});
    }
    if (ranges.empty())
        return std::string("CLUSTER SLOTS lists no slots: the cluster is not set up");
    return ranges;
}

std::optional<std::string> as_classic_pubsub(Reply& reply) {
    if (reply.type != Reply::Type::array || reply.elements.empty())
        return std::nullopt;
    auto& kind = reply.elements[0].str;
    if (kind != "smessage" && kind != "ssubscribe" && kind != "sunsubscribe")
        return std::nullopt;
    kind.erase(0, 1);
    if (kind != "unsubscribe" || reply.elements.size() < 2 ||
        reply.elements[1].type != Reply::Type::string)
        return std::nullopt;
    return reply.elements[1].str;
}

std::optional<Redirect> parse_redirect(const Reply& reply) {
    if (reply.type != Reply::Type::error)
        return std::nullopt;
    // Exactly "<MOVED|ASK> <slot> <host>:<port>", as Redis writes it.
    std::string_view text = reply.str;
    Redirect out;
    if (text.starts_with("MOVED ")) {
        text.remove_prefix(6);
    } else if (text.starts_with("ASK ")) {
        out.kind = Redirect::Kind::ask;
        text.remove_prefix(4);
    } else {
        return std::nullopt;
    }
    const auto space = text.find(' ');
    if (space == std::string_view::npos)
        return std::nullopt;
    auto slot = to_slot(text.substr(0, space));
    auto parsed = sentinel_wire::parse_host_port(text.substr(space + 1), 0);
    if (!slot || !std::holds_alternative<HostPort>(parsed))
        return std::nullopt;
    out.slot = *slot;
    out.to = std::get<HostPort>(std::move(parsed));
    if (out.to.port == 0) // parse_host_port's fallback: no port was written
        return std::nullopt;
    return out;
}

} // namespace herald::redis::cluster_wire
