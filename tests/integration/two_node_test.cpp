// Two herald nodes bridged through one Redis, behind nginx configured by the
// shipped site file (config/nginx/herald.conf): a publish to either node
// reaches every client of both exactly once; when a node dies, its
// EventSource clients reconnect through nginx to the other node and resume.
#include "two_node_nginx.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

using namespace herald_test;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> node_args(const RedisServer& redis) {
    // A short retry so that reconnecting EventSource clients come back quickly.
    return redis_herald_args(redis.url(), {"--trusted-proxies", "127.0.0.1", "--retry", "250ms"});
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

// The address herald logs for a client connected through nginx: the one the
// client put in X-Forwarded-For (nginx appends its own peer, 127.0.0.1,
// which herald trusts and skips).
std::string sse_open_line(const std::string& client_address) {
    return "sse open " + client_address + " channels=";
}

struct ProxiedClient {
    std::string address; // X-Forwarded-For it sends
    std::unique_ptr<EventSourceClient> sse;
    bool on_a = false;
};

void expect_sse(EventSourceClient& client, const std::vector<std::string>& ids,
                const std::string& who) {
    for (const auto& id : ids) {
        auto event = client.next_event();
        ASSERT_TRUE(event) << who << ": no event " << id << " (" << client.last_error() << ")";
        EXPECT_EQ(event->id, id) << who;
        EXPECT_EQ(event->type, "chat") << who << " data=" << event->data;
    }
}

void expect_sse(SseClient& client, const std::vector<std::string>& ids, const std::string& who) {
    for (const auto& id : ids) {
        auto event = client.next_event();
        ASSERT_TRUE(event) << who << ": no event " << id;
        EXPECT_EQ(event->id, id) << who;
        EXPECT_EQ(event->type, "chat") << who;
    }
}

void expect_ws(WsClient& client, const std::vector<std::string>& ids, const std::string& who) {
    for (const auto& id : ids) {
        auto frame = client.next_json();
        ASSERT_TRUE(frame) << who << ": no message " << id << "; closed=" << client.closed();
        EXPECT_EQ(frame->value("id", ""), id) << who << ": " << frame->dump();
        EXPECT_EQ(frame->value("channel", ""), "room:1") << who;
    }
}

void run_failover(int kill_signal) {
    RedisServer redis;
    auto a = std::make_unique<HeraldProcess>(node_args(redis));
    HeraldProcess b(node_args(redis));
    ASSERT_TRUE(wait_ready(a->port())) << readyz(a->port()).body;
    ASSERT_TRUE(wait_ready(b.port())) << readyz(b.port()).body;
    NginxServer nginx({a->port(), b.port()});
    ASSERT_NE(nginx.site().find("server 127.0.0.1:" + std::to_string(b.port()) +
                                " max_fails=1 fail_timeout=5s;"),
              std::string::npos)
        << nginx.site();
    EXPECT_EQ(readyz(nginx.port()).status, 200u);

    // Clients straight to each node...
    SseClient a_sse(a->port(), events_target({"room:1"}));
    WsClient a_ws(a->port(), ws_target({"room:1"}));
    SseClient b_sse(b.port(), events_target({"room:1"}));
    WsClient b_ws(b.port(), ws_target({"room:1"}));
    ASSERT_TRUE(a_ws.wait_subscribed("room:1"));
    ASSERT_TRUE(b_ws.wait_subscribed("room:1"));
    // ... and through nginx, which spreads them over both nodes.
    WsClient proxied_ws(nginx.port(), ws_target({"room:1"}));
    ASSERT_TRUE(proxied_ws.upgraded()) << proxied_ws.response().result_int();
    ASSERT_TRUE(proxied_ws.wait_subscribed("room:1"));
    std::vector<ProxiedClient> proxied;
    std::size_t on_a = 0, on_b = 0;
    for (int i = 1; i <= 10 && (proxied.size() < 4 || on_a == 0 || on_b == 0); ++i) {
        ProxiedClient client;
        client.address = "203.0.113." + std::to_string(i);
        client.sse = std::make_unique<EventSourceClient>(
            nginx.port(), events_target({"room:1"}), Headers{{"X-Forwarded-For", client.address}});
        // Which node took it: the one that logged its forwarded address.
        bool found = wait_until([&] {
            const bool in_a = a->log().find(sse_open_line(client.address)) != std::string::npos;
            const bool in_b = b.log().find(sse_open_line(client.address)) != std::string::npos;
            client.on_a = in_a;
            return in_a != in_b;
        });
        ASSERT_TRUE(found) << "neither node (or both) logged \"" << sse_open_line(client.address)
                           << "\": herald does not take the client address from "
                              "X-Forwarded-For of a trusted proxy?\nnginx access log:\n"
                           << nginx.access_log();
        (client.on_a ? on_a : on_b) += 1;
        proxied.push_back(std::move(client));
    }
    ASSERT_GE(on_a, 1u) << "nginx sent no SSE client to node A";
    ASSERT_GE(on_b, 1u) << "nginx sent no SSE client to node B";
    // A direct client is logged with its own address and port.
    EXPECT_NE(b.log().find("sse open 127.0.0.1:"), std::string::npos);

    // One publish to node A, one through nginx: every client of both nodes
    // gets each exactly once, in order.
    const std::vector<std::string> first_ids = {
        publish_event(a->port(), "room:1", {{"n", 1}}, "chat", "two-1"),
        publish_event(nginx.port(), "room:1", {{"n", 2}}, "chat", "two-2"),
    };
    ASSERT_EQ(first_ids, (std::vector<std::string>{"two-1", "two-2"}));
    expect_sse(a_sse, first_ids, "direct SSE on A");
    expect_sse(b_sse, first_ids, "direct SSE on B");
    expect_ws(a_ws, first_ids, "direct WS on A");
    expect_ws(b_ws, first_ids, "direct WS on B");
    expect_ws(proxied_ws, first_ids, "WS through nginx");
    for (auto& client : proxied)
        expect_sse(*client.sse, first_ids, "SSE through nginx from " + client.address);
    // Exactly once: nothing more anywhere.
    std::this_thread::sleep_for(Millis{400});
    EXPECT_FALSE(a_sse.next_event(Millis{10}));
    EXPECT_FALSE(b_sse.next_event(Millis{10}));
    EXPECT_FALSE(a_ws.next_message(Millis{10}));
    EXPECT_FALSE(b_ws.next_message(Millis{10}));
    EXPECT_FALSE(proxied_ws.next_message(Millis{10}));
    for (auto& client : proxied) {
        auto extra = client.sse->next_event(Millis{10});
        EXPECT_FALSE(extra) << client.address << " got a duplicate: " << extra->id.value_or("");
    }

    // Node A dies.
    a->send_signal(kill_signal);
    // Meanwhile the clients run, as browsers would: on SIGTERM, herald's
    // WebSocket closing handshakes need their answers.
    const auto deadline = Clock::now() + Millis{10'000};
    while (!a->wait_exit(Millis{0}) && Clock::now() < deadline) {
        a_ws.next_message(Millis{10});
        a_sse.next_event(Millis{10});
        if (!proxied_ws.closed()) {
            EXPECT_FALSE(proxied_ws.next_message(Millis{10})) << "unexpected message";
        }
    }
    ASSERT_TRUE(a->wait_exit(Millis{0})) << "node A did not exit";
    EXPECT_TRUE(a_sse.wait_closed(Millis{5000}));
    EXPECT_TRUE(a_ws.wait_closed(Millis{5000}));

    // Its clients through nginx reconnect (after the retry time), land on B
    // and resume from the last event they saw.
    for (auto& client : proxied) {
        if (!client.on_a)
            continue;
        ASSERT_TRUE(client.sse->wait_connections(2, Millis{10'000}))
            << client.address << " did not reconnect: " << client.sse->last_error()
            << "\nnginx access log:\n"
            << nginx.access_log() << "\nnginx error log:\n"
            << nginx.error_log();
        EXPECT_EQ(client.sse->resumed_from(), std::vector<std::string>{"two-2"}) << client.address;
        EXPECT_TRUE(wait_until([&] {
            return count_of(b.log(), sse_open_line(client.address)) == 1;
        })) << client.address
            << " is not on node B";
    }
    // Give the clients that stayed on B a chance to notice a (wrong) end.
    for (auto& client : proxied) {
        if (!client.on_a) {
            EXPECT_FALSE(client.sse->next_event(Millis{10})) << client.address;
        }
    }

    // Published after the failover (through nginx, which now only has B):
    // every remaining client receives it exactly once; no "reset", since B
    // holds the same history.
    const std::vector<std::string> later_ids = {
        publish_event(nginx.port(), "room:1", {{"n", 3}}, "chat", "two-3"),
        publish_event(b.port(), "room:1", {{"n", 4}}, "chat", "two-4"),
    };
    expect_sse(b_sse, later_ids, "direct SSE on B");
    expect_ws(b_ws, later_ids, "direct WS on B");
    for (auto& client : proxied) {
        expect_sse(*client.sse, later_ids,
                   "SSE through nginx from " + client.address + (client.on_a ? " (was on A)" : ""));
        EXPECT_EQ(client.sse->connections(), client.on_a ? 2u : 1u) << client.address;
    }
    // The WS client through nginx either stayed on B or was closed with A.
    if (!proxied_ws.closed()) {
        auto frame = proxied_ws.next_json(Millis{2000});
        if (frame && frame->value("id", "") == "two-3") // on B: gets both
            expect_ws(proxied_ws, {"two-4"}, "WS through nginx (on B)");
        else
            EXPECT_TRUE(proxied_ws.closed()) << "WS through nginx: neither closed nor got two-3";
    }
    std::this_thread::sleep_for(Millis{300});
    EXPECT_FALSE(b_sse.next_event(Millis{10}));
    for (auto& client : proxied) {
        auto extra = client.sse->next_event(Millis{10});
        EXPECT_FALSE(extra) << client.address << " got an extra event: " << extra->id.value_or("")
                            << " " << extra->type;
    }
}

} // namespace

TEST(TwoNode, PublishReachesEveryClientOnceAndSseFailsOverWhenNodeIsKilled) {
    run_failover(SIGKILL);
}

TEST(TwoNode, PublishReachesEveryClientOnceAndSseFailsOverWhenNodeIsStopped) {
    run_failover(SIGTERM);
}

TEST(TwoNode, PublishToEitherNodeReachesTheOther) {
    RedisServer redis;
    HeraldProcess a(node_args(redis));
    HeraldProcess b(node_args(redis));
    ASSERT_TRUE(wait_ready(a.port()));
    ASSERT_TRUE(wait_ready(b.port()));
    SseClient on_a(a.port(), events_target({"room:2"}));
    WsClient on_b(b.port(), ws_target({"room:2"}));
    ASSERT_TRUE(on_b.wait_subscribed("room:2"));
    // One Redis subscription per node.
    EXPECT_EQ(redis.pubsub_numsub("room:2"), 2);

    std::vector<std::string> ids;
    for (int i = 0; i < 50; ++i) // alternating nodes; one channel keeps one order
        ids.push_back(publish_event(i % 2 ? b.port() : a.port(), "room:2", {{"i", i}}, "chat"));
    auto events = on_a.next_events(ids.size());
    ASSERT_EQ(events.size(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        EXPECT_EQ(events[i].id, ids[i]) << i;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto frame = on_b.next_json();
        ASSERT_TRUE(frame) << i;
        EXPECT_EQ(frame->value("id", ""), ids[i]) << i;
        EXPECT_EQ((*frame)["data"], json({{"i", i}}));
    }
    EXPECT_FALSE(on_a.next_event(Millis{300}));
    EXPECT_FALSE(on_b.next_message(Millis{10}));
}
