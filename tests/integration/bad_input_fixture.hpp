#pragma once
// Shared set-up of the bad-input tests: one daemon with small limits, and a
// "bystander" SSE subscriber opened before the bad input. Every test ends by
// checking that the bystander is still served, i.e. that one client's bad
// input harmed nobody else.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace herald_test {

class BadInput : public ::testing::Test {
protected:
    static constexpr const char* kKey = "secret";

    void SetUp() override {
        herald_.emplace(std::vector<std::string>{
            "--max-header-size", "4KiB", "--max-message-size", "1KiB", "--handshake-timeout", "1s",
            "--publish-key", kKey, "--shutdown-timeout", "3s"});
        bystander_.emplace(port(), events_target({"bystander"}));
    }

    std::uint16_t port() const { return herald_->port(); }

    // herald_rejections_total{reason}; -1 if the series is missing.
    double Rejections(const std::string& reason) {
        return metric_value(port(), "herald_rejections_total{reason=\"" + reason + "\"}")
            .value_or(-1);
    }
    HeraldProcess& herald() { return *herald_; }

    // Publishes to the bystander's channel and expects exactly that event.
    void ExpectBystanderStillServed() {
        ASSERT_TRUE(herald_->running()) << "herald died";
        const auto id = publish_event(port(), "bystander", "still served", "", "", kKey);
        auto event = bystander_->next_event();
        ASSERT_TRUE(event) << "the bystander got nothing";
        EXPECT_EQ(event->id, id);
        EXPECT_EQ(event->data, "still served");
    }

    // Sends raw bytes on a new connection and returns everything the server
    // wrote until it closed (or the timeout); `closed` tells which.
    std::string RawExchange(const std::string& bytes, bool& closed, Millis timeout = kTimeout) {
        TimedSocket socket(port());
        EXPECT_FALSE(socket.write(bytes));
        std::string received;
        closed = socket.wait_closed(timeout, &received);
        return received;
    }

private:
    std::optional<HeraldProcess> herald_;
    std::optional<SseClient> bystander_;
};

// "HTTP/1.1 400 Bad Request\r\n..." -> 400; 0 if it is not a status line.
inline unsigned status_of(const std::string& response) {
    if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12)
        return 0;
    return static_cast<unsigned>(std::atoi(response.substr(9, 3).c_str()));
}

} // namespace herald_test
