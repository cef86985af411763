// Upstream client messages without Redis: POSTed to upstream_url, here a tiny
// HTTP server in the test process that answers from a script (200, 500, or
// nothing at all) and records every request body.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace herald_test;

namespace {

class TinyHttpServer {
public:
    // 0 = accept, read the request and never answer (until stopped).
    explicit TinyHttpServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~TinyHttpServer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        for (int c : held_)
            ::close(c);
        ::close(fd_);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/in"; }
    std::vector<std::string> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void run() {
        for (std::size_t n = 0; !stop_; ++n) {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0)
                return;
            std::string in;
            char buf[4096];
            for (;;) {
                auto head_end = in.find("\r\n\r\n");
                if (head_end != std::string::npos) {
                    auto cl = in.find("Content-Length: ");
                    std::size_t length =
                        cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
                    if (in.size() >= head_end + 4 + length)
                        break;
                }
                auto got = ::recv(c, buf, sizeof buf, 0);
                if (got <= 0)
                    break;
                in.append(buf, static_cast<std::size_t>(got));
            }
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(in);
            }
            const int status = n < statuses_.size() ? statuses_[n] : statuses_.back();
            if (status == 0) {
                held_.push_back(c);
                continue;
            }
            std::string out = "HTTP/1.1 " + std::to_string(status) +
                              " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
            ::close(c);
        }
    }

    std::vector<int> statuses_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<std::string> requests_;
    std::vector<int> held_;
};

std::optional<nlohmann::json> send_and_wait(WsClient& ws, const std::string& ref) {
    ws.send_json(
        {{"type", "send"}, {"channel", "room:1"}, {"data", {{"text", "hi"}}}, {"ref", ref}});
    for (int i = 0; i < 8; ++i) {
        auto frame = ws.next_json();
        if (!frame || frame->value("ref", "") == ref)
            return frame;
    }
    return std::nullopt;
}

nlohmann::json body_of(const std::string& request) {
    return nlohmann::json::parse(request.substr(request.find("\r\n\r\n") + 4));
}

} // namespace

TEST(UpstreamHttp, PostsTheMessageAsJson) {
    TinyHttpServer app({200});
    HeraldProcess herald({"--upstream-url", app.url()});
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    auto answer = send_and_wait(ws, "h1");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->dump(), R"({"ref":"h1","type":"sent"})");
    auto requests = app.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].rfind("POST /in HTTP/1.1\r\n", 0), 0u) << requests[0];
    const auto body = body_of(requests[0]);
    EXPECT_EQ(body["channel"], "room:1");
    EXPECT_EQ(body["data"]["text"], "hi");
    EXPECT_EQ(body["ref"], "h1");
    EXPECT_EQ(body["user"].get<std::string>().rfind("anon-", 0), 0u) << body.dump();
    EXPECT_FALSE(body["node"].get<std::string>().empty());
    EXPECT_GT(body["ts"].get<std::int64_t>(), 1'600'000'000'000);
}

TEST(UpstreamHttp, RetriesA5xxThenSucceeds) {
    TinyHttpServer app({500, 500, 200});
    HeraldProcess herald({"--upstream-url", app.url(), "--upstream-retries", "2"});
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    auto answer = send_and_wait(ws, "h2");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "sent") << answer->dump();
    EXPECT_EQ(app.requests().size(), 3u);
}

TEST(UpstreamHttp, AllRetriesFailingIsAnError) {
    TinyHttpServer app({503});
    HeraldProcess herald({"--upstream-url", app.url(), "--upstream-retries", "1"});
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    auto answer = send_and_wait(ws, "h3");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "error") << answer->dump();
    EXPECT_NE(answer->value("message", "").find("503"), std::string::npos) << answer->dump();
    EXPECT_EQ(app.requests().size(), 2u);
}

TEST(UpstreamHttp, AnApplicationThatNeverAnswersTimesOutToAnError) {
    TinyHttpServer app({0});
    HeraldProcess herald(
        {"--upstream-url", app.url(), "--upstream-retries", "0", "--upstream-timeout", "300ms"});
    WsClient ws(herald.port(), ws_target({"room:1"}));
    ASSERT_TRUE(ws.wait_subscribed("room:1"));
    auto answer = send_and_wait(ws, "h4");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->value("type", ""), "error") << answer->dump();
}
