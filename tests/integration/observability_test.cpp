// GET /healthz and GET /metrics against live connections and traffic.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

TEST(Observability, HealthzReportsStatusUptimeAndConnections) {
    HeraldProcess herald;
    auto first = http_get(herald.port(), "/healthz");
    EXPECT_EQ(first.status, 200u);
    EXPECT_NE(first.header("Content-Type").find("application/json"), std::string::npos);
    auto body = first.json();
    ASSERT_TRUE(body.is_object()) << first.body;
    EXPECT_EQ(body.value("status", ""), "ok");
    ASSERT_TRUE(body.contains("uptime_seconds") && body["uptime_seconds"].is_number());
    EXPECT_GE(body["uptime_seconds"].get<double>(), 0.0);
    ASSERT_TRUE(body.contains("connections")) << first.body;
    for (const char* transport : {"sse", "ws", "http"})
        EXPECT_TRUE(body["connections"].contains(transport)) << transport;

    std::optional<SseClient> sse1(std::in_place, herald.port(), events_target({"a"}));
    SseClient sse2(herald.port(), events_target({"b"}));
    WsClient ws(herald.port(), ws_target({"a"}));
    ASSERT_TRUE(ws.wait_subscribed("a"));
    ConnectionCounts counts;
    EXPECT_TRUE(wait_until([&] {
        counts = connection_counts(herald.port());
        return counts.sse == 2 && counts.ws == 1;
    })) << "sse="
        << counts.sse << " ws=" << counts.ws;
    EXPECT_GE(counts.http, 1) << "the /healthz request itself";

    sse1.reset(); // a client going away is noticed
    EXPECT_TRUE(wait_until([&] {
        counts = connection_counts(herald.port());
        return counts.sse == 1 && counts.ws == 1;
    })) << "sse="
        << counts.sse << " ws=" << counts.ws;

    auto later = http_get(herald.port(), "/healthz").json();
    EXPECT_GE(later.value("uptime_seconds", -1.0), body["uptime_seconds"].get<double>());
}

TEST(Observability, MetricsCountConnectionsDeliveriesAndBatches) {
    HeraldProcess herald;
    SseClient sse(herald.port(), events_target({"m"}));
    WsClient ws(herald.port(), ws_target({"m"}));
    ASSERT_TRUE(ws.wait_subscribed("m"));
    for (int i = 0; i < 3; ++i)
        publish_event(herald.port(), "m", i);
    ASSERT_EQ(sse.next_events(3).size(), 3u);
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(ws.next_json());

    auto response = http_get(herald.port(), "/metrics");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("Content-Type").rfind("text/plain", 0), 0u)
        << response.header("Content-Type");
    for (const char* family : {"herald_connections", "herald_events_delivered_total",
                               "herald_slow_consumer_disconnects_total",
                               "herald_write_batch_events", "herald_queued_bytes"})
        EXPECT_NE(response.body.find(std::string("# TYPE ") + family + " "), std::string::npos)
            << family;
    EXPECT_NE(response.body.find("# TYPE herald_write_batch_events histogram"), std::string::npos);

    std::map<std::string, double> m;
    // Counters are updated as writes complete: poll until they settle.
    EXPECT_TRUE(wait_until([&] {
        m = scrape_metrics(herald.port());
        return m["herald_queued_bytes"] == 0 &&
               m["herald_events_delivered_total{transport=\"sse\"}"] == 3 &&
               m["herald_events_delivered_total{transport=\"ws\"}"] == 3;
    })) << "queued="
        << m["herald_queued_bytes"]
        << " delivered sse=" << m["herald_events_delivered_total{transport=\"sse\"}"]
        << " ws=" << m["herald_events_delivered_total{transport=\"ws\"}"];
    EXPECT_EQ(m["herald_connections{transport=\"sse\"}"], 1);
    EXPECT_EQ(m["herald_connections{transport=\"ws\"}"], 1);
    EXPECT_EQ(m.count("herald_connections{transport=\"http\"}"), 1u);
    EXPECT_EQ(m["herald_slow_consumer_disconnects_total{transport=\"sse\"}"], 0);
    EXPECT_EQ(m["herald_slow_consumer_disconnects_total{transport=\"ws\"}"], 0);
    EXPECT_GT(m["herald_write_batch_events_count"], 0);
    EXPECT_GE(m["herald_write_batch_events_sum"], 6) << "6 events were written";
    EXPECT_EQ(m["herald_write_batch_events_bucket{le=\"+Inf\"}"],
              m["herald_write_batch_events_count"]);
}
