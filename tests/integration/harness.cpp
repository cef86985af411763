#include "harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace herald_test {

std::string write_temp_file(const std::string& name, const std::string& text) {
    auto path = std::filesystem::temp_directory_path() /
                ("herald-test-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

bool wait_until(const std::function<bool()>& condition, Millis timeout, Millis period) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(period);
    }
}

std::map<std::string, double> scrape_metrics(std::uint16_t port) {
    auto response = http_get(port, "/metrics");
    std::map<std::string, double> samples;
    std::istringstream in(response.body);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line.front() == '#')
            continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos)
            continue;
        try {
            samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
        } catch (const std::exception&) {
            // "+Inf" and friends parse fine; anything else is not a sample.
        }
    }
    return samples;
}

std::optional<double> metric_value(std::uint16_t port, const std::string& series) {
    auto samples = scrape_metrics(port);
    auto it = samples.find(series);
    if (it == samples.end())
        return std::nullopt;
    return it->second;
}

ConnectionCounts connection_counts(std::uint16_t port) {
    auto body = http_get(port, "/healthz").json();
    ConnectionCounts counts;
    if (!body.is_object() || !body.contains("connections"))
        return counts;
    const auto& c = body["connections"];
    counts.sse = c.value("sse", -1LL);
    counts.ws = c.value("ws", -1LL);
    counts.http = c.value("http", -1LL);
    return counts;
}

std::vector<std::string> fast_flags(std::vector<std::string> more) {
    std::vector<std::string> flags = {"--heartbeat-interval", "1s", "--shutdown-timeout", "3s"};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}

namespace {
std::string target(const std::string& path, const std::vector<std::string>& channels,
                   const std::string& extra_query) {
    std::string out = path;
    char sep = '?';
    for (const auto& c : channels) {
        out += sep + std::string("channel=") + c;
        sep = '&';
    }
    if (!extra_query.empty())
        out += sep + extra_query;
    return out;
}
} // namespace

std::string events_target(const std::vector<std::string>& channels,
                          const std::string& extra_query) {
    return target("/events", channels, extra_query);
}

std::string ws_target(const std::vector<std::string>& channels, const std::string& extra_query) {
    return target("/ws", channels, extra_query);
}

void expect_next_id(SseClient& sse, WsClient& ws, const std::string& id) {
    auto event = sse.next_event();
    ASSERT_TRUE(event) << "no SSE event " << id << "; SSE ended: " << sse.ended();
    EXPECT_EQ(event->id, id) << "SSE event data=" << event->data;
    auto frame = ws.next_json();
    ASSERT_TRUE(frame) << "no WS message " << id << "; WS closed: " << ws.closed() << " code "
                       << ws.close_code();
    EXPECT_EQ(frame->value("id", ""), id) << frame->dump();
}

void expect_quiet(SseClient& sse, WsClient& ws, Millis quiet) {
    auto extra_event = sse.next_event(quiet);
    EXPECT_FALSE(extra_event) << "unexpected SSE event: id=" << extra_event->id.value_or("")
                              << " data=" << extra_event->data;
    auto extra_frame = ws.next_message(Millis{50});
    EXPECT_FALSE(extra_frame) << "unexpected WS message: " << *extra_frame;
}

} // namespace herald_test
