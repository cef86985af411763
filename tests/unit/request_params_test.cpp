#include "herald/http/request_params.hpp"

#include <gtest/gtest.h>

using namespace herald;

TEST(StreamTarget, ParsesChannelsResumeIdAndToken) {
    auto parsed =
        parse_stream_target("/events?channel=user%3A42&channel=room:1&lastEventId=a-1&x=1", 8);
    ASSERT_TRUE(std::holds_alternative<StreamParams>(parsed));
    auto& p = std::get<StreamParams>(parsed);
    EXPECT_EQ(p.path, "/events");
    EXPECT_EQ(p.channels, (std::vector<std::string>{"user:42", "room:1"}));
    EXPECT_EQ(p.last_event_id, "a-1");
    EXPECT_FALSE(p.token);
}

TEST(StreamTarget, DeduplicatesChannels) {
    auto p = std::get<StreamParams>(parse_stream_target("/ws?channel=a&channel=a", 8));
    EXPECT_EQ(p.channels, std::vector<std::string>{"a"});
}

TEST(StreamTarget, RejectsInvalidChannelsAndTooMany) {
    auto bad = parse_stream_target("/events?channel=a%20b", 8);
    ASSERT_TRUE(std::holds_alternative<ParamError>(bad));
    EXPECT_EQ(std::get<ParamError>(bad).field, "channel");
    EXPECT_TRUE(std::holds_alternative<ParamError>(parse_stream_target("/events?channel=", 8)));
    EXPECT_TRUE(std::holds_alternative<ParamError>(
        parse_stream_target("/events?channel=a&channel=b&channel=c", 2)));
    EXPECT_TRUE(std::holds_alternative<ParamError>(parse_stream_target("no-slash", 2)));
}

TEST(Secret, ComparesWholeStrings) {
    EXPECT_TRUE(secret_equals("abc", "abc"));
    EXPECT_FALSE(secret_equals("abc", "abd"));
    EXPECT_FALSE(secret_equals("abc", "ab"));
    EXPECT_FALSE(secret_equals("", "a"));
    EXPECT_TRUE(secret_equals("", ""));
}

TEST(Secret, BearerMatchesOnlyItsKey) {
    EXPECT_TRUE(bearer_matches("Bearer k-1", "k-1"));
    EXPECT_FALSE(bearer_matches("Bearer k-2", "k-1"));
    EXPECT_FALSE(bearer_matches("k-1", "k-1"));
    EXPECT_FALSE(bearer_matches("Basic k-1", "k-1"));
    EXPECT_FALSE(bearer_matches("Bearer ", "")) << "an empty key opens nothing";
}

TEST(ClientAddress, IgnoresForwardedForFromUntrustedPeers) {
    EXPECT_EQ(client_address("203.0.113.9", "1.2.3.4", {"127.0.0.1"}), "203.0.113.9");
    EXPECT_EQ(client_address("127.0.0.1", "", {"127.0.0.1"}), "127.0.0.1");
}

TEST(ClientAddress, TakesTheRightMostUntrustedEntry) {
    std::vector<std::string> proxies{"127.0.0.1", "10.0.0.2"};
    EXPECT_EQ(client_address("127.0.0.1", "198.51.100.7", proxies), "198.51.100.7");
    // The left entry is the client's own claim; the proxy chain vouches only
    // for what it appended.
    EXPECT_EQ(client_address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", proxies),
              "198.51.100.7");
    EXPECT_EQ(client_address("127.0.0.1", " , 10.0.0.2", proxies), "127.0.0.1");
}
