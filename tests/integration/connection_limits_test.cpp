// max_connections (503) and max_connections_per_ip (429): the connection over
// the limit is answered and closed at once, counted in herald_rejections_total,
// and the connections already open keep being served.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <array>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

using namespace herald_test;

namespace {

// One raw HTTP exchange from another loopback source address (127.0.0.2 is
// another client to herald): the request, then everything until the close.
std::string exchange_from(const char* source, std::uint16_t port, const std::string& request) {
    net::io_context context;
    tcp::socket socket(context);
    socket.open(tcp::v4());
    socket.bind({net::ip::make_address_v4(source), 0});
    std::string received;
    char chunk[4096];
    bool done = false;
    std::function<void()> read = [&] {
        socket.async_read_some(net::buffer(chunk), [&](error_code ec, std::size_t n) {
            received.append(chunk, n);
            if (ec)
                done = true;
            else
                read();
        });
    };
    socket.async_connect({net::ip::make_address_v4("127.0.0.1"), port}, [&](error_code ec) {
        if (ec) {
            done = true;
            return;
        }
        net::async_write(socket, net::buffer(request), [&](error_code, std::size_t) {});
        read();
    });
    run_until(context, done, kTimeout);
    return received;
}

std::string publish_request(const std::string& channel, const std::string& data) {
    const std::string body = json{{"channel", channel}, {"data", data}}.dump();
    return "POST /publish HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Everything a refused connection receives: status, Retry-After, JSON body, close.
void expect_refusal(const std::string& response, unsigned status) {
    ASSERT_EQ(response.rfind("HTTP/1.1 " + std::to_string(status), 0), 0u) << response;
    EXPECT_NE(response.find("Retry-After: "), std::string::npos) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
    const auto body = json::parse(response.substr(response.find("\r\n\r\n") + 4), nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("error")) << response;
}

std::string raw_exchange(std::uint16_t port, const std::string& request, bool& closed) {
    TimedSocket socket(port);
    EXPECT_FALSE(socket.write(request));
    std::string received;
    closed = socket.wait_closed(kTimeout, &received);
    return received;
}

double rejections(std::uint16_t port, const std::string& reason) {
    return metric_value(port, "herald_rejections_total{reason=\"" + reason + "\"}").value_or(-1);
}

} // namespace

TEST(ConnectionLimits, SixthConnectionGets503AndTheFiveKeepWorking) {
    HeraldProcess herald({"--max-connections", "5", "--max-connections-per-ip", "0"});
    std::vector<std::optional<SseClient>> subscribers(5);
    for (auto& s : subscribers)
        s.emplace(herald.port(), events_target({"a"}));

    bool closed = false;
    const auto start = std::chrono::steady_clock::now();
    const auto response =
        raw_exchange(herald.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", closed);
    ASSERT_NO_FATAL_FAILURE(expect_refusal(response, 503));
    EXPECT_TRUE(closed);
    EXPECT_LT(since(start), 2s) << "the refusal must not wait for anything";
    SseClient sixth(herald.port(), events_target({"a"}));
    EXPECT_EQ(sixth.status(), 503u);
    WsClient ws(herald.port(), ws_target({"a"}));
    EXPECT_FALSE(ws.upgraded());
    EXPECT_EQ(ws.response().result_int(), 503);

    // One leaves: its slot is free again (once herald has seen it go), for a
    // publish the four receive. Attempts before that are refused, and counted.
    subscribers[0].reset();
    int refused = 3;
    std::string answer;
    EXPECT_TRUE(wait_until([&] {
        answer = exchange_from("127.0.0.1", herald.port(), publish_request("a", "after"));
        refused += answer.rfind("HTTP/1.1 503", 0) == 0;
        return answer.rfind("HTTP/1.1 202", 0) == 0;
    })) << answer;
    for (std::size_t i = 1; i < subscribers.size(); ++i) {
        auto event = subscribers[i]->next_event();
        ASSERT_TRUE(event) << "subscriber " << i;
        EXPECT_EQ(event->data, "after");
    }
    // The publish's slot may not be released yet: a scrape can be refused too.
    const std::string series = "\nherald_rejections_total{reason=\"max_connections\"} ";
    HttpResponse metrics;
    EXPECT_TRUE(wait_until([&] {
        metrics = http_get(herald.port(), "/metrics");
        refused += metrics.status == 503;
        return metrics.status == 200;
    }));
    const auto at = metrics.body.find(series);
    ASSERT_NE(at, std::string::npos) << metrics.body;
    EXPECT_EQ(std::stod(metrics.body.substr(at + series.size())), refused);
}

TEST(ConnectionLimits, FourthConnectionFromOneAddressGets429) {
    HeraldProcess herald({"--max-connections-per-ip", "3"});
    std::vector<std::optional<SseClient>> subscribers(3);
    for (auto& s : subscribers)
        s.emplace(herald.port(), events_target({"a"}));

    bool closed = false;
    auto response = raw_exchange(herald.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", closed);
    ASSERT_NO_FATAL_FAILURE(expect_refusal(response, 429));
    EXPECT_TRUE(closed);
    WsClient ws(herald.port(), ws_target({"a"}));
    EXPECT_FALSE(ws.upgraded());
    EXPECT_EQ(ws.response().result_int(), 429);

    // Another address is another client; the three are still served.
    auto published = exchange_from("127.0.0.2", herald.port(), publish_request("a", "other ip"));
    EXPECT_EQ(published.rfind("HTTP/1.1 202", 0), 0u) << published;
    for (auto& s : subscribers) {
        auto event = s->next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->data, "other ip");
    }
    auto metrics = exchange_from("127.0.0.2", herald.port(),
                                 "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(metrics.find("herald_rejections_total{reason=\"max_connections_per_ip\"} 2"),
              std::string::npos)
        << metrics;

    // The count follows the connections: one closes, one more may open.
    subscribers[0].reset();
    EXPECT_TRUE(wait_until([&] { return http_get(herald.port(), "/healthz").status == 200; }));
}

TEST(ConnectionLimits, BehindATrustedProxyTheForwardedClientIsCounted) {
    // 127.0.0.1 plays nginx: its own connections are not limited per address,
    // each stream counts for the client its X-Forwarded-For names.
    HeraldProcess herald({"--max-connections-per-ip", "2", "--trusted-proxies", "127.0.0.1"});
    const Headers alice{{"X-Forwarded-For", "203.0.113.7"}};
    const Headers bob{{"X-Forwarded-For", "198.51.100.1, 203.0.113.8"}};
    SseClient a1(herald.port(), events_target({"a"}), alice);
    SseClient a2(herald.port(), events_target({"a"}), alice);
    ASSERT_EQ(a1.status(), 200u);
    ASSERT_EQ(a2.status(), 200u);
    SseClient a3(herald.port(), events_target({"a"}), alice);
    EXPECT_EQ(a3.status(), 429u) << "third stream of 203.0.113.7";
    EXPECT_FALSE(a3.header("Retry-After").empty());

    SseClient b1(herald.port(), events_target({"a"}), bob);
    SseClient b2(herald.port(), events_target({"a"}), bob);
    EXPECT_EQ(b1.status(), 200u);
    EXPECT_EQ(b2.status(), 200u);
    // The proxy itself: any number of plain requests, none refused.
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(http_get(herald.port(), "/healthz").status, 200u);
    publish_event(herald.port(), "a", "through the proxy");
    for (auto* s : {&a1, &a2, &b1, &b2}) {
        auto event = s->next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->data, "through the proxy");
    }
    EXPECT_EQ(rejections(herald.port(), "max_connections_per_ip"), 1);
}

TEST(ConnectionLimits, AConnectBurstIsAdmittedUpToTheLimitExactly) {
    // 300 connections arrive at once: each accept completion also takes what
    // waits in the queue behind it (Listener::accept_waiting), and every one
    // of them passes the same limits. Admitted connections stay open (keep-
    // alive), so exactly max_connections get 200 and the rest 503.
    constexpr std::size_t limit = 100;
    constexpr std::size_t burst = 300;
    HeraldProcess herald(
        {"--max-connections", std::to_string(limit), "--max-connections-per-ip", "0"});
    net::io_context context;
    struct Attempt {
        explicit Attempt(net::io_context& c) : socket(c) {}
        tcp::socket socket;
        std::array<char, 512> chunk{};
        std::string received;
    };
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    std::vector<std::unique_ptr<Attempt>> attempts;
    std::size_t answered = 0;
    for (std::size_t i = 0; i < burst; ++i) {
        auto& a = *attempts.emplace_back(std::make_unique<Attempt>(context));
        a.socket.async_connect(
            {net::ip::make_address_v4("127.0.0.1"), herald.port()}, [&](error_code ec) {
                if (ec)
                    return;
                net::async_write(a.socket, net::buffer(request), [](error_code, std::size_t) {});
                a.socket.async_read_some(net::buffer(a.chunk), [&](error_code e, std::size_t n) {
                    a.received.append(a.chunk.data(), n);
                    answered += !e || n > 0;
                });
            });
    }
    bool all = false;
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!all && std::chrono::steady_clock::now() < deadline) {
        context.run_for(Millis{20});
        all = answered == burst;
    }
    std::size_t ok = 0;
    std::size_t refused = 0;
    for (auto& a : attempts) {
        ok += a->received.rfind("HTTP/1.1 200", 0) == 0;
        refused += a->received.rfind("HTTP/1.1 503", 0) == 0;
    }
    EXPECT_EQ(answered, burst);
    EXPECT_EQ(ok, limit);
    EXPECT_EQ(refused, burst - limit);
    EXPECT_EQ(rejections(herald.port(), "max_connections"), -1)
        << "no slot is free for the scrape while the admitted hold theirs";
    attempts.clear(); // the admitted leave: the scrape gets a slot again
    EXPECT_TRUE(wait_until([&] { return rejections(herald.port(), "max_connections") >= 0; }));
    EXPECT_GE(rejections(herald.port(), "max_connections"), double(burst - limit));
}
