// Per-connection limits over time: the WebSocket client message rate (error
// frame, then 1008 when sustained) and the idle timeout of plain HTTP
// keep-alive connections (streams are never idle-closed).
#include "harness.hpp"

#include <gtest/gtest.h>

#include <thread>

using namespace herald_test;

namespace {

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

// Reads one keep-alive response (head and Content-Length body) from `socket`.
bool read_response(TimedSocket& socket) {
    std::string response;
    const auto head_end = socket.read_until(response, "\r\n\r\n");
    if (head_end == std::string::npos || response.rfind("HTTP/1.1 200", 0) != 0)
        return false;
    const auto at = response.find("Content-Length: ");
    const auto length = std::stoul(response.substr(at + 16));
    while (response.size() < head_end + length)
        if (socket.read_some(response))
            return false;
    return true;
}

double series(std::uint16_t port, const std::string& name) {
    return metric_value(port, name).value_or(-1);
}

} // namespace

TEST(ClientLimits, MessagesOverTheRateAreDroppedWithOneErrorFrame) {
    HeraldProcess herald({"--client-message-rate", "5", "--client-message-burst", "5"});
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.wait_subscribed("a"));
    for (int i = 0; i < 10; ++i)
        ASSERT_FALSE(client.send_json({{"type", "ping"}}));
    int pongs = 0, errors = 0;
    while (auto message = client.next_json(500ms)) {
        if (message->value("type", "") == "pong")
            ++pongs;
        if (message->value("type", "") == "error") {
            ++errors;
            EXPECT_EQ(message->value("code", ""), "rate_limited") << message->dump();
        }
    }
    EXPECT_GE(pongs, 5) << "the burst is answered";
    EXPECT_LE(pongs, 6) << "at most one token came back meanwhile";
    EXPECT_EQ(errors, 1) << "one error frame, then silent drops";
    EXPECT_FALSE(client.closed()) << "a short burst does not close the connection";

    // Slowed down, the client is served again.
    std::this_thread::sleep_for(1200ms);
    ASSERT_FALSE(client.send_json({{"type", "ping"}}));
    auto pong = client.next_json();
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->value("type", ""), "pong");
    const double dropped =
        series(herald.port(), "herald_rejections_total{reason=\"rate_limited\"}");
    EXPECT_GE(dropped, 4);
    EXPECT_LE(dropped, 5);
    EXPECT_EQ(series(herald.port(), "herald_rejections_total{reason=\"rate_limit_close\"}"), 0);
}

TEST(ClientLimits, SustainedFloodIsClosedWith1008) {
    HeraldProcess herald({"--client-message-rate", "5", "--client-message-burst", "5"});
    SseClient bystander(herald.port(), events_target({"a"}));
    WsClient client(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(client.wait_subscribed("a"));
    // 20 messages a second, four times the rate, until herald hangs up.
    const auto start = std::chrono::steady_clock::now();
    int errors = 0;
    while (!client.closed() && since(start) < 8s) {
        if (client.send_json({{"type", "ping"}}))
            break;
        while (auto message = client.next_json(50ms))
            errors += message->value("type", "") == "error";
    }
    EXPECT_TRUE(client.wait_closed());
    EXPECT_EQ(client.close_code(), 1008u) << client.read_error().message();
    EXPECT_EQ(client.close_reason(), "rate limit exceeded");
    EXPECT_GE(since(start), 3s) << "closed only when the excess lasted";
    EXPECT_LT(since(start), 6s);
    EXPECT_GE(errors, 2) << "an error frame each second while over the limit";
    EXPECT_EQ(series(herald.port(), "herald_rejections_total{reason=\"rate_limit_close\"}"), 1);

    const auto id = publish_event(herald.port(), "a", "still here");
    auto event = bystander.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
}

TEST(ClientLimits, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
    HeraldProcess herald({"--idle-timeout", "1s", "--handshake-timeout", "5s"});
    TimedSocket socket(herald.port());
    ASSERT_FALSE(socket.write(kHealthz));
    ASSERT_TRUE(read_response(socket));
    const auto served = std::chrono::steady_clock::now();
    EXPECT_TRUE(socket.wait_closed(4s)) << "an idle keep-alive connection outlived idle_timeout";
    EXPECT_GE(since(served), 900ms);
    EXPECT_LT(since(served), 3s) << "closed by idle_timeout (1 s), not handshake_timeout (5 s)";
    EXPECT_EQ(series(herald.port(), "herald_idle_timeouts_total"), 1);
    EXPECT_EQ(series(herald.port(), "herald_rejections_total{reason=\"handshake_timeout\"}"), 0);
}

TEST(ClientLimits, ActiveKeepAliveAndStreamsAreNotIdle) {
    HeraldProcess herald(fast_flags({"--idle-timeout", "1s"}));
    SseClient sse(herald.port(), events_target({"a"}));
    WsClient ws(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(ws.wait_subscribed("a"));
    // A request every 600 ms resets the idle clock each time.
    TimedSocket socket(herald.port());
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(socket.write(kHealthz)) << "request " << i;
        ASSERT_TRUE(read_response(socket)) << "request " << i;
        std::this_thread::sleep_for(600ms);
        // The WebSocket client answers herald's pings only while it reads.
        EXPECT_FALSE(ws.next_json(1ms));
    }
    // 3 s: three idle timeouts for the streams, which heartbeats keep alive.
    const auto id = publish_event(herald.port(), "a", "after 3 s");
    auto event = sse.next_event();
    ASSERT_TRUE(event) << "the SSE stream was closed";
    EXPECT_EQ(event->id, id);
    auto message = ws.next_json();
    ASSERT_TRUE(message) << "the WebSocket was closed";
    EXPECT_EQ(message->value("id", ""), id);
    EXPECT_EQ(series(herald.port(), "herald_idle_timeouts_total"), 0);
}
