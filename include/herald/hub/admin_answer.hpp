#pragma once
// The answer to an /admin request, made of the reports of the nodes that
// answered (one in embedded mode), sans-io:
//   channels:    {"channels":[{"channel":"room:1","subscribers":{"sse":1,"ws":2,"poll":0}}],
//                 "next":"room:1"|null,"nodes":2}
//   connections: {"connections":[{"node","transport","channels","since","address"}],"nodes":2}
//   disconnect:  {"disconnected":3,"nodes":2}
//   unsubscribe: {"unsubscribed":1,"nodes":2}
// plus "incomplete":true when some node did not answer in time.
//
// Channels are paginated by name: each node sends at most `limit` names
// after the cursor, in order, so the first `limit` of their union are the
// first `limit` over all nodes, whatever each node holds beyond.
#include "herald/hub/admin.hpp"

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::admin {

// A glob where '*' matches any run of characters (none too) and every other
// character itself. Iterative, with one backtrack point: linear in practice,
// never exponential, whatever the pattern.
bool glob_match(std::string_view pattern, std::string_view name);

// "2026-12-04T16:30:00.123Z": a connection's `since`.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

// One node's page: the counts whose channel matches the request's pattern
// and sorts after its cursor, sorted by name, at most `limit` of them.
std::vector<ChannelCount> channel_page(std::vector<ChannelCount> counts, const Request& request);

class AdminAnswer {
public:
    explicit AdminAnswer(Request request) : request_(std::move(request)) {}

    void add(Report report);
    std::size_t reports() const { return reports_; }
    // How many nodes got the request (PUBLISH's count): once that many
    // reports are in, the answer is complete.
    void expect(std::size_t nodes) { expected_ = nodes; }
    bool complete() const { return expected_ && reports_ >= *expected_; }
    // The JSON body; `incomplete` when fewer nodes answered than were asked.
    std::string body(bool incomplete) const;

private:
    nlohmann::json channels_body() const;

    Request request_;
    std::size_t reports_ = 0;
    std::optional<std::size_t> expected_;
    std::uint64_t count_ = 0;
    bool maybe_more_ = false; // some node's page was full: names may follow it
    std::vector<ConnectionInfo> connections_;
    std::vector<ChannelCount> channels_; // every node's, unmerged
};

} // namespace herald::admin
