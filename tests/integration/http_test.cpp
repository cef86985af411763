// HTTP/1.1 behaviour of the plain endpoints: keep-alive, pipelining, HEAD,
// percent-encoded targets.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace herald_test;

namespace {

std::string publish_request(const std::string& body, bool close = false) {
    return "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
           std::string(close ? "Connection: close\r\n" : "") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

} // namespace

TEST(Http, StartupLogsTheListeningPort) {
    HeraldProcess herald; // waits for "listening on 127.0.0.1:<port>" itself
    EXPECT_NE(herald.log().find("listening on 127.0.0.1:" + std::to_string(herald.port())),
              std::string::npos);
    EXPECT_NE(herald.port(), 0);
    EXPECT_EQ(http_get(herald.port(), "/healthz").status, 200u);
}

TEST(Http, PipelinedPublishesOnOneConnectionAreAnsweredInOrder) {
    HeraldProcess herald;
    SseClient subscriber(herald.port(), events_target({"a"}));
    TimedSocket socket(herald.port());
    ASSERT_FALSE(socket.write(publish_request(R"({"channel":"a","data":1,"id":"p-1"})") +
                              publish_request(R"({"channel":"a","data":2,"id":"p-2"})") +
                              publish_request(R"({"channel":"a","data":3,"id":"p-3"})", true)));
    std::string all;
    EXPECT_TRUE(socket.wait_closed(kTimeout, &all));
    EXPECT_EQ(count_of(all, "HTTP/1.1 202"), 3u) << all;
    const auto first = all.find("p-1"), second = all.find("p-2"), third = all.find("p-3");
    EXPECT_TRUE(first < second && second < third) << all;

    auto events = subscriber.next_events(3);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].id, "p-1");
    EXPECT_EQ(events[2].id, "p-3");
}

TEST(Http, HeadHealthzHasNoBody) {
    HeraldProcess herald;
    TimedSocket socket(herald.port());
    // HEAD, then GET on the same connection: the GET's answer must start right
    // after the HEAD answer's head (RFC 9110 9.3.2: no content for HEAD).
    ASSERT_FALSE(socket.write("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                              "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    std::string all;
    EXPECT_TRUE(socket.wait_closed(kTimeout, &all));
    ASSERT_EQ(all.rfind("HTTP/1.1 200", 0), 0u) << all;
    const auto head_end = all.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos);
    EXPECT_EQ(all.substr(head_end + 4, 12), "HTTP/1.1 404")
        << "bytes after the HEAD response head:\n"
        << all.substr(head_end + 4);
}

TEST(Http, PercentEncodedChannelNamesAreDecoded) {
    HeraldProcess herald;
    SseClient client(herald.port(), "/events?channel=user%3A42&cache=123");
    const auto id = publish_event(herald.port(), "user:42", "decoded");
    auto event = client.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, id);
}

TEST(Http, KeepAliveRequestsOnOneConnection) {
    HeraldProcess herald;
    TimedSocket socket(herald.port());
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE(socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::string response;
        const auto head_end = socket.read_until(response, "\r\n\r\n");
        ASSERT_NE(head_end, std::string::npos) << "request " << i;
        EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
        const auto length_at = response.find("Content-Length: ");
        ASSERT_NE(length_at, std::string::npos);
        const auto length = std::stoul(response.substr(length_at + 16));
        while (response.size() < head_end + length)
            ASSERT_FALSE(socket.read_some(response));
        EXPECT_EQ(response.size(), head_end + length) << "request " << i;
    }
}
