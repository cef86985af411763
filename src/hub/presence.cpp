// The presence registry: per-node counts merged into one view per channel.
#include "herald/hub/presence.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <tuple>

namespace herald {
namespace {

// A JSON string. `replace` keeps an invalid UTF-8 byte from throwing on the
// hub thread; users and channels are checked long before they get here.
std::string json_string(std::string_view text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

Presence::Presence(std::string local_node) : local_node_(std::move(local_node)) {
    node_ids_.emplace(local_node_, 0);
    node_channels_.emplace_back();
}

const std::string& Presence::User::info() const {
    static const std::string none;
    const NodeEntry* latest = nullptr;
    for (const auto& entry : nodes)
        if (!latest || entry.joined > latest->joined)
            latest = &entry;
    return latest ? latest->info : none;
}

std::optional<Presence::Change> Presence::add(const std::string& channel, const std::string& user,
                                              const std::string& info) {
    return set(0, channel, user, local_connections(channel, user) + 1, &info);
}

std::optional<Presence::Change> Presence::remove(const std::string& channel,
                                                 const std::string& user) {
    const auto connections = local_connections(channel, user);
    if (connections == 0)
        return std::nullopt;
    return set(0, channel, user, connections - 1, nullptr);
}

std::optional<Presence::Change> Presence::merge(const std::string& node, const std::string& channel,
                                                const std::string& user, std::uint64_t connections,
                                                const std::string& info) {
    const auto known = node_ids_.find(node);
    if (known != node_ids_.end() && known->second == 0)
        return std::nullopt; // our own entries come back from Redis: we know better
    if (known == node_ids_.end() && connections == 0)
        return std::nullopt; // nothing to forget, and no slot to take for it
    return set(node_index(node), channel, user, connections, &info);
}

std::vector<Presence::Change> Presence::drop_node(const std::string& node) {
    const auto known = node_ids_.find(node);
    if (known == node_ids_.end() || known->second == 0)
        return {};
    const auto index = known->second;
    std::vector<Change> leaves;
    // Copies: set() updates node_channels_ and the members as it goes.
    std::vector<std::string> channels;
    for (const auto& [channel, users] : node_channels_[index])
        channels.push_back(channel);
    for (const auto& channel : channels) {
        const auto members = channels_.find(channel);
        if (members == channels_.end())
            continue; // cannot happen while set() keeps the index exact
        std::vector<std::string> users;
        for (const auto& [user, entry] : members->second)
            if (std::any_of(entry.nodes.begin(), entry.nodes.end(),
                            [&](const NodeEntry& e) { return e.node == index; }))
                users.push_back(user);
        for (const auto& user : users)
            if (auto change = set(index, channel, user, 0, nullptr))
                leaves.push_back(std::move(*change));
    }
    // Stable order for the caller and the tests, whatever the hash order.
    std::sort(leaves.begin(), leaves.end(), [](const Change& a, const Change& b) {
        return std::tie(a.channel, a.user) < std::tie(b.channel, b.user);
    });
    node_ids_.erase(known);
    free_nodes_.push_back(index);
    return leaves;
}

std::vector<Presence::Change> Presence::replace_remote(const std::string& channel,
                                                      const std::vector<Entry>& entries) {
    // What the other nodes had here before; whatever the snapshot lacks leaves.
    std::set<std::pair<std::uint32_t, std::string>> gone;
    if (const auto it = channels_.find(channel); it != channels_.end())
        for (const auto& [user, member] : it->second)
            for (const auto& entry : member.nodes)
                if (entry.node != 0)
                    gone.emplace(entry.node, user);
    std::vector<Change> joins;
    std::vector<Change> leaves;
    for (const auto& entry : entries) {
        const auto known = node_ids_.find(entry.node);
        if (entry.channel != channel || entry.connections == 0 ||
            (known != node_ids_.end() && known->second == 0))
            continue;
        const auto node = node_index(entry.node);
        gone.erase({node, entry.user});
        if (auto change = set(node, channel, entry.user, entry.connections, &entry.info))
            (change->kind == Change::Kind::join ? joins : leaves).push_back(std::move(*change));
    }
    for (const auto& [node, user] : gone)
        if (auto change = set(node, channel, user, 0, nullptr))
            leaves.push_back(std::move(*change));
    joins.insert(joins.end(), std::make_move_iterator(leaves.begin()),
                 std::make_move_iterator(leaves.end()));
    return joins;
}

void Presence::forget_remote(const std::string& channel) {
    replace_remote(channel, {});
}

std::vector<Presence::Entry> Presence::local_entries(const std::string& channel) const {
    std::vector<Entry> out;
    const auto it = channels_.find(channel);
    if (it == channels_.end())
        return out;
    for (const auto& [user, member] : it->second)
        for (const auto& entry : member.nodes)
            if (entry.node == 0)
                out.push_back({local_node_, channel, user, entry.connections, entry.info});
    return out;
}

std::vector<Presence::Entry> Presence::local_entries() const {
    std::vector<Entry> out;
    for (const auto& [channel, count] : node_channels_[0]) {
        auto entries = local_entries(channel);
        out.insert(out.end(), std::make_move_iterator(entries.begin()),
                   std::make_move_iterator(entries.end()));
    }
    return out;
}

std::vector<std::string> Presence::local_channels() const {
    std::vector<std::string> out;
    out.reserve(node_channels_[0].size());
    for (const auto& [channel, count] : node_channels_[0])
        out.push_back(channel);
    return out;
}

Presence::Entry Presence::local_entry(const std::string& channel, const std::string& user) const {
    Entry out{local_node_, channel, user, 0, {}};
    const auto it = channels_.find(channel);
    if (it == channels_.end())
        return out;
    const auto member = it->second.find(user);
    if (member == it->second.end())
        return out;
    for (const auto& entry : member->second.nodes)
        if (entry.node == 0) {
            out.connections = entry.connections;
            out.info = entry.info;
        }
    return out;
}

bool Presence::elsewhere(const std::string& channel, const std::string& user) const {
    const auto it = channels_.find(channel);
    if (it == channels_.end())
        return false;
    const auto member = it->second.find(user);
    return member != it->second.end() &&
           std::any_of(member->second.nodes.begin(), member->second.nodes.end(),
                       [](const NodeEntry& e) { return e.node != 0; });
}

std::vector<Presence::Member> Presence::members(const std::string& channel) const {
    std::vector<Member> out;
    const auto it = channels_.find(channel);
    if (it == channels_.end())
        return out;
    out.reserve(it->second.size());
    for (const auto& [user, entry] : it->second)
        out.push_back({user, entry.connections, entry.info()});
    return out;
}

std::uint64_t Presence::local_connections(const std::string& channel,
                                          const std::string& user) const {
    return local_entry(channel, user).connections;
}

// The info is spliced in as it is: it is compact JSON already (auth::Claims
// made it so), and parsing it again for every answer would be wasted work.
std::string Presence::answer(const std::string& channel) const {
    std::string out = R"({"type":"presence","channel":)" + json_string(channel) + R"(,"members":[)";
    bool first = true;
    for (const auto& member : members(channel)) {
        out += first ? "" : ",";
        first = false;
        out += R"({"user":)" + json_string(member.user) + R"(,"connections":)" +
               std::to_string(member.connections);
        if (!member.info.empty())
            out += R"(,"info":)" + member.info;
        out += '}';
    }
    return out + "]}";
}

std::string Presence::event_data(std::string_view user, std::string_view info) {
    std::string out = R"({"user":)" + json_string(user);
    if (!info.empty())
        out.append(R"(,"info":)").append(info);
    return out + '}';
}

std::uint32_t Presence::node_index(const std::string& node) {
    if (const auto it = node_ids_.find(node); it != node_ids_.end())
        return it->second;
    std::uint32_t index;
    if (!free_nodes_.empty()) {
        index = free_nodes_.back();
        free_nodes_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(node_channels_.size());
        node_channels_.emplace_back();
    }
    node_ids_.emplace(node, index);
    return index;
}

// The one place where counts change, so that joins, leaves, the per-node
// index and the metrics' member count cannot disagree.
std::optional<Presence::Change> Presence::set(std::uint32_t node, const std::string& channel,
                                              const std::string& user, std::uint64_t connections,
                                              const std::string* info) {
    auto channel_it = channels_.find(channel);
    if (channel_it == channels_.end()) {
        if (connections == 0)
            return std::nullopt;
        channel_it = channels_.emplace(channel, Channel{}).first;
    }
    auto& members = channel_it->second;
    auto user_it = members.find(user);
    if (user_it == members.end()) {
        if (connections == 0)
            return std::nullopt;
        user_it = members.emplace(user, User{}).first;
    }
    auto& member = user_it->second;
    auto entry = std::find_if(member.nodes.begin(), member.nodes.end(),
                              [&](const NodeEntry& e) { return e.node == node; });
    const std::uint64_t before = entry == member.nodes.end() ? 0 : entry->connections;
    if (connections == before)
        return std::nullopt;
    const bool was_member = member.connections > 0;
    const std::uint64_t total = member.connections - before + connections;
    // A leave carries the info the member had, before its entry goes.
    std::string leave_info = total == 0 ? member.info() : std::string();

    if (entry == member.nodes.end()) {
        member.nodes.push_back({node, 0, {}, 0});
        entry = std::prev(member.nodes.end());
        ++node_channels_[node][channel];
    }
    if (connections > before) {
        entry->joined = ++clock_;
        if (info)
            entry->info = *info;
    }
    entry->connections = connections;
    member.connections = total;
    if (connections == 0) {
        member.nodes.erase(entry);
        auto& users = node_channels_[node];
        if (const auto it = users.find(channel); it != users.end() && --it->second == 0)
            users.erase(it);
    }

    if (total == 0) {
        // Made before the erase: `channel` or `user` may refer to its keys.
        Change leave{Change::Kind::leave, channel, user, std::move(leave_info)};
        members.erase(user_it);
        --members_;
        if (members.empty())
            channels_.erase(channel_it);
        return leave;
    }
    if (!was_member) {
        ++members_;
        return Change{Change::Kind::join, channel, user, member.info()};
    }
    return std::nullopt;
}

} // namespace herald
