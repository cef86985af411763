#pragma once
// Integration test harness: starts the real herald binary on an ephemeral
// port (HeraldProcess) and talks to it over 127.0.0.1 with real clients:
//   http_client.hpp  blocking HTTP requests (publish, healthz, metrics, raw)
//   sse_client.hpp   EventSource-like client, WHATWG parsing (sse_parser.hpp)
//   ws_client.hpp    Beast WebSocket client with read timeouts
//   raw_ws.hpp       byte-level WebSocket client for protocol violations
//   timed_socket.hpp raw TCP with deadlines
//   crowd.hpp        hundreds of async subscribers on one io_context
// This header adds what tests share beyond those: bounded polling, /metrics
// scraping and gtest checks on subscribers. No helper waits without a deadline.
#include "crowd.hpp"
#include "http_client.hpp"
#include "process.hpp"
#include "raw_ws.hpp"
#include "sse_client.hpp"
#include "timed_socket.hpp"
#include "ws_client.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace herald_test {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Polls `condition` every `period` until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, Millis timeout = kTimeout,
                Millis period = Millis{20});

// GET /metrics parsed into "name{labels}" -> value (comments skipped).
std::map<std::string, double> scrape_metrics(std::uint16_t port);
// One sample, e.g. metric_value(port, "herald_connections{transport=\"sse\"}");
// nullopt when the series is missing.
std::optional<double> metric_value(std::uint16_t port, const std::string& series);

// GET /healthz "connections" counts.
struct ConnectionCounts {
    long long sse = -1, ws = -1, http = -1;
};
ConnectionCounts connection_counts(std::uint16_t port);

// Writes `text` to a file of its own in the temporary directory (a config
// file for --config, a key) and returns its path; `name` tells tests apart.
std::string write_temp_file(const std::string& name, const std::string& text);

// The flags most tests want on top of the defaults (fast heartbeats and
// deadlines, so that time-based behaviour shows within a second or two).
std::vector<std::string> fast_flags(std::vector<std::string> more = {});

// "/events?channel=a&channel=b"
std::string events_target(const std::vector<std::string>& channels,
                          const std::string& extra_query = {});
std::string ws_target(const std::vector<std::string>& channels,
                      const std::string& extra_query = {});

// gtest checks on an SSE and a WebSocket subscriber of the same channel. A
// fatal failure returns from the helper only: where the test goes on, call it
// in ASSERT_NO_FATAL_FAILURE.
// The next SSE event and the next WebSocket message both carry `id`.
void expect_next_id(SseClient& sse, WsClient& ws, const std::string& id);
// Nothing more arrives on either client within `quiet`.
void expect_quiet(SseClient& sse, WsClient& ws, Millis quiet = Millis{300});

} // namespace herald_test
