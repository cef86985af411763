#include "herald/hub/admin_answer.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

namespace herald::admin {

namespace {
// What herald writes must stay valid UTF-8 whatever a client named.
constexpr auto json_replace = nlohmann::json::error_handler_t::replace;
} // namespace

const char* action_name(Action action) {
    switch (action) {
    case Action::channels:
        return "channels";
    case Action::connections:
        return "connections";
    case Action::disconnect:
        return "disconnect";
    case Action::unsubscribe:
        return "unsubscribe";
    }
    return "?";
}

bool glob_match(std::string_view pattern, std::string_view name) {
    std::size_t p = 0, n = 0;
    // Where the last '*' was, and how much of the name it has eaten: on a
    // mismatch it eats one character more. Earlier stars never need to
    // take back: the last one can absorb anything they would.
    std::size_t star = std::string_view::npos, resume = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = n;
        } else if (p < pattern.size() && pattern[p] == name[n]) {
            ++p;
            ++n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    const auto seconds = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(((ms % 1000) + 1000) % 1000));
    return out;
}

std::vector<ChannelCount> channel_page(std::vector<ChannelCount> counts, const Request& request) {
    std::erase_if(counts, [&](const ChannelCount& c) {
        return (!request.cursor.empty() && c.channel <= request.cursor) ||
               (!request.pattern.empty() && !glob_match(request.pattern, c.channel));
    });
    std::sort(counts.begin(), counts.end(),
              [](const auto& a, const auto& b) { return a.channel < b.channel; });
    if (counts.size() > request.limit)
        counts.resize(request.limit);
    return counts;
}

void AdminAnswer::add(Report report) {
    ++reports_;
    count_ += report.count;
    if (request_.action == Action::connections)
        std::move(report.connections.begin(), report.connections.end(),
                  std::back_inserter(connections_));
    if (request_.action == Action::channels) {
        // A node's page was cut at the limit: the names after its last may
        // belong to the next page, even if the union is not longer.
        maybe_more_ = maybe_more_ || report.channels.size() >= request_.limit;
        std::move(report.channels.begin(), report.channels.end(), std::back_inserter(channels_));
    }
}

nlohmann::json AdminAnswer::channels_body() const {
    std::map<std::string, ChannelCount> merged;
    for (const auto& c : channels_)
        merged[c.channel] += c;
    auto list = nlohmann::json::array();
    std::string last;
    bool cut = false;
    for (const auto& [name, c] : merged) {
        if (list.size() == request_.limit) {
            cut = true;
            break;
        }
        list.push_back({{"channel", name},
                        {"subscribers", {{"sse", c.sse}, {"ws", c.ws}, {"poll", c.poll}}}});
        last = name;
    }
    nlohmann::json body{{"channels", std::move(list)}};
    body["next"] = (cut || maybe_more_) && !last.empty() ? nlohmann::json(last) : nlohmann::json();
    body["nodes"] = reports_;
    return body;
}

std::string AdminAnswer::body(bool incomplete) const {
    nlohmann::json body;
    switch (request_.action) {
    case Action::channels:
        body = channels_body();
        break;
    case Action::connections: {
        auto sorted = connections_;
        // Stable for the reader: by node, then oldest first.
        std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
            return std::tie(a.node, a.since, a.address) < std::tie(b.node, b.since, b.address);
        });
        auto list = nlohmann::json::array();
        for (const auto& c : sorted)
            list.push_back({{"node", c.node},
                            {"transport", c.transport},
                            {"channels", c.channels},
                            {"since", c.since},
                            {"address", c.address}});
        body = {{"connections", std::move(list)}, {"nodes", reports_}};
        break;
    }
    case Action::disconnect:
        body = {{"disconnected", count_}, {"nodes", reports_}};
        break;
    case Action::unsubscribe:
        body = {{"unsubscribed", count_}, {"nodes", reports_}};
        break;
    }
    if (incomplete)
        body["incomplete"] = true;
    return body.dump(-1, ' ', false, json_replace);
}

} // namespace herald::admin
